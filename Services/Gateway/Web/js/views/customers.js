// My customers: search by name, filter by region and industry, newest first, "load more" with the cursor.
import { h, replace } from '../dom.js';
import { t, label } from '../i18n.js';
import { get, query } from '../api.js';
import { pagedList, field } from '../ui.js';
import { icon } from '../icons.js';

export const INDUSTRIES = ['machinery', 'automotive', 'electronics', 'construction', 'energy', 'chemicals', 'food', 'textiles', 'other'];

export const LEVELS = ['A', 'B', 'C'];
export const SOURCES = ['referral', 'exhibition', 'website', 'cold_call', 'advertising', 'existing', 'other'];

export function industryLabel(value) {
  const key = `industry.${value}`;
  const text = t(key);
  return text === key ? value : text;
}

export default async function customers(ctx) {
  ctx.setTitle(t('title.customers'));
  const canCreate = ctx.user.role !== 'finance';
  if (canCreate) {
    ctx.setActions(h('a', { class: 'icon-btn', href: '#/customers/new', 'aria-label': t('customers.new'), data: { test: 'new-customer' } }, icon('plus')));
  }
  const q = ctx.query;
  const search = field({ name: 'q', label: t('customers.search'), type: 'search', value: q.q || '', attrs: { placeholder: t('customers.searchHint'), enterkeyhint: 'search' } });
  search.classList.add('search');
  const industry = field({ name: 'industry', label: t('customers.industry'), value: q.industry || '',
    options: [{ value: '', label: t('common.all') }, ...INDUSTRIES.map((v) => ({ value: v, label: industryLabel(v) }))] });
  const archived = field({ name: 'archived', label: t('customers.status'), value: q.archived || '',
    options: [{ value: '', label: t('customers.active') }, { value: 'true', label: t('customers.archived') }, { value: 'all', label: t('common.all') }] });
  const region = field({ name: 'region', label: t('customers.region'), value: q.region || '', attrs: { placeholder: t('customers.regionHint'), autocapitalize: 'none' } });
  const level = field({ name: 'level', label: t('customers.level'), value: q.level || '',
    options: [{ value: '', label: t('customers.allLevels') }, ...LEVELS.map((v) => ({ value: v, label: label('level', v) }))] });
  const filters = h('form', { class: 'filters', role: 'search', data: { test: 'customer-filters' } }, search, industry, level, region, archived,
    h('button', { class: 'btn desktop-only', type: 'submit' }, t('common.search')));
  function apply(event) {
    if (event) event.preventDefault();
    ctx.navigate(`#/customers${query({ q: search.input.value.trim(), industry: industry.input.value, region: region.input.value.trim(), archived: archived.input.value, level: level.input.value })}`);
  }
  filters.addEventListener('submit', apply);
  industry.input.addEventListener('change', apply);
  archived.input.addEventListener('change', apply);
  level.input.addEventListener('change', apply);
  const list = pagedList({
    test: 'customer-list',
    emptyText: q.q || q.industry || q.region || q.level ? t('customers.noMatch') : t('customers.none'),
    fetchPage: (cursor) => get('/customers', { cursor, limit: 20, q: q.q, industry: q.industry, region: q.region, archived: q.archived, level: q.level }),
    renderItem: (c) => h('li', {}, h('a', { class: 'row', href: `#/customers/${c.id}`, data: { test: 'customer-row', name: c.name } },
      h('div', { class: 'avatar', 'aria-hidden': 'true' }, c.name.slice(0, 1)),
      h('div', { class: 'row-main' },
        h('div', { class: 'row-title' }, c.name, c.level ? h('span', { class: 'chip info', data: { test: 'level-chip' } }, c.level) : null,
          c.archived ? h('span', { class: 'chip bad' }, ` ${t('customers.archived')}`) : null),
        h('div', { class: 'row-sub' }, [industryLabel(c.industry), c.region, c.contacts[0] ? c.contacts[0].name : null].filter(Boolean).join(' · '))))),
  });
  // Import and export (issue 10): the export downloads the same filters' customers, within the caller's scope.
  const exportQuery = (format) => `/api/v1/customers/export${query({ format, q: q.q, industry: q.industry, region: q.region, level: q.level, archived: q.archived })}`;
  const sheetActions = h('div', { class: 'actions sheet-actions', data: { test: 'customer-sheet-actions' } },
    canCreate ? h('a', { class: 'btn', href: '#/customers/import', data: { test: 'customer-import' } }, t('customers.import')) : null,
    h('a', { class: 'btn', href: exportQuery('csv'), download: '', data: { test: 'customer-export-csv' } }, t('customers.exportCsv')),
    h('a', { class: 'btn', href: exportQuery('xlsx'), download: '', data: { test: 'customer-export-xlsx' } }, t('customers.exportXlsx')));
  replace(ctx.main, filters, sheetActions, list,
    canCreate ? h('div', { class: 'actions phone-only' }, h('a', { class: 'btn primary block', href: '#/customers/new' }, t('customers.new'))) : null);
}
