// 逾期跟进: follow-ups whose day has passed with no later visit at the customer, most overdue first.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { pagedList } from '../ui.js';
import { businessDate, dateTime } from '../format.js';
import { visitTabs } from './visits.js';

function row(f) {
  return h('li', {}, h('a', { class: 'row', href: `#/customers/${f.customerId}`,
    data: { test: 'overdue-row', name: f.customerName, visit: f.visitId, days: f.daysOverdue } },
  h('div', { class: 'row-main' },
    h('div', { class: 'row-title' }, f.customerName),
    h('div', { class: 'row-sub' }, `${f.repName} · ${t('visitViews.promisedAt', { time: dateTime(f.visitedAt) })}`),
    h('div', { class: 'row-sub' }, t('visitViews.dueOn', { date: businessDate(f.dueOn) }))),
  h('div', { class: 'row-side' }, h('span', { class: 'chip bad' }, t('visitViews.daysOverdue', { n: f.daysOverdue })))));
}

export default async function visitsOverdue(ctx) {
  ctx.setTitle(t('visitViews.overdue'));
  const list = pagedList({
    test: 'overdue-list', emptyText: t('visitViews.noneOverdue'),
    fetchPage: (cursor) => get('/visits/follow-ups/overdue', { cursor, limit: 30 }),
    renderItem: row,
  });
  replace(ctx.main, h('div', {}, visitTabs('overdue'), h('p', { class: 'hint' }, t('visitViews.overdueHint')), list));
}
