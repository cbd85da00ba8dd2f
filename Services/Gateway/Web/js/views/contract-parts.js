// Pieces shared by the contract page and the approver's page: the priced lines with margin, and the step timeline.
import { h } from '../dom.js';
import { t, label } from '../i18n.js';
import { money, basisPoints, dateTime } from '../format.js';
import { marginBasisPoints } from '../quote-math.js';
import { chip } from '../ui.js';

export function linesTable(lines, amountFen, costFen) {
  const margin = BigInt(amountFen) - BigInt(costFen);
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table', data: { test: 'contract-lines' } },
    h('caption', { class: 'visually-hidden' }, t('contracts.lines')),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('quotes.product')), h('th', { scope: 'col', class: 'num' }, t('quotes.quantity')),
      h('th', { scope: 'col', class: 'num' }, t('quotes.unitPrice')), h('th', { scope: 'col', class: 'num' }, t('quotes.discount')),
      h('th', { scope: 'col', class: 'num' }, t('quotes.lineAmount')))),
    h('tbody', {}, lines.map((l) => h('tr', {},
      h('td', {}, l.productName, h('div', { class: 'muted small' }, l.productLine)),
      h('td', { class: 'num' }, String(l.quantity)),
      h('td', { class: 'num' }, money(l.unitPriceFen)),
      h('td', { class: 'num' }, l.discountBasisPoints ? basisPoints(l.discountBasisPoints) : '—'),
      h('td', { class: 'num' }, money(l.amountFen))))),
    h('tfoot', {},
      h('tr', {}, h('td', { colspan: 4 }, t('quotes.total')), h('td', { class: 'num', data: { test: 'contract-total' } }, money(amountFen))),
      h('tr', {}, h('td', { colspan: 4 }, t('quotes.margin')),
        h('td', { class: 'num', data: { test: 'contract-margin' } }, `${basisPoints(marginBasisPoints(amountFen, costFen))} · ${money(margin)}`)))));
}

export function stepTimeline(approval) {
  return h('ol', { class: 'timeline', data: { test: 'approval-steps' } }, approval.steps.map((s) => h('li', { class: s.status, data: { test: 'approval-step', status: s.status } },
    h('span', { class: 'dot', 'aria-hidden': 'true' }),
    h('div', { class: 't-title' }, `${s.step + 1}. ${label('role', s.role)}`, s.approverName ? ` · ${s.approverName}` : '', chip('step', s.status)),
    s.decidedAt ? h('div', { class: 't-sub' }, t('approval.decidedAt', { time: dateTime(s.decidedAt) }),
      s.workingDays !== undefined ? ` · ${t('approval.workingDays', { days: Number(s.workingDays).toFixed(2) })}` : '')
      : s.assignedAt ? h('div', { class: 't-sub' }, t('approval.assignedAt', { time: dateTime(s.assignedAt) })) : null,
    s.comment ? h('div', { class: 't-sub' }, `“${s.comment}”`) : null)));
}
