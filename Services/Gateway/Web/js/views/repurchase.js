// Re-purchase forecast (复购预测, issue 11): for each customer and product line bought at least three times, the median
// gap, the last purchase and the next expected order, soonest first; overdue ones in red. Scoped by the API (a rep
// sees their own customers).
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { card } from '../ui.js';
import { businessDate } from '../format.js';

export default async function repurchase(ctx) {
  ctx.setTitle(t('title.repurchase'));
  ctx.setBack(['supervisor', 'regional_manager', 'gm', 'admin', 'finance'].includes(ctx.user.role) ? '#/dashboard' : '#/more');
  const data = await get('/reports/repurchase');
  const counts = { overdue: 0, upcoming: 0, expected: 0 };
  data.items.forEach((i) => { counts[i.status] += 1; });
  const kpis = h('div', { class: 'kpis', data: { test: 'repurchase-kpis' } },
    ['overdue', 'upcoming', 'expected'].map((status) => h('div', { class: 'kpi', data: { test: `repurchase-${status}` } },
      h('div', { class: 'label' }, t(`repurchase.status.${status}`)), h('div', { class: `value num${status === 'overdue' && counts.overdue > 0 ? ' negative' : ''}` }, String(counts[status])))));
  if (!data.items.length) {
    replace(ctx.main, kpis, card(null, h('p', { class: 'empty', data: { test: 'repurchase-empty' } }, t('repurchase.none')),
      h('p', { class: 'hint' }, t('repurchase.rule', { days: data.remindDays }))));
    return;
  }
  const list = h('ul', { class: 'list', data: { test: 'repurchase-list' } }, data.items.map((i) => h('li', {},
    h('a', { class: `row repurchase-${i.status}`, href: `#/customers/${encodeURIComponent(i.customerId)}`,
      data: { test: 'repurchase-item', status: i.status, customer: i.customerName, line: i.productLine } },
      h('div', { class: 'row-main' },
        h('div', { class: 'row-title' }, `${i.customerName} · ${i.productLine}`),
        h('div', { class: 'row-sub' }, t('repurchase.detail', { gap: i.medianGapDays, last: businessDate(i.lastPurchaseOn), n: i.purchases }),
          i.status === 'overdue' && i.openDeal ? ` · ${t('repurchase.openDeal')}` : '')),
      h('div', { class: 'row-side' },
        h('div', { class: `num${i.status === 'overdue' ? ' negative' : ''}`, data: { test: 'next-expected' } }, businessDate(i.nextExpectedOn)),
        h('span', { class: `chip ${i.status === 'overdue' ? 'bad' : i.status === 'upcoming' ? 'wait' : 'ok'}` }, t(`repurchase.status.${i.status}`)))))));
  replace(ctx.main, kpis, card(null, list, h('p', { class: 'hint' }, t('repurchase.rule', { days: data.remindDays }))));
}
