// A contract: lines and margin, submit for approval, follow the steps, sign once approved.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import { chip, card, toast, problemText, errorBox } from '../ui.js';
import { money, dateTime } from '../format.js';
import { icon } from '../icons.js';
import { linesTable, stepTimeline } from './contract-parts.js';
import { paymentsPanel } from './contract-payments.js';

/** The approval of a contract among the caller's approvals (they submitted, own or approve it): the newest one. */
export async function findApproval(contractId) {
  const reply = await get('/approvals', { contract: contractId, limit: 1 });
  return reply.items[0] || null;
}

export default async function contract(ctx) {
  const id = ctx.params.id;
  const seller = ctx.user.role !== 'finance';
  let timer = null;
  ctx.onLeave(() => clearTimeout(timer));

  async function render() {
    const c = await get(`/contracts/${id}`);
    const approval = c.status === 'draft' ? null : await findApproval(id).catch(() => null);
    if (!ctx.isCurrent()) return;
    ctx.setTitle(c.number);
    ctx.setBack(`#/deals/${c.dealId}`);
    ctx.setActions(h('button', { class: 'icon-btn', type: 'button', 'aria-label': t('common.refresh'), data: { test: 'refresh' }, onclick: () => render() }, icon('refresh')));
    const error = h('div', { role: 'alert' });
    const actions = h('div', { class: 'actions' });
    async function act(path, done, button) {
      replace(error);
      button.disabled = true;
      try {
        await post(path);
        toast(done);
        await render();
      } catch (e) {
        button.disabled = false;
        if (e.status !== 401) replace(error, h('div', { class: 'form-error', data: { test: 'action-error' } }, problemText(e)));
      }
    }
    if (seller && (c.status === 'draft' || c.status === 'rejected')) {
      actions.append(h('button', { class: 'btn primary', type: 'button', data: { test: 'submit-contract' },
        onclick: (e) => act(`/contracts/${id}/submit`, t('contracts.submitted'), e.currentTarget) }, t('contracts.submit')));
    }
    if (seller && c.status === 'approved') {
      actions.append(h('button', { class: 'btn success', type: 'button', data: { test: 'sign-contract' },
        onclick: (e) => act(`/contracts/${id}/sign`, t('contracts.signedToast'), e.currentTarget) }, t('contracts.sign')));
    }
    if (approval && approval.status === 'pending' && String(approval.submitterId).toLowerCase() === String(ctx.user.id).toLowerCase()) {
      actions.append(h('button', { class: 'btn', type: 'button', data: { test: 'recall' },
        onclick: (e) => act(`/approvals/${approval.id}/recall`, t('contracts.recalled'), e.currentTarget) }, t('contracts.recall')));
    }
    const head = card(null,
      h('div', { class: 'card-head' }, h('h2', {}, c.number), h('span', { data: { test: 'contract-status', status: c.status } }, chip('contract', c.status))),
      h('dl', { class: 'kv' },
        h('dt', {}, t('deals.customer')), h('dd', {}, h('a', { href: `#/customers/${c.customerId}` }, c.customerName)),
        h('dt', {}, t('contracts.amount')), h('dd', { class: 'num' }, h('strong', {}, money(c.amountFen))),
        h('dt', {}, t('contracts.fromQuote')), h('dd', {}, h('a', { href: `#/deals/${c.dealId}` }, t('quotes.version', { version: c.quoteVersion }))),
        h('dt', {}, t('common.created')), h('dd', {}, dateTime(c.createdAt)),
        c.submittedAt ? [h('dt', {}, t('contracts.submittedAt')), h('dd', {}, dateTime(c.submittedAt))] : null,
        c.signedAt ? [h('dt', {}, t('contracts.signedAt')), h('dd', {}, dateTime(c.signedAt))] : null,
        c.decisionComment ? [h('dt', {}, t('contracts.decision')), h('dd', {}, c.decisionComment)] : null),
      error, actions);
    let steps;
    if (approval) {
      steps = card(t('approval.steps'), h('p', { class: 'muted small' }, t('approval.stepOf', { step: Math.min(approval.currentStep + 1, approval.stepCount), count: approval.stepCount }), ' · ', h('span', { data: { test: 'approval-status' } }, chip('approval', approval.status))),
        stepTimeline(approval), h('a', { href: `#/approvals/${approval.id}`, class: 'panel-link' }, t('approval.open')));
    } else if (c.status === 'pending_approval') {
      steps = card(t('approval.steps'), h('p', { class: 'muted' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' ', t('approval.starting')));
    }
    // A signed contract's payment plan and receipts (issue 11).
    const payments = c.status === 'signed' ? await paymentsPanel(ctx, c, render).catch((e) => errorBox(e, render)) : null;
    if (!ctx.isCurrent()) return;
    replace(ctx.main, h('div', { class: 'split' }, h('div', {}, head, card(t('contracts.lines'), linesTable(c.lines, c.amountFen, c.costFen))), h('div', {}, payments, steps)));
    // Follow the approval while it runs: its steps and the outcome arrive through events.
    clearTimeout(timer);
    if (c.status === 'pending_approval') timer = setTimeout(() => render().catch(() => {}), 4000);
  }
  await render();
}
