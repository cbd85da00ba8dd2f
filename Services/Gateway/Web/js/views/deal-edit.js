// Edit a deal's title, expected amount and close date (with its version); the stage moves only on the deal page.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, patch } from '../api.js';
import { field, form, invalid, toast } from '../ui.js';
import { parseYuan, fenToInput } from '../format.js';

export default async function dealEdit(ctx) {
  const id = ctx.params.id;
  const d = await get(`/deals/${id}`);
  ctx.setTitle(t('deals.edit'));
  ctx.setBack(`#/deals/${id}`);
  const title = field({ name: 'title', label: t('deals.title'), required: true, value: d.title, attrs: { maxlength: 200 } });
  const amount = field({ name: 'expectedAmountFen', label: t('deals.expectedAmount'), required: true, value: fenToInput(d.expectedAmountFen),
    hint: t('common.yuanHint'), attrs: { inputmode: 'decimal' } });
  const close = field({ name: 'expectedCloseDate', label: t('deals.expectedClose'), type: 'date', required: true, value: d.expectedCloseDate });
  const el = form({ data: { test: 'deal-edit-form' } }, [h('section', { class: 'card' }, title, amount, close),
    h('div', { class: 'actionbar' }, h('button', { type: 'submit', class: 'btn primary', data: { test: 'save-deal' } }, t('common.save')))], async (_f, key) => {
    const fen = parseYuan(amount.input.value);
    if (fen === null) throw invalid({ expectedAmountFen: [t('error.amount')] });
    const body = { version: d.version };
    if (title.input.value.trim() !== d.title) body.title = title.input.value.trim();
    if (fen !== BigInt(d.expectedAmountFen)) body.expectedAmountFen = Number(fen);
    if (close.input.value !== d.expectedCloseDate) body.expectedCloseDate = close.input.value;
    await patch(`/deals/${id}`, body, { idempotencyKey: key });
    toast(t('common.saved'));
    ctx.navigate(`#/deals/${id}`);
  });
  el.classList.add('narrow');
  replace(ctx.main, el);
}
