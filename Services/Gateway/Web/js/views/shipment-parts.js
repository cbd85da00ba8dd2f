// Shipments (发货, issue 11): a contract's lines with ordered / shipped / remaining, and its shipment history. No prices:
// the warehouse reads the same parts as the contract page.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { businessDate, dateTime } from '../format.js';

/** Whether everything has shipped. */
export function fullyShipped(status) {
  return status.lines.every((l) => l.remaining === 0);
}

/** The lines with their progress, one row each (phone-first: name on top, numbers below). */
export function progressList(status) {
  return h('ul', { class: 'list', data: { test: 'shipment-lines' } }, status.lines.map((l) => h('li', {},
    h('div', { class: 'row', data: { test: 'shipment-line', line: l.lineNumber, remaining: l.remaining } },
      h('div', { class: 'row-main' },
        h('div', { class: 'row-title' }, `${l.lineNumber}. ${l.productName}`),
        h('div', { class: 'row-sub' }, t('shipments.progress', { ordered: l.ordered, shipped: l.shipped }))),
      h('div', { class: 'row-side' }, l.remaining === 0
        ? h('span', { class: 'chip ok' }, t('shipments.lineDone'))
        : h('span', { class: 'chip wait' }, t('shipments.remainingN', { n: l.remaining })))))));
}

/** The shipments, newest first. */
export function historyList(status) {
  if (!status.shipments.length) return h('p', { class: 'muted', data: { test: 'shipment-history-empty' } }, t('shipments.noneYet'));
  const names = Object.fromEntries(status.lines.map((l) => [l.lineNumber, l.productName]));
  return h('ul', { class: 'list', data: { test: 'shipment-history' } }, [...status.shipments].reverse().map((s) => h('li', {},
    h('div', { class: 'row', data: { test: 'shipment-row', id: s.id } },
      h('div', { class: 'row-main' },
        h('div', { class: 'row-title' }, `${businessDate(s.shippedOn)} · ${s.carrier}`),
        s.trackingNumber ? h('div', { class: 'row-sub' }, t('shipments.trackingShort', { number: s.trackingNumber })) : null,
        s.lines.map((l) => h('div', { class: 'row-sub' }, `${names[l.lineNumber] || `#${l.lineNumber}`} × ${l.quantity}`)),
        s.note ? h('div', { class: 'row-sub' }, s.note) : null,
        h('div', { class: 'row-sub small muted' }, t('shipments.recordedAt', { time: dateTime(s.recordedAt) })))))));
}

/** The delivery status in words: delivered on …, or shipped in part / not yet. */
export function deliveryChip(status) {
  if (status.deliveredAt) return h('span', { class: 'chip ok', data: { test: 'delivery-status', status: 'delivered' } }, t('shipments.delivered'));
  const any = status.lines.some((l) => l.shipped > 0);
  return h('span', { class: `chip ${any ? 'info' : 'wait'}`, data: { test: 'delivery-status', status: any ? 'partial' : 'none' } },
    any ? t('shipments.partial') : t('shipments.notShipped'));
}
