// Webhooks (issue 12): the registered endpoints and a form to add one; its signing secret is shown once, with a copy button.
import { h, replace } from '../dom.js';
import { t, label } from '../i18n.js';
import { get, post } from '../api.js';
import { field, form, card, pagedList, toast } from '../ui.js';
import { dateTime } from '../format.js';

/** The secret, shown this once: a read-only field, a copy button and the warning that it will not be shown again. */
export function secretCard(endpoint) {
  const input = h('input', { class: 'input mono', readonly: true, value: endpoint.secret, 'aria-label': t('webhooks.secret'), data: { test: 'webhook-secret' } });
  const copy = h('button', { type: 'button', class: 'btn primary', data: { test: 'copy-secret' } }, t('webhooks.copy'));
  copy.addEventListener('click', async () => {
    input.select();
    try {
      await navigator.clipboard.writeText(endpoint.secret);
    } catch {
      document.execCommand('copy');
    }
    toast(t('webhooks.copied'));
  });
  return h('section', { class: 'card', role: 'alert', data: { test: 'webhook-secret-card' } },
    h('h2', {}, t('webhooks.secretOnce')),
    h('p', { class: 'hint' }, t('webhooks.secretHint')),
    h('div', { class: 'field' }, input), copy,
    h('p', {}, h('a', { href: `#/admin/webhooks/${endpoint.id}`, data: { test: 'open-webhook' } }, t('webhooks.open'))));
}

export function endpointRow(e) {
  return h('li', {}, h('a', { class: 'row', href: `#/admin/webhooks/${e.id}`, data: { test: 'webhook-row', id: e.id } },
    h('div', { class: 'row-main' },
      h('div', { class: 'row-title' }, e.description || e.url),
      h('div', { class: 'row-sub small mono' }, e.url),
      h('div', { class: 'row-sub' }, `${e.eventTypes.map((x) => label('webhookEvent', x)).join(t('common.listSep'))}`),
      h('div', { class: 'row-sub' }, `${dateTime(e.createdAt)}`)),
    h('span', { class: `chip ${e.enabled ? 'ok' : ''}`, data: { test: `webhook-${e.enabled ? 'enabled' : 'disabled'}` } },
      e.enabled ? t('webhooks.enabled') : t('webhooks.disabled'))));
}

export default async function adminWebhooks(ctx) {
  ctx.setTitle(t('webhooks.title'));
  ctx.setBack('#/admin');
  const types = (await get('/webhooks/event-types')).items;
  const url = field({ name: 'url', label: t('webhooks.url'), required: true, type: 'url', hint: t('webhooks.urlHint'),
    attrs: { autocapitalize: 'none', spellcheck: 'false', maxlength: 2000, inputmode: 'url' } });
  const description = field({ name: 'description', label: t('webhooks.description'), attrs: { maxlength: 200 } });
  const boxes = types.map((type) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', name: 'eventTypes', value: type, data: { test: `event-${type}` } }), ' ', label('webhookEvent', type), ' ',
    h('span', { class: 'small mono' }, type)));
  const typeGroup = h('fieldset', { class: 'field', data: { field: 'eventTypes' } }, h('legend', {}, t('webhooks.eventTypes')), ...boxes,
    h('div', { class: 'group-error field-error', hidden: true, role: 'alert', data: { test: 'error-eventTypes' } }));
  const shown = h('div', {});
  const el = form({ data: { test: 'webhook-form' } }, [url, description, typeGroup,
    h('button', { type: 'submit', class: 'btn primary', data: { test: 'save-webhook' } }, t('webhooks.add'))], async (_f, key) => {
    const eventTypes = boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
    const created = await post('/webhooks', { url: url.input.value.trim(), description: description.input.value.trim(), eventTypes }, { idempotencyKey: key });
    replace(shown, secretCard(created));
    el.reset();
    replace(list, listOf());
    shown.scrollIntoView({ block: 'start' });
  });
  const listOf = () => pagedList({ test: 'webhook-list', emptyText: t('webhooks.none'), fetchPage: (cursor) => get('/webhooks', { cursor, limit: 50 }), renderItem: endpointRow });
  const list = h('div', {}, listOf());
  replace(ctx.main, shown, h('div', { class: 'split' }, h('div', {}, h('p', { class: 'hint' }, t('webhooks.intro')), list), card(t('webhooks.add'), el)));
}
