// The catalogue by product line, and a form to add a product (prices typed in yuan, sent in fen).
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import { field, form, invalid, toast, card } from '../ui.js';
import { money, parseYuan, basisPoints } from '../format.js';
import { marginBasisPoints } from '../quote-math.js';

export default async function adminProducts(ctx) {
  ctx.setTitle(t('admin.products'));
  if (ctx.user.role === 'admin') ctx.setBack('#/admin');
  const showRetired = ctx.query.retired === 'true';
  const catalogue = await get('/products', showRetired ? { includeRetired: 'true' } : {});
  const byLine = new Map();
  for (const p of catalogue.items) {
    if (!byLine.has(p.productLine)) byLine.set(p.productLine, []);
    byLine.get(p.productLine).push(p);
  }
  const name = field({ name: 'name', label: t('admin.productName'), required: true, attrs: { maxlength: 200 } });
  const line = field({ name: 'productLine', label: t('admin.productLine'), required: true, attrs: { maxlength: 100, list: 'product-lines' } });
  const lines = h('datalist', { id: 'product-lines' }, [...byLine.keys()].map((l) => h('option', { value: l })));
  const price = field({ name: 'listPriceFen', label: t('admin.listPrice'), required: true, hint: t('common.yuanHint'), attrs: { inputmode: 'decimal' } });
  const cost = field({ name: 'unitCostFen', label: t('admin.unitCost'), required: true, hint: t('common.yuanHint'), attrs: { inputmode: 'decimal' } });
  const el = form({ data: { test: 'product-form' } }, [name, line, lines, h('div', { class: 'row2' }, price, cost),
    h('button', { type: 'submit', class: 'btn primary', data: { test: 'save-product' } }, t('admin.addProduct'))], async (_f, key) => {
    const listPriceFen = parseYuan(price.input.value);
    const unitCostFen = parseYuan(cost.input.value);
    const errors = {};
    if (listPriceFen === null) errors.listPriceFen = [t('error.amount')];
    if (unitCostFen === null) errors.unitCostFen = [t('error.amount')];
    if (Object.keys(errors).length) throw invalid(errors);
    await post('/products', { name: name.input.value.trim(), productLine: line.input.value.trim(), listPriceFen: Number(listPriceFen), unitCostFen: Number(unitCostFen) },
      { idempotencyKey: key });
    toast(t('common.saved'));
    ctx.navigate(location.hash);
  });
  const groups = [...byLine.entries()].map(([l, items]) => [h('h2', { class: 'section-title' }, l),
    h('ul', { class: 'list' }, items.map((p) => h('li', {}, h('a', { class: 'row', href: `#/admin/products/${p.id}`, data: { test: 'product-row', name: p.name } },
      h('div', { class: 'row-main' }, h('div', { class: 'row-title' }, p.name, p.retired ? h('span', { class: 'chip bad' }, ` ${t('admin.retired')}`) : null),
        h('div', { class: 'row-sub' }, t('admin.costAndMargin', { cost: money(p.unitCostFen), margin: basisPoints(marginBasisPoints(p.listPriceFen, p.unitCostFen)) }))),
      h('div', { class: 'row-side amount num' }, money(p.listPriceFen))))))]);
  const canEdit = ['admin', 'finance'].includes(ctx.user.role);
  replace(ctx.main, h('div', { class: 'split' },
    h('div', { data: { test: 'product-list' } },
      h('nav', { class: 'pill-tabs', 'aria-label': t('admin.products') },
        h('a', { href: '#/admin/products', 'aria-current': showRetired ? null : 'page' }, t('admin.onSale')),
        h('a', { href: '#/admin/products?retired=true', 'aria-current': showRetired ? 'page' : null }, t('admin.withRetired'))),
      groups.length ? groups : h('div', { class: 'card empty' }, t('admin.noProducts'))),
    canEdit ? card(t('admin.addProduct'), el) : null));
}
