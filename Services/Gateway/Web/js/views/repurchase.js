// Re-purchase forecast (复购预测, issues 11 and 14): for each customer and product line bought at least three times, the
// median gap, the last purchase and the next expected order, soonest first, a page at a time ("加载更多"); overdue
// ones in red. Three tiles count the overdue, upcoming and expected orders of the whole scope (from the API's
// counts); tapping a tile shows only that status, tapping it again shows all. Scoped by the API (a rep sees their own
// customers).
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { card, loading, errorBox } from '../ui.js';
import { businessDate } from '../format.js';

const STATUSES = ['overdue', 'upcoming', 'expected'];

function item(i) {
  return h('li', {},
    h('a', { class: `row repurchase-${i.status}`, href: `#/customers/${encodeURIComponent(i.customerId)}`,
      data: { test: 'repurchase-item', status: i.status, customer: i.customerName, line: i.productLine } },
      h('div', { class: 'row-main' },
        h('div', { class: 'row-title' }, `${i.customerName} · ${i.productLine}`),
        h('div', { class: 'row-sub' }, t('repurchase.detail', { gap: i.medianGapDays, last: businessDate(i.lastPurchaseOn), n: i.purchases }),
          i.status === 'overdue' && i.openDeal ? ` · ${t('repurchase.openDeal')}` : '')),
      h('div', { class: 'row-side' },
        h('div', { class: `num${i.status === 'overdue' ? ' negative' : ''}`, data: { test: 'next-expected' } }, businessDate(i.nextExpectedOn)),
        h('span', { class: `chip ${i.status === 'overdue' ? 'bad' : i.status === 'upcoming' ? 'wait' : 'ok'}` }, t(`repurchase.status.${i.status}`)))));
}

export default async function repurchase(ctx) {
  ctx.setTitle(t('title.repurchase'));
  ctx.setBack(['supervisor', 'regional_manager', 'gm', 'admin', 'finance'].includes(ctx.user.role) ? '#/dashboard' : '#/more');
  let status = STATUSES.includes(ctx.query.status) ? ctx.query.status : null;
  let data = await get('/reports/repurchase', status ? { status } : undefined);

  const tiles = STATUSES.map((s) => h('button', {
    type: 'button', class: 'kpi repurchase-tile', 'aria-pressed': String(s === status), data: { test: `repurchase-${s}`, status: s },
    onclick: () => show(status === s ? null : s),
  }, h('div', { class: 'label' }, t(`repurchase.status.${s}`)), h('div', { class: 'value num', data: { test: 'repurchase-count' } }, '0')));
  const kpis = h('div', { class: 'kpis repurchase-kpis', data: { test: 'repurchase-kpis' } }, tiles);
  const filterNote = h('p', { class: 'hint', data: { test: 'repurchase-filter' } });
  const list = h('ul', { class: 'list', data: { test: 'repurchase-list' } });
  const more = h('div', { class: 'loadmore' });
  const body = h('div', {});
  const rule = h('p', { class: 'hint' }, t('repurchase.rule', { days: data.remindDays }));
  replace(ctx.main, kpis, filterNote, card(null, body, rule));

  function renderCounts(counts) {
    for (const tile of tiles) {
      const s = tile.dataset.status;
      const value = tile.querySelector('.value');
      value.textContent = String(counts[s]);
      value.classList.toggle('negative', s === 'overdue' && counts.overdue > 0);
      tile.setAttribute('aria-pressed', String(s === status));
      tile.classList.toggle('selected', s === status);
    }
    replace(filterNote, status ? t('repurchase.filtered', { status: t(`repurchase.status.${status}`) }) : '');
    filterNote.hidden = !status;
  }

  function renderPage(page, append) {
    if (!append) list.replaceChildren();
    for (const i of page.items) list.append(item(i));
    replace(more, page.nextCursor ? h('button', { class: 'btn', type: 'button', data: { test: 'load-more' }, onclick: () => loadMore(page.nextCursor) },
      t('common.loadMore')) : null);
    if (!list.children.length) {
      replace(body, h('p', { class: 'empty', data: { test: 'repurchase-empty' } }, status ? t('repurchase.noneWithStatus') : t('repurchase.none')));
    } else if (!body.contains(list)) {
      replace(body, list, more);
    }
  }

  async function loadMore(cursor) {
    replace(more, loading());
    try {
      const page = await get('/reports/repurchase', status ? { status, cursor } : { cursor });
      renderCounts(page.counts);
      renderPage(page, true);
    } catch (error) {
      replace(more, errorBox(error, () => loadMore(cursor)));
    }
  }

  async function show(next) {
    status = next;
    replace(body, loading());
    try {
      data = await get('/reports/repurchase', status ? { status } : undefined);
      renderCounts(data.counts);
      renderPage(data, false);
    } catch (error) {
      replace(body, errorBox(error, () => show(next)));
    }
  }

  renderCounts(data.counts);
  renderPage(data, false);
}
