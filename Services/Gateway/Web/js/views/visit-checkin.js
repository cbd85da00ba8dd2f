// Check in at a customer (拜访签到), phone first: the browser's position (WGS-84 as received, with its accuracy), the
// purpose, the contact met, notes, the next follow-up date and up to nine photos (shrunk on the phone). The check-in
// goes through the visit outbox: stored on the phone first, then sent; with no signal it waits there and the screen
// says so. The answer shows the visit with its flags, its photos and the check-out button.
import { h, replace } from '../dom.js';
import { t, label } from '../i18n.js';
import { get } from '../api.js';
import { field, form, invalid, toast } from '../ui.js';
import { dateTime } from '../format.js';
import { icon } from '../icons.js';
import { photoPicker } from '../photos.js';
import { submit, rememberCustomer, rememberedCustomer } from '../visit-outbox.js';
import { flagChips, checkOutButton, durationText } from './visits.js';
import { bundleCard, visitPhotos } from './outbox.js';

export const PURPOSES = ['first_visit', 'follow_up', 'demo', 'negotiation', 'delivery', 'after_sales', 'collection', 'other'];

/** Asks the browser for one fresh position; resolves { latitude, longitude, accuracy } or rejects with a reason key. */
export function locate() {
  return new Promise((resolve, reject) => {
    if (!('geolocation' in navigator)) {
      reject(new Error('unsupported'));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ latitude: p.coords.latitude, longitude: p.coords.longitude, accuracy: p.coords.accuracy }),
      (error) => reject(new Error(error.code === 1 ? 'denied' : error.code === 3 ? 'timeout' : 'unavailable')),
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
  });
}

/** The customer from the API, or as last shown on this phone when there is no connection. */
async function loadCustomer(id) {
  try {
    const c = await get(`/customers/${id}`);
    rememberCustomer(c);
    return { c, offline: false };
  } catch (error) {
    const kept = error.status === 0 ? rememberedCustomer(id) : null;
    if (!kept) throw error;
    return { c: kept, offline: true };
  }
}

export default async function visitCheckIn(ctx) {
  const { c, offline } = await loadCustomer(ctx.params.id);
  // Another screen may have opened while the customer loaded (a reload, then a tap): leave it alone.
  if (!ctx.isCurrent()) return;
  ctx.setTitle(t('visits.checkInTitle'));
  ctx.setBack(`#/customers/${c.id}`);

  let position = null;
  const status = h('div', { class: 'locate-status', role: 'status', data: { test: 'locate-status' } });
  const error = h('div', { class: 'field-error', hidden: true, role: 'alert', data: { test: 'error-latitude' } });
  const retry = h('button', { class: 'btn small', type: 'button', data: { test: 'locate-again' }, onclick: () => find() }, icon('refresh'), t('visits.locateAgain'));
  const where = h('fieldset', { class: 'locate', data: { field: 'latitude', test: 'locate' } },
    h('legend', {}, t('visits.position')), status, error, retry);

  async function find() {
    position = null;
    error.hidden = true;
    retry.disabled = true;
    where.dataset.state = 'locating';
    replace(status, h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' ', t('visits.locating'));
    try {
      position = await locate();
      where.dataset.state = 'located';
      const accuracy = Math.round(position.accuracy);
      replace(status, h('div', { data: { test: 'position' } }, t('visits.located', { n: accuracy })),
        h('div', { class: 'muted small' }, `${position.latitude.toFixed(6)}, ${position.longitude.toFixed(6)} · WGS-84`),
        accuracy > 200 ? h('div', { class: 'notice warn', data: { test: 'accuracy-warning' } }, t('visits.accuracyWarning')) : null);
    } catch (reason) {
      where.dataset.state = reason.message;
      replace(status, h('div', { class: 'notice warn', data: { test: `locate-${reason.message}` } }, t(`visits.locate.${reason.message}`)));
    } finally {
      retry.disabled = false;
    }
  }

  const purpose = field({ name: 'purpose', label: t('visits.purpose'), required: true,
    options: [{ value: '', label: t('common.choose') }, ...PURPOSES.map((p) => ({ value: p, label: label('visitPurpose', p) }))] });
  const listId = `contacts-${c.id}`;
  const contact = field({ name: 'contactName', label: t('visits.contact'), hint: t('visits.contactHint'),
    attrs: { list: listId, maxlength: 100, autocomplete: 'off' } });
  const contactOptions = h('datalist', { id: listId }, (c.contacts || []).map((p) => h('option', { value: p.name }, p.title || '')));
  const chips = (c.contacts || []).length ? h('div', { class: 'contact-chips' }, c.contacts.map((p) => h('button', {
    type: 'button', class: 'btn small', data: { test: 'pick-contact', name: p.name },
    onclick: () => { contact.input.value = p.name; } }, p.name))) : null;
  const notes = field({ name: 'notes', label: t('visits.notes'), textarea: true, attrs: { maxlength: 2000 } });
  const next = field({ name: 'nextFollowUpOn', label: t('visits.nextFollowUp'), type: 'date' });
  const photos = photoPicker();
  ctx.onLeave(() => photos.release());

  const el = form({ data: { test: 'checkin-form' } }, [
    offline ? h('p', { class: 'notice warn', role: 'status', data: { test: 'checkin-offline' } }, t('outbox.offlineCheckIn')) : null,
    h('section', { class: 'card' }, h('p', {}, h('span', { class: 'muted' }, `${t('visits.customer')}: `), h('strong', { data: { test: 'checkin-customer' } }, c.name)), where),
    h('section', { class: 'card' }, purpose, contact, contactOptions, chips, notes, next),
    h('section', { class: 'card' }, photos.el),
    h('div', { class: 'actionbar' }, h('button', { type: 'submit', class: 'btn primary block big', data: { test: 'submit-checkin' } }, icon('pin'), t('visits.checkIn'))),
  ], async () => {
    const problems = {};
    if (!position) problems.latitude = [t('visits.needPosition')];
    if (!purpose.input.value) problems.purpose = [t('error.required')];
    await photos.ready();
    if (photos.failed().length) problems.photos = [t('photos.removeUnreadable')];
    if (Object.keys(problems).length) throw invalid(problems);
    const body = {
      latitude: position.latitude, longitude: position.longitude, accuracyMeters: Math.round(position.accuracy),
      purpose: purpose.input.value,
      notes: notes.input.value.trim() || undefined,
      contactName: contact.input.value.trim() || undefined,
      nextFollowUpOn: next.input.value || undefined,
      // The phone's time now: a check-in queued without signal keeps it when it is sent later.
      checkedInAt: new Date().toISOString(),
    };
    const result = await submit({ customerId: c.id, customerName: c.name, body, photos: photos.photos().map((p) => p.blob) },
      (bundle) => photos.showSending(bundle.photos.map((p) => p.state)));
    // The rep may have left the screen while it was sending: tell them, but do not take the new screen over.
    if (result.sent) {
      toast(t('visits.checkedInToast'));
      if (ctx.isCurrent()) showVisit(ctx, c, result.visit);
    } else if (ctx.isCurrent()) {
      showQueued(ctx, c, result.bundle);
    }
  });
  el.classList.add('narrow');
  replace(ctx.main, h('div', { class: 'narrow-wrap' }, el));
  find();
}

/** A check-in kept on the phone (no signal, or a photo refused): what happened, its state, and "send now". */
function showQueued(ctx, c, bundle) {
  ctx.setTitle(t('visits.visitTitle'));
  const offline = h('p', { class: 'notice warn', role: 'status', hidden: navigator.onLine, data: { test: 'queued-offline' } }, t('outbox.queuedOffline'));
  const connection = () => { offline.hidden = navigator.onLine; };
  window.addEventListener('online', connection);
  window.addEventListener('offline', connection);
  ctx.onLeave(() => {
    window.removeEventListener('online', connection);
    window.removeEventListener('offline', connection);
  });
  replace(ctx.main, h('div', { class: 'narrow-wrap' },
    offline,
    bundle.state === 'failed' ? h('p', { class: 'notice warn', role: 'status' }, t('outbox.visitSentPhotoRefused'))
      : bundle.visit ? h('p', { class: 'notice ok', role: 'status' }, t('outbox.visitSentPhotosWaiting')) : null,
    bundleCard(bundle, { ctx, standalone: true }),
    h('div', { class: 'actions' }, h('a', { class: 'btn', href: `#/customers/${c.id}`, data: { test: 'back-to-customer' } }, t('visits.backToCustomer')))));
}

/** The visit just made: when, where, how precise, its flags, and the check-out button while it is open. */
function showVisit(ctx, c, visit) {
  ctx.setTitle(t('visits.visitTitle'));
  const box = h('div', { class: 'narrow-wrap' });
  const photoBox = visitPhotos(visit);
  const render = (v) => replace(box, h('section', { class: 'card', data: { test: 'visit-card', id: v.id, flags: (v.flags || []).join(' ') } },
    h('div', { class: 'card-head' }, h('h2', {}, c.name),
      v.checkedOutAt ? h('span', { class: 'chip ok', data: { test: 'visit-done' } }, t('visits.done')) : h('span', { class: 'chip wait', data: { test: 'visit-open' } }, t('visits.open'))),
    h('dl', { class: 'kv' },
      h('dt', {}, t('visits.purpose')), h('dd', {}, label('visitPurpose', v.purpose)),
      h('dt', {}, t('visits.checkedInAt')), h('dd', {}, dateTime(v.checkedInAt)),
      v.checkedOutAt ? [h('dt', {}, t('visits.checkedOutAt')), h('dd', {}, dateTime(v.checkedOutAt))] : null,
      v.checkedOutAt ? [h('dt', {}, t('visits.duration')), h('dd', { data: { test: 'visit-duration' } }, durationText(v.durationMinutes ?? 0))] : null,
      h('dt', {}, t('visits.accuracy')), h('dd', {}, t('visits.accuracyValue', { n: v.accuracyMeters })),
      v.contactName ? [h('dt', {}, t('visits.contact')), h('dd', {}, v.contactName)] : null,
      v.nextFollowUpOn ? [h('dt', {}, t('visits.nextFollowUp')), h('dd', {}, v.nextFollowUpOn)] : null,
      v.notes ? [h('dt', {}, t('visits.notes')), h('dd', {}, v.notes)] : null),
    (v.flags || []).length ? h('div', { class: 'flags', data: { test: 'visit-flags' } }, flagChips(v)) : h('p', { class: 'notice ok', data: { test: 'visit-unflagged' } }, t('visits.noFlags')),
    photoBox,
    v.checkedOutAt ? null : checkOutButton(v, (done) => render(done)),
    h('div', { class: 'actions' }, h('a', { class: 'btn', href: `#/customers/${c.id}`, data: { test: 'back-to-customer' } }, t('visits.backToCustomer')))));
  render(visit);
  replace(ctx.main, box);
}
