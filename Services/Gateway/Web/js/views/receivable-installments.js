// The installments behind a cell of the receivables table: most overdue first, each with its contract, customer,
// owner, due date, outstanding money and days overdue, linking to the contract. A page at a time.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { pagedList } from '../ui.js';
import { money, businessDate } from '../format.js';
import { BUCKETS } from './receivables.js';

export default async function receivableInstallments(ctx) {
  const q = ctx.query;
  const bucket = BUCKETS.includes(q.bucket) ? q.bucket : null;
  ctx.setTitle(bucket ? t('receivables.installmentsIn', { bucket: t(`receivables.bucket.${bucket}`) }) : t('receivables.installments'));
  ctx.setBack(`#/receivables${q.owner ? '?by=rep' : q.region ? '?by=region' : ''}`);
  const params = { bucket: bucket || undefined, customerId: q.customerId || undefined, owner: q.owner || undefined, region: q.region || undefined };
  const list = pagedList({
    test: 'receivable-installments',
    emptyText: t('receivables.none'),
    fetchPage: (cursor) => get('/receivables/installments', { ...params, cursor: cursor || undefined, limit: 20 }),
    renderItem: (i) => h('li', {}, h('a', { class: 'row', href: `#/contracts/${i.contractId}`,
      data: { test: 'receivable-installment', contract: i.contractNumber, sequence: String(i.sequence), outstanding: String(i.outstandingFen), days: String(i.daysOverdue) } },
      h('div', { class: 'row-main' },
        h('div', { class: 'row-title' }, `${i.customerName} · ${i.contractNumber}`),
        h('div', { class: 'row-sub' }, [t('receivables.nth', { n: i.sequence }), i.label, i.ownerName].join(' · ')),
        h('div', { class: 'row-sub' }, i.dueOn ? t('receivables.dueOn', { date: businessDate(i.dueOn) }) : t('receivables.waitsDelivery'))),
      h('div', { class: 'row-side' },
        h('div', { class: 'amount num' }, money(i.outstandingFen)),
        i.daysOverdue > 0
          ? h('span', { class: `chip ${i.daysOverdue > 15 ? 'bad' : 'wait'}`, data: { test: 'days-overdue' } }, t('receivables.daysOverdue', { n: i.daysOverdue }))
          : h('span', { class: 'chip' }, t('receivables.bucket.notDue'))))),
  });
  replace(ctx.main, list);
}
