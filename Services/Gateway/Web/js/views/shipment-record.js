// One contract to ship (phone-first): its lines with what remains, a form to record a shipment (quantities default to
// what remains; 0 leaves a line out), and the shipment history. The warehouse records; others only read.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import { card, field, form, invalid, toast } from '../ui.js';
import { shanghaiToday } from '../format.js';
import { progressList, historyList, deliveryChip, fullyShipped } from './shipment-parts.js';

export default async function shipmentRecord(ctx) {
  const id = ctx.params.id;
  ctx.setBack('#/shipping');

  async function render() {
    const status = await get(`/contracts/${id}/shipments`);
    if (!ctx.isCurrent()) return;
    ctx.setTitle(status.number);
    const head = card(null,
      h('div', { class: 'card-head' }, h('h2', {}, status.customerName), deliveryChip(status)),
      h('p', { class: 'muted small' }, status.number));
    let recorder = null;
    if (ctx.user.role === 'warehouse' && !fullyShipped(status)) recorder = shipmentForm(status);
    replace(ctx.main, head,
      card(t('shipments.lines'), progressList(status)),
      recorder,
      card(t('shipments.history'), historyList(status)));
  }

  function shipmentForm(status) {
    const open = status.lines.filter((l) => l.remaining > 0);
    const shippedOn = field({ name: 'shippedOn', label: t('shipments.shippedOn'), type: 'date', required: true, value: shanghaiToday(),
      attrs: { max: shanghaiToday() } });
    const carrier = field({ name: 'carrier', label: t('shipments.carrier'), required: true, attrs: { maxlength: 100, autocomplete: 'off' } });
    const tracking = field({ name: 'trackingNumber', label: t('shipments.trackingNumber'), attrs: { maxlength: 100, autocapitalize: 'characters', autocomplete: 'off' } });
    const note = field({ name: 'note', label: t('shipments.note'), textarea: true, attrs: { maxlength: 500 } });
    const quantities = open.map((l) => {
      const f = field({ name: `lines[${l.lineNumber - 1}].quantity`, test: `ship-qty-${l.lineNumber}`,
        label: `${l.lineNumber}. ${l.productName}`, type: 'number', value: l.remaining,
        hint: t('shipments.remainingN', { n: l.remaining }), attrs: { min: 0, max: l.remaining, step: 1, inputmode: 'numeric' } });
      f.line = l;
      return f;
    });
    return form({ data: { test: 'shipment-form' } }, [
      card(t('shipments.record'), shippedOn, carrier, tracking, h('h3', { class: 'small' }, t('shipments.quantities')), quantities, note),
      h('div', { class: 'actionbar' }, h('button', { type: 'submit', class: 'btn primary block', data: { test: 'record-shipment' } }, t('shipments.recordButton'))),
    ], async (_f, key) => {
      const errors = {};
      if (!shippedOn.input.value) errors.shippedOn = [t('error.required')];
      if (!carrier.input.value.trim()) errors.carrier = [t('error.required')];
      const lines = [];
      for (const q of quantities) {
        const text = q.input.value.trim();
        const n = text === '' ? 0 : Number(text);
        if (!Number.isInteger(n) || n < 0) errors[`lines[${q.line.lineNumber - 1}].quantity`] = [t('shipments.badQuantity')];
        else if (n > q.line.remaining) errors[`lines[${q.line.lineNumber - 1}].quantity`] = [t('shipments.tooMany', { n: q.line.remaining })];
        else if (n > 0) lines.push({ lineNumber: q.line.lineNumber, quantity: n });
      }
      if (Object.keys(errors).length) throw invalid(errors);
      if (!lines.length) throw new Error(t('shipments.nothingToShip'));
      const body = { shippedOn: shippedOn.input.value, carrier: carrier.input.value.trim(), lines };
      if (tracking.input.value.trim()) body.trackingNumber = tracking.input.value.trim();
      if (note.input.value.trim()) body.note = note.input.value.trim();
      const after = await post(`/contracts/${id}/shipments`, body, { idempotencyKey: key });
      toast(after.deliveredAt ? t('shipments.deliveredToast') : t('shipments.recordedToast'));
      await render();
    });
  }

  await render();
}
