// Expense claims (报销, issue 12) in my scope, newest first, by status; a rep files a new one from here.
import { h, replace } from '../dom.js';
import { t, label } from '../i18n.js';
import { get, query } from '../api.js';
import { pagedList, chip } from '../ui.js';
import { icon } from '../icons.js';
import { money, businessDate } from '../format.js';

const STATUSES = ['draft', 'pending_approval', 'approved', 'rejected', 'paid'];

export function claimRow(c) {
  return h('li', {}, h('a', { class: 'row', href: `#/expense-claims?id=${c.id}`, data: { test: 'expense-claim-row', number: c.number, status: c.status } },
    h('div', { class: 'avatar', 'aria-hidden': 'true' }, label('expenseCategory', c.category).slice(0, 1)),
    h('div', { class: 'row-main' },
      h('div', { class: 'row-title' }, c.description),
      h('div', { class: 'row-sub' }, `${label('expenseCategory', c.category)} · ${c.number} · ${businessDate(c.spentOn)}`)),
    h('div', { class: 'row-side' }, h('div', { class: 'amount num' }, money(c.amountFen)), chip('expense', c.status))));
}

export default async function expenseClaims(ctx) {
  // One route for the list, a claim (?id=…) and the form (?id=new): the rep's first screen carries one route line.
  if (ctx.query.id) return (await import('./expense-claim.js')).default({ ...ctx, params: { id: ctx.query.id } });
  ctx.setTitle(t('title.expenses'));
  const { status, owner } = ctx.query;
  if (ctx.user.role !== 'finance') {
    ctx.setActions(h('a', { class: 'icon-btn', href: '#/expense-claims?id=new', 'aria-label': t('expenses.new'), data: { test: 'new-expense-claim' } }, icon('plus')));
  }
  const tabs = h('nav', { class: 'pill-tabs', 'aria-label': t('expenses.byStatus') },
    [['', t('common.all')], ...STATUSES.map((s) => [s, label('expense', s)])].map(([value, text]) => h('a', {
      href: `#/expense-claims${query({ status: value, owner })}`, 'aria-current': (status || '') === value ? 'page' : null,
    }, text)));
  replace(ctx.main, tabs, pagedList({
    test: 'expense-claim-list', emptyText: t('expenses.none'),
    fetchPage: (cursor) => get('/expense-claims', { cursor, limit: 20, status, owner }),
    renderItem: claimRow,
  }));
}
