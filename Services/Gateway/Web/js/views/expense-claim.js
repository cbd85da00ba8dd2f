// One expense claim: what was spent, where it stands, the approval's progress; its owner submits a draft or rejected
// one, finance marks an approved one paid.
import { h, replace } from '../dom.js';
import { t, label } from '../i18n.js';
import { get, post } from '../api.js';
import { chip, card, sheet, form, toast } from '../ui.js';
import { money, dateTime, businessDate } from '../format.js';

export default async function expenseClaim(ctx) {
  const id = ctx.params.id;
  if (id === 'new') return (await import('./expense-claim-form.js')).default(ctx);
  async function render() {
    const c = await get(`/expense-claims/${id}`);
    const approvals = await get('/approvals', { contract: id, limit: 1 }).catch(() => ({ items: [] }));
    if (!ctx.isCurrent()) return;
    ctx.setTitle(`${t('title.expenses')} ${c.number}`);
    ctx.setBack('#/expense-claims');
    const approval = approvals.items[0];
    const mine = String(c.ownerId).toLowerCase() === String(ctx.user.id).toLowerCase();
    const canSubmit = mine && (c.status === 'draft' || c.status === 'rejected');
    const canPay = ['finance', 'admin'].includes(ctx.user.role) && c.status === 'approved';

    async function submit(button) {
      button.disabled = true;
      try {
        await post(`/expense-claims/${id}/submit`, {}, { idempotencyKey: `${id}-submit-${c.version}` });
        toast(t('expenses.submitted'));
        await render();
      } finally {
        button.disabled = false;
      }
    }

    function pay() {
      sheet(t('expenses.payTitle'), (close) => form({ data: { test: 'pay-form' } }, [
        h('p', {}, t('expenses.payConfirm', { name: c.ownerId, amount: money(c.amountFen) })),
        h('div', { class: 'actions end' },
          h('button', { type: 'button', class: 'btn', onclick: close }, t('common.cancel')),
          h('button', { type: 'submit', class: 'btn success', data: { test: 'confirm-pay' } }, t('expenses.pay')))], async (_f, key) => {
        await post(`/expense-claims/${id}/pay`, {}, { idempotencyKey: key });
        close();
        toast(t('expenses.paidToast'));
        await render();
      }));
    }

    const summary = card(null,
      h('div', { class: 'card-head' }, h('h2', {}, c.number),
        h('span', { data: { test: 'claim-status', status: c.status } }, chip('expense', c.status))),
      h('dl', { class: 'kv' },
        h('dt', {}, t('expenses.category')), h('dd', {}, label('expenseCategory', c.category)),
        h('dt', {}, t('expenses.amount')), h('dd', { class: 'num' }, h('strong', { data: { test: 'claim-amount' } }, money(c.amountFen))),
        h('dt', {}, t('expenses.spentOn')), h('dd', {}, businessDate(c.spentOn)),
        h('dt', {}, t('expenses.description')), h('dd', { data: { test: 'claim-description' } }, c.description),
        c.customerName ? [h('dt', {}, t('deals.customer')), h('dd', {}, c.customerId ? h('a', { href: `#/customers/${c.customerId}` }, c.customerName) : c.customerName)] : null,
        c.submittedAt ? [h('dt', {}, t('expenses.submittedAt')), h('dd', {}, dateTime(c.submittedAt))] : null,
        c.decidedAt ? [h('dt', {}, t('expenses.decidedAt')), h('dd', {}, dateTime(c.decidedAt))] : null,
        c.decisionComment ? [h('dt', {}, t('expenses.decisionComment')), h('dd', { data: { test: 'claim-comment' } }, c.decisionComment)] : null,
        c.paidAt ? [h('dt', {}, t('expenses.paidAt')), h('dd', {}, dateTime(c.paidAt))] : null),
      approval ? h('a', { href: `#/approvals/${approval.id}`, class: 'panel-link', data: { test: 'open-claim-approval' } }, t('expenses.openApproval')) : null);
    const bar = canSubmit || canPay ? h('div', { class: 'actionbar' },
      canSubmit ? h('button', { class: 'btn primary', type: 'button', data: { test: 'submit-claim' }, onclick: (e) => submit(e.currentTarget) },
        c.status === 'rejected' ? t('expenses.submitAgain') : t('expenses.submitForApproval')) : null,
      canPay ? h('button', { class: 'btn success', type: 'button', data: { test: 'pay-claim' }, onclick: pay }, t('expenses.pay')) : null) : null;
    replace(ctx.main, h('div', { class: 'narrow' }, summary), bar);
  }
  await render();
}
