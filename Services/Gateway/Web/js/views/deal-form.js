// New deal for a customer (the customer comes from the customer page, or is picked here).
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import { field, form, invalid, toast } from '../ui.js';
import { parseYuan, shanghaiToday, addMonths } from '../format.js';

export default async function dealForm(ctx) {
  ctx.setTitle(t('deals.new'));
  const customerId = ctx.query.customer;
  ctx.setBack(customerId ? `#/customers/${customerId}` : '#/deals');
  let customerField;
  let customerName = '';
  if (customerId) {
    const c = await get(`/customers/${customerId}`);
    customerName = c.name;
  } else {
    const page = await get('/customers', { limit: 100 });
    customerField = field({ name: 'customerId', label: t('deals.customer'), required: true,
      options: [{ value: '', label: t('common.choose') }, ...page.items.map((c) => ({ value: c.id, label: c.name }))] });
  }
  const title = field({ name: 'title', label: t('deals.title'), required: true, attrs: { maxlength: 200 } });
  const amount = field({ name: 'expectedAmountFen', label: t('deals.expectedAmount'), required: true, hint: t('common.yuanHint'),
    attrs: { inputmode: 'decimal', placeholder: '80000.00' } });
  const today = shanghaiToday();
  const close = field({ name: 'expectedCloseDate', label: t('deals.expectedClose'), type: 'date', required: true,
    value: `${addMonths(today.slice(0, 7), 1)}-${today.slice(8, 10) > '28' ? '28' : today.slice(8, 10)}` });
  const el = form({ data: { test: 'deal-form' } }, [
    h('section', { class: 'card' },
      customerId ? h('p', {}, h('span', { class: 'muted' }, `${t('deals.customer')}: `), h('strong', {}, customerName)) : customerField,
      title, amount, close),
    h('div', { class: 'actionbar' }, h('button', { type: 'submit', class: 'btn primary', data: { test: 'save-deal' } }, t('deals.create'))),
  ], async (_f, key) => {
    const fen = parseYuan(amount.input.value);
    if (fen === null) throw invalid({ expectedAmountFen: [t('error.amount')] });
    const body = { customerId: customerId || customerField.input.value, title: title.input.value.trim(),
      expectedAmountFen: Number(fen), expectedCloseDate: close.input.value };
    const deal = await post('/deals', body, { idempotencyKey: key });
    toast(t('common.saved'));
    ctx.navigate(`#/deals/${deal.id}`);
  });
  el.classList.add('narrow');
  replace(ctx.main, el);
}
