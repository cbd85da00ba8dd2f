// One approval for its approver: the contract with its lines and margin, the steps, and approve / reject with a
// comment (reject requires one). From the inbox: tap the row, tap approve, tap confirm.
import { h, replace } from '../dom.js';
import { t, label, loadMessages } from '../i18n.js';
import { get, post } from '../api.js';
import { chip, card, sheet, field, form, invalid, toast } from '../ui.js';
import { money, dateTime } from '../format.js';
import { linesTable, stepTimeline } from './contract-parts.js';

export default async function approval(ctx) {
  const id = ctx.params.id;
  async function render() {
    const a = await get(`/approvals/${id}`);
    // Another subject than a contract (issue 12): contractId is the subject's id; its own screen has the details.
    const subject = a.subjectType && a.subjectType !== 'contract' ? a.subjectType : null;
    const contract = subject ? null : await get(`/contracts/${a.contractId}`).catch(() => null);
    const quote = subject === 'discount' ? await get(`/quotes/${a.contractId}`).catch(() => null) : null;
    if (subject) await loadMessages('expenses');
    if (subject === 'discount') await loadMessages('discount');
    if (!ctx.isCurrent()) return;
    ctx.setTitle(`${t('approval.title')} ${a.contractNumber}`);
    ctx.setBack('#/inbox');
    const step = a.steps[a.currentStep];
    const mine = a.status === 'pending' && step && step.status === 'pending' && String(step.approverId).toLowerCase() === String(ctx.user.id).toLowerCase();

    function decide(kind) {
      sheet(kind === 'approve' ? t('approval.approveTitle') : t('approval.rejectTitle'), (close) => {
        const comment = field({ name: 'comment', label: kind === 'approve' ? t('approval.commentOptional') : t('approval.commentRequired'),
          textarea: true, required: kind === 'reject', value: kind === 'approve' ? t('approval.defaultComment') : '', attrs: { maxlength: 2000 } });
        return form({ data: { test: `${kind}-form` } }, [comment, h('div', { class: 'actions end' },
          h('button', { type: 'button', class: 'btn', onclick: close }, t('common.cancel')),
          h('button', { type: 'submit', class: `btn ${kind === 'approve' ? 'success' : 'danger'}`, data: { test: `confirm-${kind}` } },
            kind === 'approve' ? t('approval.confirmApprove') : t('approval.confirmReject')))], async (_f, key) => {
          const text = comment.input.value.trim();
          if (kind === 'reject' && !text) throw invalid({ comment: [t('approval.commentNeeded')] });
          await post(`/approvals/${id}/${kind}`, text ? { comment: text } : {}, { idempotencyKey: key });
          close();
          toast(kind === 'approve' ? t('approval.approvedToast') : t('approval.rejectedToast'));
          ctx.refreshBadge();
          await render();
        });
      });
    }

    const summary = card(null,
      h('div', { class: 'card-head' }, h('h2', {}, a.contractNumber), h('span', { data: { test: 'approval-status', status: a.status } }, chip('approval', a.status))),
      h('dl', { class: 'kv' },
        subject ? [h('dt', {}, t('approval.subjectKind')), h('dd', { data: { test: 'approval-subject', subject } }, label('approval.subject', subject)),
          h('dt', {}, t('approval.subjectTitle')), h('dd', { data: { test: 'approval-title' } }, a.title || '')] : null,
        !subject || a.customerName ? [h('dt', {}, t('deals.customer')), h('dd', {}, a.customerName)] : null,
        h('dt', {}, subject === 'discount' ? t('discount.worthLabel') : subject ? t('expenses.amount') : t('contracts.amount')), h('dd', { class: 'num' }, h('strong', { data: { test: 'approval-amount' } }, money(a.amountFen))),
        h('dt', {}, t('approval.requested')), h('dd', {}, dateTime(a.requestedAt)),
        h('dt', {}, t('approval.progress')), h('dd', {}, t('approval.stepOf', { step: Math.min(a.currentStep + 1, a.stepCount), count: a.stepCount }),
          step && a.status === 'pending' ? ` · ${label('role', step.role)}` : ''),
        a.comment ? [h('dt', {}, t('approval.comment')), h('dd', {}, a.comment)] : null),
      contract ? h('a', { href: `#/contracts/${contract.id}`, class: 'panel-link' }, t('approval.openContract')) : null,
      subject === 'expense_claim' ? h('a', { href: `#/expense-claims?id=${a.contractId}`, class: 'panel-link', data: { test: 'open-expense-claim' } }, t('approval.openExpenseClaim')) : null,
      // A discount (issue 12): contractId is the quote version's id; its deal page shows the version.
      subject === 'discount' && quote ? h('a', { href: `#/deals/${quote.dealId}`, class: 'panel-link', data: { test: 'open-quote' } }, t('approval.openQuote')) : null);
    const quoteLines = quote ? card(t('quotes.lines'), linesTable(quote.lines, quote.totalFen, quote.costFen)) : null;
    const lines = subject ? null : contract ? card(t('contracts.lines'), linesTable(contract.lines, contract.amountFen, contract.costFen))
      : card(t('contracts.lines'), h('p', { class: 'muted' }, t('approval.contractHidden')));
    const bar = mine ? h('div', { class: 'actionbar', data: { test: 'decision-bar' } },
      h('button', { class: 'btn danger', type: 'button', data: { test: 'reject' }, onclick: () => decide('reject') }, t('approval.reject')),
      h('button', { class: 'btn success', type: 'button', data: { test: 'approve' }, onclick: () => decide('approve') }, t('approval.approve')))
      : a.status === 'pending' ? h('p', { class: 'notice' }, t('approval.waitingFor', { name: step?.approverName || label('role', step?.role || '') })) : null;
    const behalf = mine && step.onBehalfOfName ? h('p', { class: 'notice', data: { test: 'deciding-on-behalf' } }, t('delegation.youDecideFor', { name: step.onBehalfOfName })) : null;
    replace(ctx.main, h('div', { class: 'split' }, h('div', {}, summary, lines, quoteLines), h('div', {}, card(t('approval.steps'), stepTimeline(a)))), behalf, bar);
  }
  await render();
}
