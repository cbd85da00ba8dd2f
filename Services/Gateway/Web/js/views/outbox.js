// Visits waiting on this phone to be sent (待发送拜访): each with its state, its photos' states, the last error and
// "send now"; a refused one can be discarded. Also the pieces the customer page and the check-in screen use: the
// panel of one customer's waiting visits, one bundle's card, and a sent visit's photos.
import { h, replace } from '../dom.js';
import { t, label } from '../i18n.js';
import { get } from '../api.js';
import { dateTime } from '../format.js';
import { bundles, subscribe, flush, discard } from '../visit-outbox.js';

const TONE = { waiting: 'wait', sending: 'info', failed: 'bad', sent: 'ok' };

function errorText(error) {
  if (!error) return '';
  if (error.status === 0 || error.status === undefined) return t('outbox.error.network');
  if (error.status === 401) return t('outbox.error.session');
  if (error.status >= 500) return t('error.server', { status: error.status });
  return error.detail || error.title || t('error.generic');
}

function photoChips(bundle) {
  return bundle.photos.map((p, i) => h('span', { class: `chip ${TONE[p.state === 'refused' ? 'failed' : p.state] || ''}`,
    data: { test: 'bundle-photo', state: p.state } }, t(`outbox.photo.${p.state}`, { n: i + 1 })));
}

function bundleBody(bundle) {
  const sentPhotos = bundle.photos.filter((p) => p.state === 'sent').length;
  const refused = bundle.photos.find((p) => p.state === 'refused');
  return [
    h('div', { class: 'row-title' }, bundle.customerName, ' · ', label('visitPurpose', bundle.body.purpose)),
    h('div', { class: 'row-sub' }, t('outbox.savedAt', { time: dateTime(bundle.createdAt) }),
      bundle.photos.length ? ` · ${t('outbox.photos', { sent: sentPhotos, total: bundle.photos.length })}` : ''),
    bundle.visit ? h('div', { class: 'row-sub' }, t('outbox.visitSent')) : null,
    bundle.photos.length ? h('div', { class: 'flags' }, photoChips(bundle)) : null,
    bundle.lastError && bundle.state !== 'sending'
      ? h('div', { class: bundle.state === 'failed' ? 'form-error' : 'hint', role: bundle.state === 'failed' ? 'alert' : null, data: { test: 'bundle-error' } },
        bundle.state === 'failed' ? t('outbox.refused', { reason: errorText(refused ? refused.error : bundle.lastError) })
          : t('outbox.willRetry', { reason: errorText(bundle.lastError) }))
      : null,
  ];
}

function actions(bundle) {
  const send = h('button', { class: 'btn small primary', type: 'button', data: { test: 'send-now' }, onclick: () => flush({ force: true }) },
    bundle.state === 'failed' ? t('outbox.retry') : t('outbox.sendNow'));
  const drop = bundle.state === 'failed' ? h('button', { class: 'btn small', type: 'button', data: { test: 'discard-bundle' }, onclick: () => {
    if (window.confirm(t('outbox.discardConfirm'))) discard(bundle.id);
  } }, t('outbox.discard')) : null;
  return h('div', { class: 'actions' }, send, drop);
}

function card(bundle, tag) {
  return h(tag, { class: 'outbox-item', data: { test: 'outbox-item', id: bundle.id, state: bundle.state, customer: bundle.customerName } },
    h('div', { class: 'card-head' }, h('div', { class: 'row-main' }, bundleBody(bundle).slice(0, 2)),
      h('span', { class: `chip ${TONE[bundle.state] || ''}`, data: { test: 'bundle-state' } }, t(`outbox.state.${bundle.state}`))),
    bundleBody(bundle).slice(2), actions(bundle));
}

/** One kept check-in, following its state until it is sent. */
export function bundleCard(bundle, { ctx }) {
  const box = h('section', { class: 'card', data: { test: 'visit-queued' } });
  const render = async () => {
    const current = (await bundles()).find((b) => b.id === bundle.id);
    if (current) {
      replace(box, card(current, 'div'));
    } else {
      replace(box, h('p', { class: 'notice ok', role: 'status', data: { test: 'bundle-sent' } }, t('outbox.sentNow')));
      box.dataset.test = 'visit-sent-later';
    }
  };
  replace(box, card(bundle, 'div'));
  ctx.onLeave(subscribe(render));
  return box;
}

/**
 * The waiting visits (one customer's with customerId), re-drawn on every change; `onSent` runs when one of them is
 * gone (sent or discarded). Hidden while there are none.
 */
export function outboxPanel({ ctx, customerId, onSent = () => {}, onCount = () => {}, always = false }) {
  const count = h('span', {});
  const list = h('ul', { class: 'list outbox-list' });
  const panel = h('section', { class: 'outbox', hidden: true, data: { test: 'outbox-panel', count: 0 } },
    h('h2', { class: 'section-title' }, count), list);
  let known = new Set();
  const render = async () => {
    const mine = (await bundles()).filter((b) => !customerId || b.customerId === customerId);
    const ids = new Set(mine.map((b) => b.id));
    const gone = [...known].some((id) => !ids.has(id));
    known = ids;
    panel.dataset.count = String(mine.length);
    panel.hidden = !always && mine.length === 0;
    count.textContent = t('outbox.waiting', { n: mine.length });
    replace(list, mine.map((b) => card(b, 'li')));
    list.hidden = mine.length === 0;
    onCount(mine.length);
    if (gone) onSent();
  };
  render();
  ctx.onLeave(subscribe(render));
  return panel;
}

/** A visit's photos, once it has any (photoCount), as images served by the API. */
export function visitPhotos(visit) {
  const box = h('div', { class: 'visit-photos', data: { test: 'visit-photos' } });
  if (!(visit.photoCount > 0)) return box;
  get(`/visits/${visit.id}/photos`).then((page) => {
    replace(box, h('ul', { class: 'photo-grid' }, (page.items || []).map((p, i) => h('li', { class: 'photo' },
      h('a', { href: p.url || `/api/v1/photos/${p.id}`, target: '_blank', rel: 'noopener' },
        h('img', { src: p.url || `/api/v1/photos/${p.id}`, alt: t('photos.alt', { n: i + 1 }), loading: 'lazy', data: { test: 'visit-photo', id: p.id } }))))));
  }, () => {
    replace(box, h('p', { class: 'hint' }, t('photos.notShown')));
  });
  return box;
}

export default async function outbox(ctx) {
  ctx.setTitle(t('title.outbox'));
  ctx.setBack('#/customers');
  const hint = h('p', { class: 'hint' }, t('outbox.hint'));
  const none = h('div', { class: 'empty', data: { test: 'outbox-empty' } }, t('outbox.none'));
  const panel = outboxPanel({ ctx, always: true, onCount: (n) => { none.hidden = n > 0; } });
  replace(ctx.main, h('div', { class: 'narrow-wrap' }, hint, panel, none,
    h('div', { class: 'actions' }, h('button', { class: 'btn primary', type: 'button', data: { test: 'send-all' }, onclick: () => flush({ force: true }) }, t('outbox.sendAll')))));
}
