// 委托审批: an approver away (出差, 休假) names a delegate for a range of days; new steps and the pending ones go to
// the delegate, who decides them on the approver's behalf. The form on top, my delegations below (cancel one that has
// not ended). An admin may set one for someone else (on leave).
import { h, replace } from '../dom.js';
import { t, label } from '../i18n.js';
import { get, post, newKey } from '../api.js';
import { field, form, invalid, card, pagedList, chip, toast } from '../ui.js';
import { businessDate, shanghaiToday } from '../format.js';

const APPROVER_ROLES = ['supervisor', 'regional_manager', 'gm'];

function delegationRow(d, me, onCancel) {
  const mine = String(d.delegatorId).toLowerCase() === String(me.id).toLowerCase();
  const canCancel = (d.status === 'active' || d.status === 'scheduled') && (mine || me.role === 'admin'
    || String(d.createdById).toLowerCase() === String(me.id).toLowerCase());
  return h('li', { class: 'row', data: { test: 'delegation-row', status: d.status } },
    h('div', { class: 'row-main' },
      h('div', { class: 'row-title' }, t('delegation.pair', { from: d.delegatorName, to: d.delegateName })),
      h('div', { class: 'row-sub' }, t('delegation.range', { from: businessDate(d.from), to: businessDate(d.to) })),
      h('div', { class: 'row-sub small' }, d.reason),
      canCancel ? h('div', { class: 'actions' }, h('button', { class: 'btn small', type: 'button', data: { test: 'cancel-delegation' },
        onclick: () => onCancel(d) }, t('delegation.cancel'))) : null),
    h('div', { class: 'row-side' }, h('span', { class: `chip ${d.status === 'active' ? 'ok' : d.status === 'scheduled' ? 'wait' : ''}`,
      data: { test: `chip-${d.status}` } }, label('delegation.status', d.status))));
}

export default async function delegations(ctx) {
  ctx.setTitle(t('delegation.title'));
  ctx.setBack('#/approvals');
  const me = ctx.user;
  const candidates = (await get('/approval-delegations/candidates')).items;
  if (!ctx.isCurrent()) return;
  const option = (u) => ({ value: u.id, label: `${u.displayName} · ${label('role', u.role)}${u.region ? ` · ${u.region}` : ''}` });
  const today = shanghaiToday();
  const fields = [];
  let delegator = null;
  if (me.role === 'admin') {
    // The admin sets one for someone on leave: every approver is a possible delegator.
    const all = candidates.filter((u) => APPROVER_ROLES.includes(u.role));
    delegator = field({ name: 'delegatorId', label: t('delegation.delegator'), required: true, options: [{ value: '', label: t('common.choose') }, ...all.map(option)] });
    fields.push(delegator);
  }
  const delegate = field({ name: 'delegateId', label: t('delegation.delegate'), required: true, hint: t('delegation.delegateHint'),
    options: [{ value: '', label: t('common.choose') }, ...candidates.map(option)] });
  const from = field({ name: 'from', label: t('delegation.from'), type: 'date', required: true, value: today, attrs: { min: today } });
  const to = field({ name: 'to', label: t('delegation.to'), type: 'date', required: true, value: today, attrs: { min: today } });
  const reason = field({ name: 'reason', label: t('delegation.reason'), required: true, value: t('delegation.defaultReason'), attrs: { maxlength: 500 } });
  fields.push(delegate, h('div', { class: 'grid2' }, from, to), reason);
  const listBox = h('div', { data: { test: 'delegation-list' } });

  async function cancel(d) {
    await post(`/approval-delegations/${d.id}/cancel`, undefined, { idempotencyKey: newKey() });
    toast(t('delegation.cancelled'));
    renderList();
  }
  function renderList() {
    replace(listBox, pagedList({
      test: 'delegations',
      emptyText: t('delegation.none'),
      fetchPage: (cursor) => get('/approval-delegations', { cursor }),
      renderItem: (d) => delegationRow(d, me, (x) => cancel(x).catch((error) => toast(error.message))),
    }));
  }

  const el = form({ data: { test: 'delegation-form' } }, [...fields,
    h('button', { type: 'submit', class: 'btn primary block', data: { test: 'save-delegation' } }, t('delegation.save'))], async (_f, key) => {
    const body = { delegateId: delegate.input.value, from: from.input.value, to: to.input.value, reason: reason.input.value.trim() };
    if (delegator) body.delegatorId = delegator.input.value;
    const errors = {};
    if (delegator && !body.delegatorId) errors.delegatorId = [t('error.required')];
    if (!body.delegateId) errors.delegateId = [t('error.required')];
    if (!body.from) errors.from = [t('error.required')];
    if (!body.to) errors.to = [t('error.required')];
    if (body.from && body.to && body.to < body.from) errors.to = [t('delegation.toBeforeFrom')];
    if (!body.reason) errors.reason = [t('error.required')];
    if (Object.keys(errors).length) throw invalid(errors);
    await post('/approval-delegations', body, { idempotencyKey: key });
    toast(t('delegation.saved'));
    renderList();
  });
  replace(ctx.main,
    card(t('delegation.new'), h('p', { class: 'hint' }, t('delegation.hint')), el),
    h('h2', { class: 'section-title' }, t('delegation.mine')), listBox);
  renderList();
}
