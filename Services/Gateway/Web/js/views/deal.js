// A deal: its stage (move, lose, reopen), quote versions with what changed, contracts from a version, stage history.
import { h, replace } from '../dom.js';
import { t, label } from '../i18n.js';
import { get, post, ApiError } from '../api.js';
import { pagedList, chip, card, sheet, field, form, invalid, toast, problemText } from '../ui.js';
import { money, dateTime, businessDate, basisPoints } from '../format.js';
import { icon } from '../icons.js';
import { diffLines } from './quote-diff.js';

const FLOW = ['lead', 'qualified', 'quoted', 'contract', 'delivered', 'paid'];

export default async function deal(ctx) {
  const id = ctx.params.id;
  const [d, quotes] = await Promise.all([get(`/deals/${id}`), get(`/deals/${id}/quotes`, { limit: 20 })]);
  ctx.setTitle(d.title);
  ctx.setBack(`#/customers/${d.customerId}`);
  const seller = ctx.user.role !== 'finance';
  const open = !['lost', 'paid'].includes(d.stage);
  if (seller) ctx.setActions(h('a', { class: 'btn small ghost', href: `#/deals/${id}/edit`, data: { test: 'edit-deal' } }, t('common.edit')));

  const reach = FLOW.indexOf(d.stage === 'lost' ? d.lostFromStage : d.stage);
  const stepper = h('div', { 'aria-label': t('deals.progress') },
    h('div', { class: 'stages', 'aria-hidden': 'true' }, FLOW.map((s, i) => h('span', { class: i <= reach ? 'done' : '' }))),
    h('div', { class: 'stage-labels' }, FLOW.map((s) => h('span', {}, label('stage', s)))));

  // A quote moves a deal to quoted and signing a contract to contract; the last shipment moves it to delivered and full
  // collection to paid (issue 11). Only lead → qualified is the rep's.
  const MANUAL = { lead: 'qualified' };
  const next = MANUAL[d.stage];
  const stageActions = h('div', { class: 'actions' });
  if (seller && open && next) {
    stageActions.append(h('button', { class: 'btn primary', type: 'button', data: { test: 'move-stage', to: next },
      onclick: () => move({ stage: next }) }, t('deals.moveTo', { stage: label('stage', next) })));
  }
  if (seller && open) {
    stageActions.append(h('button', { class: 'btn', type: 'button', data: { test: 'lose-deal' }, onclick: lose }, t('deals.markLost')));
  }
  if (seller && d.stage === 'lost') {
    stageActions.append(h('button', { class: 'btn', type: 'button', data: { test: 'reopen-deal' }, onclick: () => move({ stage: 'reopen' }) }, t('deals.reopen')));
  }
  if (d.stage === 'contract' || d.stage === 'delivered') {
    stageActions.append(h('p', { class: 'muted small', data: { test: 'auto-stage-hint' } }, t(d.stage === 'contract' ? 'shipments.autoDelivered' : 'shipments.autoPaid')));
  }
  const stageError = h('div', { role: 'alert', data: { test: 'stage-error' } });

  async function move(body) {
    replace(stageError);
    try {
      await post(`/deals/${id}/stage`, body);
      toast(t('deals.moved'));
      ctx.navigate(location.hash);
    } catch (error) {
      if (error.status === 401) return;
      replace(stageError, h('div', { class: 'form-error' }, problemText(error)));
    }
  }

  function lose() {
    sheet(t('deals.markLost'), (close) => {
      const reason = field({ name: 'lostReason', label: t('deals.lostReason'), textarea: true, required: true, attrs: { maxlength: 500 } });
      return form({ data: { test: 'lost-form' } }, [reason, h('div', { class: 'actions end' },
        h('button', { type: 'button', class: 'btn', onclick: close }, t('common.cancel')),
        h('button', { type: 'submit', class: 'btn danger' }, t('deals.markLost')))], async (_f, key) => {
        if (!reason.input.value.trim()) throw invalid({ lostReason: [t('error.required')] });
        await post(`/deals/${id}/stage`, { stage: 'lost', lostReason: reason.input.value.trim() }, { idempotencyKey: key });
        close();
        ctx.navigate(location.hash);
      });
    });
  }

  const summary = card(null,
    h('div', { class: 'card-head' }, h('h2', {}, d.title), h('span', { data: { test: 'deal-stage' } }, chip('stage', d.stage))),
    h('dl', { class: 'kv' },
      h('dt', {}, t('deals.customer')), h('dd', {}, h('a', { href: `#/customers/${d.customerId}` }, d.customerName)),
      h('dt', {}, t('deals.expectedAmount')), h('dd', { class: 'num' }, money(d.expectedAmountFen)),
      h('dt', {}, t('deals.expectedClose')), h('dd', {}, businessDate(d.expectedCloseDate)),
      d.lostReason ? [h('dt', {}, t('deals.lostReason')), h('dd', {}, d.lostReason)] : null),
    stepper, stageError, stageActions);

  // Quote versions, newest first; the current one is marked.
  const contractNotice = h('div', { role: 'alert', data: { test: 'contract-notice' } });
  // Issue 11: an optional end date for a contract that runs for a term (renewal reminder before it).
  const endsOnInput = h('input', { id: 'contract-ends-on', type: 'date', data: { test: 'contract-ends-on' } });
  const endsOnField = h('div', { class: 'field' }, h('label', { for: 'contract-ends-on' }, t('contract.endsOn')), endsOnInput,
    h('div', { class: 'hint' }, t('contract.endsOnHint')));
  async function createContract(quoteId, button) {
    replace(contractNotice);
    if (button) button.disabled = true;
    try {
      const contract = await post('/contracts', endsOnInput.value ? { quoteId, endsOn: endsOnInput.value } : { quoteId });
      toast(t('contracts.created', { number: contract.number }));
      ctx.navigate(`#/contracts/${contract.id}`);
    } catch (error) {
      if (button) button.disabled = false;
      if (error.status === 401) return;
      if (error instanceof ApiError && error.is('quote-version-superseded')) {
        const current = error.problem.currentVersion;
        const currentId = error.problem.currentQuoteId;
        replace(contractNotice, h('div', { class: 'notice warn', data: { test: 'superseded' } },
          h('p', {}, t('contracts.superseded', { requested: error.problem.requestedVersion ?? '', current })),
          h('button', { class: 'btn primary', type: 'button', data: { test: 'use-current' },
            onclick: (event) => createContract(currentId, event.currentTarget) }, t('contracts.useCurrent', { version: current }))));
        contractNotice.scrollIntoView({ block: 'center' });
      } else {
        replace(contractNotice, h('div', { class: 'form-error' }, problemText(error)));
      }
    }
  }

  // Discount approval (issue 12): a version beyond its author's limit shows its state, links to its approval and makes
  // no contract until approved.
  async function openDiscountApproval(q) {
    const decided = q.discountApproval?.approvalId;
    const page = decided ? null : await get('/approvals', { contract: q.id, limit: 1 }).catch(() => null);
    const approvalId = decided || page?.items?.[0]?.id;
    if (approvalId) ctx.navigate(`#/approvals/${approvalId}`);
    else toast(t('discount.noApproval'));
  }

  function discountPart(q) {
    const d = q.discountApproval;
    if (!d || q.discountStatus === 'within_limit') return null;
    const pct = (bp) => basisPoints(bp).replace(/\.00%$/, '%');
    return h('div', { class: 'discount-state', data: { test: 'discount-state', status: q.discountStatus } },
      h('div', {}, chip('discountStatus', q.discountStatus), ' ',
        h('span', { class: 'muted small' }, t('discount.summary', { max: pct(d.maxDiscountBasisPoints), limit: pct(d.limitBasisPoints), worth: money(d.discountFen) }))),
      d.decisionComment ? h('div', { class: 'muted small' }, t('discount.comment', { comment: d.decisionComment })) : null,
      ['rejected', 'recalled'].includes(q.discountStatus) ? h('div', { class: 'small' }, t('discount.rejectedHint')) : null,
      h('button', { class: 'btn small ghost', type: 'button', data: { test: 'open-discount-approval' }, onclick: () => openDiscountApproval(q) }, t('discount.openApproval')));
  }

  function versionCard(q) {
    const current = q.version === quotes.currentVersion;
    const cleared = !q.discountStatus || ['within_limit', 'approved'].includes(q.discountStatus);
    return h('li', { class: `card version${current ? ' current' : ''}`, data: { test: 'quote-version', version: q.version } },
      h('div', { class: 'card-head' },
        h('h3', {}, t('quotes.version', { version: q.version }), ' ', current ? h('span', { class: 'chip info' }, t('quotes.current')) : h('span', { class: 'chip' }, t('quotes.superseded'))),
        h('strong', { class: 'num' }, money(q.totalFen))),
      h('div', { class: 'muted small' }, t('quotes.marginIs', { margin: basisPoints(q.marginBasisPoints) }), ' · ', dateTime(q.createdAt),
        q.validUntil ? ` · ${t('quotes.validUntil', { date: businessDate(q.validUntil) })}` : ''),
      h('ul', { class: 'diff' }, q.lines.map((l) => h('li', {}, `${l.productName} × ${l.quantity} = ${money(l.amountFen)}`))),
      diffLines(q.changes),
      discountPart(q),
      seller && cleared ? h('div', { class: 'actions' },
        h('button', { class: `btn small${current ? ' primary' : ''}`, type: 'button', data: { test: 'contract-from-version', version: q.version },
          onclick: (event) => createContract(q.id, event.currentTarget) }, t('contracts.fromVersion', { version: q.version }))) : null,
      seller && !cleared && q.discountStatus === 'pending_approval' ? h('p', { class: 'muted small', data: { test: 'contract-blocked' } }, t('discount.blocked')) : null);
  }

  const versions = h('ul', { class: 'plain', data: { test: 'quote-versions' } }, quotes.items.map(versionCard));
  versions.classList.add('unstyled');
  let cursor = quotes.nextCursor;
  const moreVersions = h('div', { class: 'loadmore' });
  function renderMore() {
    replace(moreVersions, cursor ? h('button', { class: 'btn', type: 'button', data: { test: 'load-more' }, onclick: async () => {
      const page = await get(`/deals/${id}/quotes`, { limit: 20, cursor });
      for (const q of page.items) versions.append(versionCard(q));
      cursor = page.nextCursor;
      renderMore();
    } }, t('common.loadMore')) : null);
  }
  renderMore();

  const contracts = pagedList({
    test: 'deal-contracts', emptyText: t('contracts.none'),
    fetchPage: (c) => get('/contracts', { deal: id, cursor: c, limit: 10 }),
    renderItem: contractRow,
  });
  const history = pagedList({
    test: 'deal-history', emptyText: t('common.empty'),
    fetchPage: (c) => get(`/deals/${id}/history`, { cursor: c, limit: 10 }),
    renderItem: (e) => h('li', {}, h('div', { class: 'row' }, h('div', { class: 'row-main' },
      h('div', { class: 'row-title' }, e.kind === 'edit' ? t('deals.edited') : e.fromStage ? `${label('stage', e.fromStage)} → ${label('stage', e.toStage)}` : t('deals.opened')),
      h('div', { class: 'row-sub' }, dateTime(e.changedAt), e.lostReason ? ` · ${e.lostReason}` : '')))),
  });

  replace(ctx.main, h('div', { class: 'split' },
    h('div', {}, summary,
      h('div', { class: 'card-head section-title' }, h('span', {}, t('quotes.title')),
        seller && open ? h('a', { class: 'btn small primary', href: `#/deals/${id}/quote`, data: { test: 'new-quote' } }, icon('plus'),
          quotes.items.length ? t('quotes.newVersion') : t('quotes.first')) : null),
      contractNotice,
      seller && open && quotes.items.length ? endsOnField : null,
      quotes.items.length ? versions : h('div', { class: 'card empty' }, t('quotes.none')),
      moreVersions),
    h('div', {},
      h('h2', { class: 'section-title' }, t('title.contracts')), contracts,
      h('h2', { class: 'section-title' }, t('deals.history')), history)));
}

export function contractRow(c) {
  return h('li', {}, h('a', { class: 'row', href: `#/contracts/${c.id}`, data: { test: 'contract-row', number: c.number } },
    h('div', { class: 'row-main' },
      h('div', { class: 'row-title' }, `${c.number}`),
      h('div', { class: 'row-sub' }, `${c.customerName} · v${c.quoteVersion} · ${dateTime(c.createdAt)}`)),
    h('div', { class: 'row-side' }, h('div', { class: 'amount num' }, money(c.amountFen)), chip('contract', c.status))));
}
