// Regions: the list and a form to add one.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import { field, form, toast, card } from '../ui.js';
import { dateTime } from '../format.js';

export default async function adminRegions(ctx) {
  ctx.setTitle(t('admin.regions'));
  ctx.setBack('#/admin');
  const regions = await get('/regions');
  const code = field({ name: 'code', label: t('admin.regionCode'), required: true, hint: t('admin.regionCodeHint'), attrs: { autocapitalize: 'none', spellcheck: 'false', maxlength: 32 } });
  const name = field({ name: 'name', label: t('admin.regionName'), required: true, attrs: { maxlength: 100 } });
  const el = form({ data: { test: 'region-form' } }, [code, name,
    h('button', { type: 'submit', class: 'btn primary', data: { test: 'save-region' } }, t('admin.addRegion'))], async (_f, key) => {
    await post('/regions', { code: code.input.value.trim(), name: name.input.value.trim() }, { idempotencyKey: key });
    toast(t('common.saved'));
    ctx.navigate(location.hash);
  });
  replace(ctx.main, h('div', { class: 'split' },
    h('div', {}, h('ul', { class: 'list', data: { test: 'region-list' } }, regions.items.length ? regions.items.map((r) => h('li', {},
      h('div', { class: 'row', data: { test: 'region-row', code: r.code } }, h('div', { class: 'row-main' }, h('div', { class: 'row-title' }, r.name),
        h('div', { class: 'row-sub' }, `${r.code} · ${dateTime(r.createdAt)}`))))) : h('li', { class: 'empty' }, t('common.empty')))),
    card(t('admin.addRegion'), el)));
}
