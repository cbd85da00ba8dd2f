// A customer's location on the customer page: where it is (WGS-84), and for a supervisor, regional manager, GM or
// admin, "设置位置" — latitude and longitude typed in, or the device's current position — with the note on
// coordinate systems (docs/coordinates.md): a point copied from a Chinese map (GCJ-02, Baidu BD-09) is offset.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { put } from '../api.js';
import { card, field, form, invalid, toast } from '../ui.js';
import { icon } from '../icons.js';
import { locate } from './visit-checkin.js';

const SETTERS = ['supervisor', 'regional_manager', 'gm', 'admin'];

function locationText(location) {
  if (!location) return t('location.none');
  return `${location.latitude.toFixed(6)}, ${location.longitude.toFixed(6)}`;
}

/** The location card; `onChanged(customer)` gets the customer after a change. */
export function locationCard(c, user, onChanged) {
  const value = h('dd', { data: { test: 'customer-location' } }, locationText(c.location));
  const canSet = SETTERS.includes(user.role) && !c.archived;
  const slot = h('div', {});
  const open = canSet
    ? h('button', { class: 'btn small', type: 'button', data: { test: 'set-location' }, 'aria-expanded': 'false', onclick: () => {
      const shown = open.getAttribute('aria-expanded') === 'true';
      open.setAttribute('aria-expanded', shown ? 'false' : 'true');
      replace(slot, shown ? null : locationForm(c, (changed) => {
        value.textContent = locationText(changed.location);
        open.setAttribute('aria-expanded', 'false');
        replace(slot);
        onChanged(changed);
      }));
    } }, icon('pin'), t('location.set'))
    : null;
  return card(null,
    h('div', { class: 'card-head' }, h('h2', {}, t('location.title')), open),
    h('dl', { class: 'kv' }, h('dt', {}, t('location.coordinates')), value),
    slot);
}

function locationForm(c, done) {
  const latitude = field({ name: 'latitude', label: t('location.latitude'), type: 'text', value: c.location ? c.location.latitude.toFixed(6) : '',
    required: true, attrs: { inputmode: 'decimal', autocomplete: 'off' } });
  const longitude = field({ name: 'longitude', label: t('location.longitude'), type: 'text', value: c.location ? c.location.longitude.toFixed(6) : '',
    required: true, attrs: { inputmode: 'decimal', autocomplete: 'off' } });
  const status = h('div', { class: 'hint', role: 'status', data: { test: 'location-status' } });
  const here = h('button', { class: 'btn small', type: 'button', data: { test: 'use-my-position' }, onclick: async () => {
    here.disabled = true;
    status.textContent = t('visits.locating');
    try {
      const p = await locate();
      latitude.input.value = p.latitude.toFixed(6);
      longitude.input.value = p.longitude.toFixed(6);
      status.textContent = t('visits.located', { n: Math.round(p.accuracy) });
    } catch (error) {
      status.textContent = t(`visits.locate.${error.message}`);
    } finally {
      here.disabled = false;
    }
  } }, icon('pin'), t('location.useMine'));
  return form({ data: { test: 'location-form' } }, [
    h('p', { class: 'note', data: { test: 'coordinates-note' } }, t('location.note')),
    h('div', { class: 'grid2' }, latitude, longitude),
    h('div', { class: 'actions' }, here, status),
    h('div', { class: 'actions' }, h('button', { class: 'btn primary', type: 'submit', data: { test: 'save-location' } }, t('common.save'))),
  ], async (el, key) => {
    const lat = Number(latitude.input.value.trim());
    const lon = Number(longitude.input.value.trim());
    const errors = {};
    if (!latitude.input.value.trim() || !Number.isFinite(lat) || lat < -90 || lat > 90) errors.latitude = t('location.badLatitude');
    if (!longitude.input.value.trim() || !Number.isFinite(lon) || lon < -180 || lon > 180) errors.longitude = t('location.badLongitude');
    if (Object.keys(errors).length) throw invalid(errors);
    const changed = await put(`/customers/${c.id}/location`, { latitude: lat, longitude: lon }, { idempotencyKey: key });
    toast(t('location.savedToast'));
    done(changed);
  });
}
