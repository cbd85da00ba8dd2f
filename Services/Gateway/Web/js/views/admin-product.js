// One product: change its name, line, price and cost (with its version), retire it, and read its history.
import { h, replace } from '../dom.js';
import { t, label } from '../i18n.js';
import { get, patch, post } from '../api.js';
import { field, form, invalid, toast, card, pagedList, problemText } from '../ui.js';
import { money, parseYuan, fenToInput, dateTime } from '../format.js';

const MONEY_FIELDS = ['listPriceFen', 'unitCostFen'];

function changeText(changes) {
  return Object.entries(changes || {}).map(([key, { from, to }]) => {
    const show = (v) => (v === null || v === undefined ? '—' : MONEY_FIELDS.includes(key) ? money(v) : String(v));
    return `${label('productField', key)}: ${show(from)} → ${show(to)}`;
  }).join(t('common.listSep'));
}

export default async function adminProduct(ctx) {
  const id = ctx.params.id;
  const catalogue = await get('/products', { includeRetired: 'true' });
  const p = catalogue.items.find((x) => x.id === id);
  if (!p) throw Object.assign(new Error(t('error.notFound')), { status: 404 });
  ctx.setTitle(p.name);
  ctx.setBack('#/admin/products');

  const name = field({ name: 'name', label: t('admin.productName'), required: true, value: p.name, attrs: { maxlength: 200 } });
  const line = field({ name: 'productLine', label: t('admin.productLine'), required: true, value: p.productLine, attrs: { maxlength: 100 } });
  const price = field({ name: 'listPriceFen', label: t('admin.listPrice'), required: true, value: fenToInput(p.listPriceFen), attrs: { inputmode: 'decimal' } });
  const cost = field({ name: 'unitCostFen', label: t('admin.unitCost'), required: true, value: fenToInput(p.unitCostFen), attrs: { inputmode: 'decimal' } });
  const el = form({ data: { test: 'product-edit-form' } }, [name, line, h('div', { class: 'row2' }, price, cost),
    h('p', { class: 'hint' }, t('admin.productEditHint')),
    h('button', { type: 'submit', class: 'btn primary', disabled: p.retired, data: { test: 'save-product' } }, t('common.save'))], async (_f, key) => {
    const listPriceFen = parseYuan(price.input.value);
    const unitCostFen = parseYuan(cost.input.value);
    const errors = {};
    if (listPriceFen === null) errors.listPriceFen = [t('error.amount')];
    if (unitCostFen === null) errors.unitCostFen = [t('error.amount')];
    if (Object.keys(errors).length) throw invalid(errors);
    const body = { version: p.version };
    if (name.input.value.trim() !== p.name) body.name = name.input.value.trim();
    if (line.input.value.trim() !== p.productLine) body.productLine = line.input.value.trim();
    if (listPriceFen !== BigInt(p.listPriceFen)) body.listPriceFen = Number(listPriceFen);
    if (unitCostFen !== BigInt(p.unitCostFen)) body.unitCostFen = Number(unitCostFen);
    await patch(`/products/${id}`, body, { idempotencyKey: key });
    toast(t('common.saved'));
    ctx.navigate(location.hash);
  });
  const message = h('div', { role: 'alert' });
  const retire = p.retired
    ? h('p', {}, h('span', { class: 'chip bad' }, t('admin.retired')), ' ', h('span', { class: 'muted small' }, dateTime(p.retiredAt)))
    : h('button', { class: 'btn danger', type: 'button', data: { test: 'retire-product' }, onclick: async () => {
      replace(message);
      try {
        await post(`/products/${id}/retire`);
        toast(t('admin.retiredToast'));
        ctx.navigate(location.hash);
      } catch (error) {
        if (error.status !== 401) replace(message, h('div', { class: 'form-error' }, problemText(error)));
      }
    } }, t('admin.retire'));
  const history = pagedList({
    test: 'product-history', emptyText: t('common.empty'),
    fetchPage: (cursor) => get(`/products/${id}/history`, { cursor, limit: 20 }),
    renderItem: (e) => h('li', {}, h('div', { class: 'row' }, h('div', { class: 'row-main' },
      h('div', { class: 'row-title' }, label('productAction', e.action)),
      h('div', { class: 'row-sub' }, dateTime(e.at), e.action === 'updated' ? ` · ${changeText(e.changes)}` : '')))),
  });
  replace(ctx.main, h('div', { class: 'split' },
    h('div', {}, card(null, el), card(t('admin.retireTitle'), h('p', { class: 'hint' }, t('admin.retireHint')), message, retire)),
    h('div', {}, h('h2', { class: 'section-title' }, t('customers.history')), history)));
}
