// The KPI panel of issue 12 on the dashboard: the daily active ratio, conversion year on year and approval time, each a
// tile with its figure, its target and its status in words and colour (green / amber / red, as the API judges it), and
// each linking to the records behind the number (#/kpis/<kpi>).
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { percentText } from '../format.js';

const CHIP = { green: 'ok', amber: 'wait', red: 'bad' };

// The status as a chip with words, not colour alone; no figure → "no data".
export function statusChip(status) {
  return h('span', { class: `chip ${CHIP[status] || ''}`, data: { test: 'kpi-status', status: status || 'none' } }, t(`kpi.status.${status || 'none'}`));
}

function tile(kpi, month, title, value, target, status, detail) {
  return h('a', { class: 'kpi kpi-tile', href: `#/kpis/${kpi}?month=${month}`, data: { test: `kpi-tile-${kpi}`, status: status || 'none' } },
    h('div', { class: 'label' }, title),
    h('div', { class: 'value num', data: { test: 'kpi-value' } }, value),
    h('div', { class: 'kpi-meta' }, statusChip(status), h('span', { class: 'row-sub' }, target)),
    h('div', { class: 'row-sub', data: { test: 'kpi-detail' } }, detail));
}

// A section the dashboard places; load() fetches the month's panel and draws the three tiles.
export function kpiPanel(month) {
  const body = h('div', { class: 'kpis kpi-tiles' });
  const el = h('section', { class: 'card', data: { test: 'panel-kpis' } }, h('div', { class: 'card-head' }, h('h2', {}, t('kpi.panel'))), body);
  el.body = body;
  el.load = async () => {
    const data = await get('/reports/kpis', { month });
    const d = data.dailyActive;
    const c = data.conversion;
    const a = data.approvalTime;
    replace(body,
      tile('daily-active', data.month, t('kpi.dailyActive'), percentText(d.repShare), t('kpi.targetPercent', { n: d.target }), d.status,
        t('kpi.dailyActiveDetail', { users: percentText(d.userShare), days: d.workingDays })),
      tile('conversion', data.month, t('kpi.conversion'), c.overall.change === null ? '—' : `${c.overall.change.startsWith('-') ? '' : '+'}${c.overall.change}%`,
        t('kpi.targetChange', { n: c.target }), c.status,
        t('kpi.conversionDetail', { rate: percentText(c.overall.rate), last: percentText(c.overall.lastYearRate) })),
      tile('approval-time', data.month, t('kpi.approvalTime'), a.averageWorkingDays === null ? '—' : t('dashboard.days', { n: a.averageWorkingDays }),
        t('kpi.targetDays', { n: a.target }), a.status, t('kpi.approvalDetail', { share: percentText(a.breachShare), n: a.breaching })));
    return data;
  };
  return el;
}
