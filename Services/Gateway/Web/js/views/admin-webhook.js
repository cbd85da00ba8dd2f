// One webhook endpoint (issue 12): enable/disable, rotate the secret (shown once), delete, and its deliveries with replay.
import { h, replace } from '../dom.js';
import { t, label } from '../i18n.js';
import { get, post, api } from '../api.js';
import { card, pagedList, toast, problemText } from '../ui.js';
import { dateTime } from '../format.js';
import { secretCard } from './admin-webhooks.js';

const TONE = { pending: 'wait', delivered: 'ok', failed: 'bad' };

export default async function adminWebhook(ctx) {
  ctx.setTitle(t('webhooks.title'));
  ctx.setBack('#/admin/webhooks');
  const id = ctx.params.id;
  const endpoint = await get(`/webhooks/${id}`);
  const shown = h('div', {});
  const act = (text, test, run) => {
    const button = h('button', { type: 'button', class: 'btn', data: { test } }, text);
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await run();
      } catch (error) {
        toast(problemText(error));
      } finally {
        button.disabled = false;
      }
    });
    return button;
  };
  const key = () => crypto.randomUUID();
  const toggle = act(endpoint.enabled ? t('webhooks.disable') : t('webhooks.enable'), endpoint.enabled ? 'disable-webhook' : 'enable-webhook', async () => {
    await post(`/webhooks/${id}/${endpoint.enabled ? 'disable' : 'enable'}`, undefined, { idempotencyKey: key() });
    toast(t('common.saved'));
    ctx.navigate(location.hash);
  });
  const rotate = act(t('webhooks.rotate'), 'rotate-secret', async () => {
    if (!confirm(t('webhooks.rotateConfirm'))) return;
    replace(shown, secretCard(await post(`/webhooks/${id}/rotate-secret`, undefined, { idempotencyKey: key() })));
  });
  const remove = act(t('webhooks.delete'), 'delete-webhook', async () => {
    if (!confirm(t('webhooks.deleteConfirm'))) return;
    await api('DELETE', `/webhooks/${id}`, undefined, { idempotencyKey: key() });
    toast(t('webhooks.deleted'));
    ctx.navigate('#/admin/webhooks');
  });
  const deliveries = h('div', {});
  const load = () => replace(deliveries, pagedList({
    test: 'delivery-list', emptyText: t('webhooks.noDeliveries'),
    fetchPage: (cursor) => get(`/webhooks/${id}/deliveries`, { cursor, limit: 50 }),
    renderItem: (d) => h('li', {}, h('div', { class: 'row', data: { test: 'delivery-row', status: d.status, event: d.eventId } },
      h('div', { class: 'row-main' },
        h('div', { class: 'row-title' }, `${label('webhookEvent', d.eventType)} · ${dateTime(d.createdAt)}`),
        h('div', { class: 'row-sub' }, t('webhooks.attempts', { n: d.attempts, code: d.lastStatusCode ?? '—' })),
        d.status === 'pending' && d.nextAttemptAt ? h('div', { class: 'row-sub' }, t('webhooks.nextAttempt', { at: dateTime(d.nextAttemptAt) })) : null,
        d.lastError && d.status !== 'delivered' ? h('div', { class: 'row-sub small' }, d.lastError) : null,
        h('div', { class: 'row-sub small mono' }, `${t('webhooks.eventId')} ${d.eventId}`)),
      h('div', {},
        h('span', { class: `chip ${TONE[d.status] || ''}`, data: { test: `delivery-${d.status}` } }, label('webhookStatus', d.status)),
        act(t('webhooks.replay'), 'replay-delivery', async () => {
          await post(`/webhook-deliveries/${d.id}/replay`, undefined, { idempotencyKey: key() });
          toast(t('webhooks.replayed'));
          load();
        })))),
  }));
  load();
  replace(ctx.main, shown,
    card(endpoint.description || t('webhooks.endpoint'),
      h('p', { class: 'mono small', data: { test: 'webhook-url' } }, endpoint.url),
      h('p', {}, endpoint.eventTypes.map((x) => label('webhookEvent', x)).join(t('common.listSep'))),
      h('p', { class: 'row-sub' }, endpoint.enabled ? t('webhooks.enabled') : t('webhooks.disabled')),
      h('div', { class: 'actions' }, toggle, rotate, remove)),
    h('h2', { class: 'section-title' }, t('webhooks.deliveries')),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn', data: { test: 'refresh-deliveries' }, onclick: load }, t('common.refresh'))),
    deliveries);
}
