// Data completeness (数据完整率): each rep's average against the 95% target line, lowest first; each rep opens to their
// least complete customers and what those miss, each linking to the customer. Scoped by the API (a rep sees themselves).
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { card } from '../ui.js';
import { basisPoints, monthLabel } from '../format.js';
import { hbarTarget } from '../charts.js';

/** The missing criteria in words: ["creditCode", "location"] → "统一社会信用代码、位置". */
export function missingText(missing) {
  return missing.map((m) => t(`completeness.criterion.${m}`)).join(t('common.listSep'));
}

export default async function completeness(ctx) {
  ctx.setTitle(t('title.completeness'));
  ctx.setBack('#/dashboard');
  const data = await get('/reports/completeness');
  const narrow = window.matchMedia('(max-width: 599px)').matches;
  const size = narrow ? { width: 340, labelWidth: 84, valueWidth: 70 } : {};
  const target = basisPoints(data.targetBp);

  const summary = h('div', { class: 'kpis', data: { test: 'completeness-kpis' } },
    h('div', { class: 'kpi', data: { test: 'completeness-overall' } }, h('div', { class: 'label' }, t('completeness.overall')),
      h('div', { class: 'value num' }, basisPoints(data.overallBp)), h('div', { class: 'hint' }, t('completeness.targetIs', { target }))),
    h('div', { class: 'kpi', data: { test: 'completeness-best' } }, h('div', { class: 'label' }, t('completeness.bestOfMonth', { month: monthLabel(data.month) })),
      h('div', { class: 'value' }, data.bestRepOfMonth ? data.bestRepOfMonth.repName : '—'),
      data.bestRepOfMonth ? h('div', { class: 'hint num' }, basisPoints(data.bestRepOfMonth.averageBp)) : null));

  if (!data.reps.length) {
    replace(ctx.main, summary, card(null, h('p', { class: 'empty', data: { test: 'completeness-empty' } }, t('completeness.none'))));
    return;
  }

  const chart = card(t('completeness.byRep'),
    hbarTarget(data.reps.map((r) => ({ label: r.repName, value: r.averageBp, display: basisPoints(r.averageBp), href: `#/completeness?rep=${encodeURIComponent(r.repId)}` })),
      data.targetBp, { ...size, title: t('completeness.byRep'), targetLabel: t('completeness.target', { target }) }),
    h('div', { class: 'chart-legend' },
      h('span', {}, h('span', { class: 'legend-swatch sw-below' }), t('completeness.below')),
      h('span', {}, h('span', { class: 'legend-swatch sw-met' }), t('completeness.met')),
      h('span', {}, h('span', { class: 'legend-swatch sw-target' }), t('completeness.target', { target }))),
    h('p', { class: 'hint' }, t('completeness.rule')));
  chart.classList.add('completeness-chart');

  const reps = h('div', { class: 'rep-list', data: { test: 'completeness-reps' } }, data.reps.map((r) => repDetails(r, data.targetBp, ctx.query.rep === r.repId)));
  replace(ctx.main, summary, chart, h('h2', { class: 'section-title' }, t('completeness.worstTitle')), reps);
  const open = reps.querySelector('details[open]');
  if (open) open.scrollIntoView({ block: 'nearest' });
}

function repDetails(r, targetBp, open) {
  const below = r.averageBp < targetBp;
  return h('details', { class: 'card rep-details', open: open || undefined, data: { test: 'completeness-rep', rep: r.repId, name: r.repName } },
    h('summary', { class: 'row' },
      h('div', { class: 'row-main' }, h('div', { class: 'row-title' }, r.repName), h('div', { class: 'row-sub' }, t('completeness.customersN', { n: r.customers }))),
      h('div', { class: 'row-side' }, h('span', { class: `chip ${below ? 'wait' : 'ok'} num`, data: { test: 'rep-average' } }, basisPoints(r.averageBp)))),
    h('ul', { class: 'list' }, r.worst.map((c) => h('li', {}, h('a', { class: 'row', href: `#/customers/${c.customerId}`, data: { test: 'worst-customer', name: c.name } },
      h('div', { class: 'row-main' }, h('div', { class: 'row-title' }, c.name),
        h('div', { class: 'row-sub', data: { test: 'worst-missing' } }, c.missing.length ? t('completeness.missing', { items: missingText(c.missing) }) : t('completeness.complete'))),
      h('div', { class: 'row-side num' }, basisPoints(c.scoreBp)))))));
}
