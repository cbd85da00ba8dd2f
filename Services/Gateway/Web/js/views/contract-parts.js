// Pieces shared by the contract page and the approver's page: the priced lines with margin, and the step timeline.
import { h } from '../dom.js';
import { t, label } from '../i18n.js';
import { money, basisPoints, dateTime } from '../format.js';
import { marginBasisPoints } from '../quote-math.js';
import { chip } from '../ui.js';

export function linesTable(lines, amountFen, costFen) {
  const margin = BigInt(amountFen) - BigInt(costFen);
  return h('div', { data: { test: 'contract-lines' } },
    h('ul', { class: 'plines', 'aria-label': t('contracts.lines') }, lines.map((l) => h('li', {},
      h('div', { class: 'pl-main' },
        h('div', { class: 'pl-name' }, l.productName),
        h('div', { class: 'muted small num' }, [l.productLine, `${l.quantity} × ${money(l.unitPriceFen)}`,
          l.discountBasisPoints ? t('quotes.discountIs', { pct: basisPoints(l.discountBasisPoints) }) : null].filter(Boolean).join(' · '))),
      h('div', { class: 'pl-amount num' }, money(l.amountFen))))),
    h('dl', { class: 'sum-lines' },
      h('dt', {}, t('quotes.total')), h('dd', { class: 'num', data: { test: 'contract-total' } }, money(amountFen)),
      h('dt', {}, t('quotes.margin')), h('dd', { class: 'num', data: { test: 'contract-margin' } }, `${basisPoints(marginBasisPoints(amountFen, costFen))} · ${money(margin)}`)));
}

export function stepTimeline(approval) {
  return h('ol', { class: 'timeline', data: { test: 'approval-steps' } }, approval.steps.map((s) => h('li', { class: s.status, data: { test: 'approval-step', status: s.status } },
    h('span', { class: 'dot', 'aria-hidden': 'true' }),
    h('div', { class: 't-title' }, `${s.step + 1}. ${label('role', s.role)}`, s.approverName && !s.onBehalfOfName ? ` · ${s.approverName}` : '', chip('step', s.status)),
    s.onBehalfOfName ? h('div', { class: 't-sub', data: { test: 'step-on-behalf' } }, t(s.decidedAt ? 'delegation.decidedOnBehalf' : 'delegation.holdsOnBehalf',
      { name: s.decidedByName || s.approverName || '', for: s.onBehalfOfName })) : null,
    s.reassignedReason ? h('div', { class: 't-sub small' }, label('delegation.moved', s.reassignedReason)) : null,
    s.decidedAt ? h('div', { class: 't-sub' }, t('approval.decidedAt', { time: dateTime(s.decidedAt) }),
      s.workingDays !== undefined ? ` · ${t('approval.workingDays', { days: Number(s.workingDays).toFixed(2) })}` : '')
      : s.assignedAt ? h('div', { class: 't-sub' }, t('approval.assignedAt', { time: dateTime(s.assignedAt) })) : null,
    s.comment ? h('div', { class: 't-sub' }, `“${s.comment}”`) : null,
    // Reminders and escalation (issue 12): the pending step's deadline, reminders sent, each escalation.
    s.status === 'pending' && s.dueAt ? h('div', { class: 't-sub', data: { test: 'step-due' } }, t('approval.dueBy', { time: dateTime(s.dueAt) })) : null,
    s.reminders ? h('div', { class: 't-sub small', data: { test: 'step-reminders' } }, t('approval.reminded', { count: s.reminders })) : null,
    (s.escalations || []).map((e) => h('div', { class: 't-sub small', data: { test: 'step-escalation' } }, t(!e.managerId ? 'approval.escalatedAlone' : e.reassigned ? 'approval.escalatedMoved' : 'approval.escalatedTold', {
      time: dateTime(e.escalatedAt), name: e.managerName || e.managerId, from: e.approverName || e.approverId }))))));
}
