// Receivables ageing (应收账龄) for finance and managers: the company's outstanding money in ageing buckets, then a
// table per customer, rep or region (a switch) whose every amount opens the installments behind it. Scoped by the API.
import { h, s, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, query } from '../api.js';
import { card } from '../ui.js';
import { money } from '../format.js';

export const BUCKETS = ['notDue', 'd1to30', 'd31to60', 'd61to90', 'over90'];
const GROUPINGS = ['customer', 'rep', 'region'];
// The drill-down filter that a row of each grouping stands for.
const FILTER = { customer: 'customerId', rep: 'owner', region: 'region' };

/** The installments behind a cell: `#/receivables/installments?bucket=…&customerId=…`. */
export function drillHref(bucket, by, key) {
  const params = {};
  if (bucket) params.bucket = bucket;
  if (by && FILTER[by]) params[FILTER[by]] = key;
  return `#/receivables/installments${query(params)}`;
}

/** A stacked bar of the buckets (our own SVG), each part a link to its installments, with a legend under it. */
export function ageingBar(buckets, { title, width = 460 } = {}) {
  const total = BUCKETS.reduce((sum, b) => sum + BigInt(buckets[`${b}Fen`]), 0n);
  const svg = s('svg', { class: 'chart ageing-bar', viewBox: `0 0 ${width} 28`, preserveAspectRatio: 'none', role: 'img', 'aria-label': title || t('receivables.title') });
  let x = 0;
  if (total > 0n) {
    for (const b of BUCKETS) {
      const fen = BigInt(buckets[`${b}Fen`]);
      if (fen === 0n) continue;
      const w = Math.max(2, Number((fen * BigInt(width * 1000)) / total) / 1000);
      const link = s('a', { href: drillHref(b), 'aria-label': `${t(`receivables.bucket.${b}`)} ${money(fen)}` },
        s('rect', { x, y: 0, width: Math.min(w, width - x), height: 28, class: `age-${b}` }));
      svg.append(link);
      x += w;
    }
  } else {
    svg.append(s('rect', { x: 0, y: 0, width, height: 28, class: 'age-empty' }));
  }
  const legend = h('div', { class: 'chart-legend', data: { test: 'ageing-legend' } },
    BUCKETS.map((b) => h('span', { data: { bucket: b } }, h('span', { class: `legend-swatch age-${b}` }), `${t(`receivables.bucket.${b}`)} `,
      h('span', { class: 'num' }, money(buckets[`${b}Fen`])))));
  return h('div', { data: { test: 'ageing-bar' } }, svg, legend);
}

function kpi(labelText, value, test, tone) {
  return h('div', { class: 'kpi', data: { test } }, h('div', { class: 'label' }, labelText), h('div', { class: `value num ${tone || ''}` }, value));
}

export default async function receivables(ctx) {
  ctx.setTitle(t('title.receivables'));
  ctx.setBack('#/dashboard');
  const by = GROUPINGS.includes(ctx.query.by) ? ctx.query.by : 'customer';
  const data = await get('/receivables', { by });
  const total = data.total;
  const share = total.totalFen > 0 ? `${(Number((BigInt(total.overdueFen) * 1000n) / BigInt(total.totalFen)) / 10).toFixed(1)}%` : '—';

  const kpis = h('div', { class: 'kpis', data: { test: 'receivables-kpis' } },
    kpi(t('receivables.total'), money(total.totalFen), 'receivables-total'),
    kpi(t('receivables.overdue'), money(total.overdueFen), 'receivables-overdue', total.overdueFen > 0 ? 'bad-text' : ''),
    kpi(t('receivables.overdueShare'), share, 'receivables-share'),
    kpi(t('receivables.asOf'), data.asOf, 'receivables-asof'));

  const bar = card(t('receivables.ageing'), ageingBar(total.buckets, { title: t('receivables.ageing') }));

  const switcher = h('div', { class: 'segmented', role: 'group', 'aria-label': t('receivables.groupBy'), data: { test: 'receivables-by' } },
    GROUPINGS.map((g) => h('a', { class: `btn ${g === by ? 'primary' : ''}`, href: `#/receivables${query({ by: g })}`,
      'aria-current': g === by ? 'true' : null, data: { test: `by-${g}` } }, t(`receivables.by.${g}`))));

  const cell = (fen, bucket, key) => h('td', { class: 'num' }, Number(fen) === 0 && bucket
    ? h('span', { class: 'muted' }, '—')
    : h('a', { href: drillHref(bucket, key === null ? null : by, key), data: { test: 'cell', bucket: bucket || 'all', key: key ?? 'company' } }, money(fen)));

  const table = h('div', { class: 'table-wrap receivables-wrap' }, h('table', { class: 'table receivables-table', data: { test: 'receivables-table' } },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t(`receivables.by.${by}`)),
      BUCKETS.map((b) => h('th', { scope: 'col', class: `num ${b === 'notDue' ? '' : 'overdue-col'}` }, t(`receivables.bucket.${b}`))),
      h('th', { scope: 'col', class: 'num' }, t('receivables.total')))),
    h('tbody', {}, data.rows.map((r) => h('tr', { data: { test: 'receivables-row', key: r.key, name: r.name } },
      h('th', { scope: 'row' }, r.name),
      BUCKETS.map((b) => cell(r.buckets[`${b}Fen`], b, r.key)),
      cell(r.totalFen, null, r.key)))),
    h('tfoot', {}, h('tr', { data: { test: 'receivables-company' } }, h('th', { scope: 'row' }, t('receivables.company')),
      BUCKETS.map((b) => cell(total.buckets[`${b}Fen`], b, null)), cell(total.totalFen, null, null)))));

  replace(ctx.main, kpis, bar, switcher,
    data.rows.length ? card(null, table, h('p', { class: 'hint' }, t('receivables.rule')))
      : card(null, h('p', { class: 'empty', data: { test: 'receivables-empty' } }, t('receivables.none'))));
}

