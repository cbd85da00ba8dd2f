// Quote builder: products by line, quantity, unit price, discount; totals and margin live in integer fen, exactly as
// the deals service computes them; after saving, the server's own figures are shown next to ours.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import { field, form, invalid, card } from '../ui.js';
import { money, basisPoints, fenToInput, parseYuan, parsePercent, basisPointsToInput } from '../format.js';
import { quoteTotals, discountOffList } from '../quote-math.js';
import { diffLines } from './quote-diff.js';

/** Basis points as a short percent: 1000 → 10%, 1850 → 18.5%. */
function percent(bp) {
  const n = Number(bp);
  return `${Math.floor(n / 100)}${n % 100 ? `.${String(n % 100).padStart(2, '0').replace(/0$/, '')}` : ''}%`;
}

export default async function quoteBuilder(ctx) {
  const dealId = ctx.params.id;
  const [deal, catalogue, quotes, limits] = await Promise.all([get(`/deals/${dealId}`), get('/products'), get(`/deals/${dealId}/quotes`, { limit: 1 }),
    get('/discount-limits').catch(() => null)]);
  // Discount authority (issue 12): the caller's limit per line off the list price; null = no limit.
  const limit = limits ? limits.callerMaxDiscountBasisPoints : null;
  const limitText = limit === null ? t('discount.unlimited') : percent(limit);
  const previous = quotes.items[0];
  ctx.setTitle(previous ? t('quotes.newVersionOf', { version: previous.version + 1 }) : t('quotes.first'));
  ctx.setBack(`#/deals/${dealId}`);
  const products = new Map(catalogue.items.map((p) => [p.id, p]));

  const byLine = new Map();
  for (const p of catalogue.items) {
    if (!byLine.has(p.productLine)) byLine.set(p.productLine, []);
    byLine.get(p.productLine).push(p);
  }
  const picker = field({ name: 'product', label: t('quotes.addProduct'), test: 'product-picker',
    options: [{ value: '', label: t('common.choose') },
      ...[...byLine.entries()].map(([line, items]) => ({ group: line, options: items.map((p) => ({ value: p.id, label: `${p.name} · ${money(p.listPriceFen)}` })) }))] });
  const addButton = h('button', { type: 'button', class: 'btn', data: { test: 'add-line' }, onclick: () => {
    const id = picker.input.value;
    if (!id) return;
    if ([...linesBox.children].some((row) => row.productId === id)) {
      const existing = [...linesBox.children].find((row) => row.productId === id);
      existing.querySelector('input').focus();
      return;
    }
    addLine({ productId: id, quantity: 1, unitPriceFen: products.get(id).listPriceFen, discountBasisPoints: 0 });
    picker.input.value = '';
  } }, t('quotes.add'));

  const linesBox = h('div', { data: { test: 'quote-lines' } });
  const discountNotice = h('p', { class: 'notice warn', hidden: true, role: 'status', data: { test: 'discount-notice' } });
  const linesError = h('div', { class: 'field-error', hidden: true, role: 'alert', data: { test: 'error-lines' } });
  const linesGroup = h('div', { data: { field: 'lines' } }, linesError, linesBox);

  const totalOut = h('strong', { class: 'num', data: { test: 'live-total' } });
  const marginOut = h('span', { class: 'num', data: { test: 'live-margin' } });
  const costOut = h('span', { class: 'num' });
  const marginBar = h('span', { class: 'num', data: { test: 'live-margin-bar' } });

  function renumber() {
    [...linesBox.children].forEach((row, index) => {
      for (const wrap of row.querySelectorAll('[data-key]')) {
        const path = `lines.${index}.${wrap.dataset.key}`;
        wrap.dataset.field = path;
        const slot = wrap.querySelector(':scope > .field-error');
        if (slot) slot.dataset.test = `error-${path}`;
        if (!wrap.input) continue;
        wrap.input.name = path;
        wrap.input.dataset.test = `field-${wrap.dataset.key}-${index}`;
      }
      row.dataset.field = `lines.${index}`;
      row.dataset.index = index;
    });
  }

  function readLine(row) {
    const quantityText = row.q.input.value.trim();
    const quantity = /^\d{1,10}$/.test(quantityText) ? BigInt(quantityText) : null;
    const unitPriceFen = parseYuan(row.p.input.value);
    const discountBasisPoints = parsePercent(row.d.input.value);
    return { quantity, unitPriceFen, discountBasisPoints };
  }

  function recompute() {
    const valid = [];
    let above = 0;
    for (const row of linesBox.children) {
      const line = readLine(row);
      const ok = line.quantity !== null && line.quantity >= 1n && line.unitPriceFen !== null && line.discountBasisPoints !== null;
      if (ok) {
        const priced = quoteTotals([{ ...line, unitCostFen: products.get(row.productId).unitCostFen }]);
        row.amount.textContent = money(priced.totalFen);
        valid.push({ ...line, unitCostFen: products.get(row.productId).unitCostFen });
        const off = discountOffList(line, products.get(row.productId).listPriceFen, limit);
        if (off.above) above += 1;
        row.discount.hidden = off.basisPoints === 0n;
        row.discount.className = off.above ? 'discount-flag above' : 'discount-flag';
        row.discount.dataset.above = String(off.above);
        row.discount.textContent = off.above ? `${t('discount.lineOff', { percent: percent(off.basisPoints) })} · ${t('discount.aboveLimit', { limit: limitText })}`
          : t('discount.lineOff', { percent: percent(off.basisPoints) });
      } else {
        row.amount.textContent = '—';
        row.discount.hidden = true;
      }
    }
    discountNotice.hidden = above === 0;
    discountNotice.textContent = above ? t('discount.builderNotice', { count: above, limit: limitText }) : '';
    const totals = quoteTotals(valid);
    totalOut.textContent = money(totals.totalFen);
    marginOut.textContent = `${basisPoints(totals.marginBasisPoints)} · ${money(totals.marginFen)}`;
    costOut.textContent = money(totals.costFen);
    marginBar.textContent = basisPoints(totals.marginBasisPoints);
    return totals;
  }

  function addLine(line) {
    const p = products.get(line.productId);
    if (!p) return;
    const make = (key, opts) => {
      const f = field({ name: `lines.x.${key}`, ...opts });
      f.dataset.key = key;
      f.input.addEventListener('input', recompute);
      return f;
    };
    const q = make('quantity', { label: t('quotes.quantity'), value: String(line.quantity), attrs: { inputmode: 'numeric', autocomplete: 'off' } });
    const pr = make('unitPriceFen', { label: t('quotes.unitPrice'), value: fenToInput(line.unitPriceFen), attrs: { inputmode: 'decimal', autocomplete: 'off' } });
    const d = make('discountBasisPoints', { label: t('quotes.discount'), value: basisPointsToInput(line.discountBasisPoints), attrs: { inputmode: 'decimal', autocomplete: 'off' } });
    const amount = h('strong', { class: 'num', data: { test: 'line-amount' } });
    const discount = h('div', { class: 'discount-flag', hidden: true, role: 'status', data: { test: 'line-discount' } });
    const row = h('div', { class: 'qline', data: { test: 'quote-line', product: p.name } },
      h('div', { class: 'qline-head' },
        h('div', {}, h('div', { class: 'name' }, p.name), h('div', { class: 'muted small' }, `${p.productLine} · ${t('quotes.listPrice', { price: money(p.listPriceFen) })}`)),
        h('button', { type: 'button', class: 'btn small ghost', 'aria-label': t('quotes.removeLine', { name: p.name }), onclick: () => {
          row.remove();
          renumber();
          recompute();
        } }, t('common.remove'))),
      h('div', { class: 'row3' }, q, pr, d),
      h('div', { data: { key: 'productId' } }, h('div', { class: 'field-error', hidden: true, role: 'alert' })),
      h('div', { class: 'qline-amount' }, h('span', {}, t('quotes.lineAmount')), amount), discount);
    Object.assign(row, { productId: line.productId, q, p: pr, d, amount, discount });
    linesBox.append(row);
    renumber();
    recompute();
  }

  for (const line of previous ? previous.lines : []) {
    addLine({ productId: line.productId, quantity: line.quantity, unitPriceFen: line.unitPriceFen, discountBasisPoints: line.discountBasisPoints });
  }

  const validUntil = field({ name: 'validUntil', label: t('quotes.validUntilLabel'), type: 'date', value: previous?.validUntil || '' });
  const note = field({ name: 'note', label: t('quotes.note'), textarea: true, value: previous?.note || '', attrs: { maxlength: 2000 } });
  const result = h('div', { data: { test: 'quote-result' }, role: 'status' });

  const el = form({ class: 'form limit', data: { test: 'quote-form' } }, [
    card(t('quotes.lines'), h('p', { class: 'muted small', data: { test: 'discount-limit' } }, t('discount.yourLimit', { limit: limitText })),
      h('div', { class: 'row2 picker' }, picker, h('div', { class: 'field' }, addButton)),
      linesGroup, discountNotice),
    card(null, validUntil, note,
      h('dl', { class: 'kv' }, h('dt', {}, t('quotes.cost')), h('dd', {}, costOut), h('dt', {}, t('quotes.margin')), h('dd', {}, marginOut))),
    h('div', { class: 'totals-bar' },
      h('div', { class: 'sum' }, h('span', { class: 'muted small' }, t('quotes.total')), totalOut, h('span', { class: 'margin' }, t('quotes.margin'), ' ', marginBar)),
      h('button', { type: 'submit', class: 'btn primary', data: { test: 'save-quote' } }, previous ? t('quotes.saveVersion', { version: previous.version + 1 }) : t('quotes.saveFirst'))),
  ], async (_f, key) => {
    const rows = [...linesBox.children];
    if (!rows.length) throw invalid({ lines: [t('quotes.needLine')] });
    const errors = {};
    const lines = rows.map((row, index) => {
      const line = readLine(row);
      if (line.quantity === null || line.quantity < 1n) errors[`lines.${index}.quantity`] = [t('quotes.badQuantity')];
      if (line.unitPriceFen === null) errors[`lines.${index}.unitPriceFen`] = [t('error.amount')];
      if (line.discountBasisPoints === null) errors[`lines.${index}.discountBasisPoints`] = [t('quotes.badDiscount')];
      return { productId: row.productId, quantity: Number(line.quantity), unitPriceFen: Number(line.unitPriceFen), discountBasisPoints: line.discountBasisPoints };
    });
    if (Object.keys(errors).length) throw invalid(errors);
    const expected = recompute();
    const saved = await post(`/deals/${dealId}/quotes`, { lines, validUntil: validUntil.input.value || undefined, note: note.input.value.trim() || undefined },
      { idempotencyKey: key });
    const same = BigInt(saved.totalFen) === expected.totalFen && BigInt(saved.marginBasisPoints) === expected.marginBasisPoints;
    replace(result, h('section', { class: 'card', data: { test: 'quote-saved', version: saved.version } },
      h('h2', {}, t('quotes.saved', { version: saved.version })),
      h('dl', { class: 'kv' },
        h('dt', {}, t('quotes.total')), h('dd', { class: 'num', data: { test: 'server-total' } }, money(saved.totalFen)),
        h('dt', {}, t('quotes.margin')), h('dd', { class: 'num', data: { test: 'server-margin' } }, `${basisPoints(saved.marginBasisPoints)} · ${money(saved.marginFen)}`)),
      h('p', { class: same ? 'notice ok' : 'notice warn', data: { test: same ? 'totals-match' : 'totals-differ' } }, same ? t('quotes.match') : t('quotes.differ')),
      saved.discountStatus === 'pending_approval' ? h('p', { class: 'notice warn', data: { test: 'saved-pending-discount' } }, t('discount.savedPending')) : null,
      diffLines(saved.changes),
      h('div', { class: 'actions' }, h('a', { class: 'btn primary', href: `#/deals/${dealId}`, data: { test: 'back-to-deal' } }, t('quotes.backToDeal')))));
    el.hidden = true;
    result.scrollIntoView({ block: 'start' });
  });
  replace(ctx.main, h('p', { class: 'muted' }, `${deal.customerName} · ${deal.title}`), el, result);
  recompute();
}
