// A new expense claim (报销申请), phone first: category, amount, day, purpose, optionally the customer; one tap files
// it and sends it to approval (two writes, each with its own Idempotency-Key, so a retry repeats neither).
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import { field, form, invalid, toast } from '../ui.js';
import { parseYuan, shanghaiToday } from '../format.js';

const CATEGORIES = ['travel', 'entertainment', 'transport', 'other'];

export default async function expenseClaimForm(ctx) {
  ctx.setTitle(t('expenses.new'));
  ctx.setBack('#/expense-claims');
  const customers = await get('/customers', { limit: 100 }).catch(() => ({ items: [] }));
  if (!ctx.isCurrent()) return;
  const category = field({ name: 'category', label: t('expenses.category'), required: true, value: 'travel',
    options: CATEGORIES.map((c) => ({ value: c, label: t(`expenseCategory.${c}`) })) });
  const amount = field({ name: 'amountFen', label: t('expenses.amount'), required: true, hint: t('common.yuanHint'),
    attrs: { inputmode: 'decimal', placeholder: '1280.00' } });
  const spentOn = field({ name: 'spentOn', label: t('expenses.spentOn'), type: 'date', required: true, value: shanghaiToday(),
    attrs: { max: shanghaiToday() } });
  const description = field({ name: 'description', label: t('expenses.description'), textarea: true, required: true,
    hint: t('expenses.descriptionHint'), attrs: { maxlength: 500, rows: 3 } });
  const customer = field({ name: 'customerId', label: t('expenses.customer'),
    options: [{ value: '', label: t('expenses.noCustomer') }, ...customers.items.map((c) => ({ value: c.id, label: c.name }))] });
  const el = form({ data: { test: 'expense-claim-form' } }, [
    h('section', { class: 'card' }, category, amount, spentOn, description, customer,
      h('p', { class: 'hint' }, t('expenses.policyHint'))),
    h('div', { class: 'actionbar' }, h('button', { type: 'submit', class: 'btn primary', data: { test: 'submit-expense-claim' } }, t('expenses.submitForApproval'))),
  ], async (_f, key) => {
    const fen = parseYuan(amount.input.value);
    if (fen === null || Number(fen) <= 0) throw invalid({ amountFen: [t('error.amount')] });
    const body = { category: category.input.value, amountFen: Number(fen), spentOn: spentOn.input.value,
      description: description.input.value.trim() };
    if (customer.input.value) body.customerId = customer.input.value;
    const claim = await post('/expense-claims', body, { idempotencyKey: key });
    await post(`/expense-claims/${claim.id}/submit`, {}, { idempotencyKey: `${key}-submit` });
    toast(t('expenses.submitted'));
    ctx.navigate(`#/expense-claims?id=${claim.id}`);
  });
  el.classList.add('narrow');
  replace(ctx.main, el);
}
