// The records behind a KPI tile (issue 12): the working days of the daily active ratio, the cohorts of the conversion
// year on year (each linking to its deals), or the approvals behind the approval time.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { card } from '../ui.js';
import { percentText, shanghaiMonth, monthLabel, dayLabel } from '../format.js';
import { statusChip } from './kpi-panel.js';

const KPIS = ['daily-active', 'conversion', 'approval-time'];

function table(test, heads, rows) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table', data: { test } },
    h('thead', {}, h('tr', {}, heads.map((x, i) => h('th', { scope: 'col', class: i ? 'num' : '' }, x)))),
    h('tbody', {}, rows)));
}

export default async function kpiRecords(ctx) {
  const kpi = KPIS.includes(ctx.params.kpi) ? ctx.params.kpi : 'daily-active';
  const month = /^\d{4}-\d{2}$/.test(ctx.query.month || '') ? ctx.query.month : shanghaiMonth();
  ctx.setTitle(t(`kpi.${kpi === 'daily-active' ? 'dailyActive' : kpi === 'conversion' ? 'conversion' : 'approvalTime'}`));
  ctx.setBack('#/dashboard');
  const data = await get('/reports/kpis', { month });
  const head = (k) => h('p', { class: 'dash-meta' }, `${monthLabel(data.month)} · `, statusChip(k.status), ' ', t('kpi.target'), ' ', k.target);
  if (kpi === 'daily-active') {
    const d = data.dailyActive;
    replace(ctx.main, head(d),
      card(t('kpi.byWeek'), table('kpi-weeks', [t('kpi.week'), t('kpi.reps'), t('kpi.users')], d.weeks.map((w) => h('tr', {},
        h('td', {}, `${dayLabel(w.from)} – ${dayLabel(w.to)}`), h('td', { class: 'num' }, percentText(w.repShare)), h('td', { class: 'num' }, percentText(w.userShare)))))),
      card(t('kpi.byDay'), table('kpi-days', [t('kpi.day'), t('kpi.reps'), t('kpi.users')], d.days.map((w) => h('tr', { data: { test: 'kpi-day', day: w.from } },
        h('td', {}, dayLabel(w.from)), h('td', { class: 'num' }, `${w.repDays}/${d.activeReps} · ${percentText(w.repShare)}`),
        h('td', { class: 'num' }, `${w.userDays}/${d.activeUsers} · ${percentText(w.userShare)}`))))),
      h('p', { class: 'hint' }, t('kpi.dailyActiveRule')));
  } else if (kpi === 'conversion') {
    const c = data.conversion;
    const rows = c.cohorts.filter((x) => x.leads || x.lastYearLeads).reverse();
    replace(ctx.main, head(c),
      card(t('kpi.cohorts'), table('kpi-cohorts', [t('kpi.cohort'), t('kpi.rate'), t('kpi.lastYear'), t('kpi.change')], rows.map((x) => h('tr', { data: { test: 'kpi-cohort', month: x.month } },
        h('td', {}, h('a', { href: '#/deals' }, monthLabel(x.month))),
        h('td', { class: 'num' }, `${x.signed}/${x.leads} · ${percentText(x.rate)}`),
        h('td', { class: 'num' }, `${x.lastYearSigned}/${x.lastYearLeads} · ${percentText(x.lastYearRate)}`),
        h('td', { class: 'num' }, x.change === null ? '—' : `${x.change}%`))))),
      h('p', { class: 'hint' }, t('kpi.conversionRule')));
  } else {
    const a = data.approvalTime;
    replace(ctx.main, head(a),
      card(null, h('dl', { class: 'kv', data: { test: 'kpi-approvals' } },
        h('dt', {}, t('dashboard.decided')), h('dd', { class: 'num' }, String(a.decided)),
        h('dt', {}, t('dashboard.avgDays')), h('dd', { class: 'num' }, a.averageWorkingDays === null ? '—' : t('dashboard.days', { n: a.averageWorkingDays })),
        h('dt', {}, t('kpi.breaching')), h('dd', { class: 'num' }, `${a.breaching} · ${percentText(a.breachShare)}`)),
      h('a', { class: 'btn', href: '#/approvals?view=all', data: { test: 'kpi-approvals-link' } }, t('dashboard.approvals'))),
      h('p', { class: 'hint' }, t('kpi.approvalRule')));
  }
}
