// Visits (拜访): today's visits for a manager (a rep sees their own), with who, where, when, how long and the flags
// a manager should look at. Also the pieces the customer page and the check-in screen share: a visit's row, its flag
// chips and the check-out button.
import { h, replace } from '../dom.js';
import { t, label } from '../i18n.js';
import { get, post } from '../api.js';
import { pagedList, toast, problemText } from '../ui.js';
import { dateTime, shanghaiToday, shortId } from '../format.js';

/** 640 → "640 米"; 1234 → "1.2 公里" (integer arithmetic, one decimal). */
export function distanceText(meters) {
  const m = Math.round(Number(meters));
  if (m < 1000) return t('visits.meters', { n: m });
  const tenths = Math.round(m / 100);
  return t('visits.kilometers', { n: `${Math.floor(tenths / 10)}.${tenths % 10}` });
}

/** 95 → "1 小时 35 分钟". */
export function durationText(minutes) {
  const n = Math.max(0, Math.round(Number(minutes)));
  if (n < 60) return t('visits.minutes', { n });
  return t('visits.hoursMinutes', { h: Math.floor(n / 60), m: n % 60 });
}

/** One chip per flag, in words: far (with the distance), poor accuracy, location taken from this visit. */
export function flagChips(v) {
  return (v.flags || []).map((flag) => {
    let text = label('visitFlag', flag);
    if (flag === 'far' && v.distanceMeters !== undefined && v.distanceMeters !== null) text = t('visits.farFrom', { distance: distanceText(v.distanceMeters) });
    if (flag === 'poor_accuracy') text = t('visits.poorAccuracy', { n: v.accuracyMeters });
    const tone = flag === 'location_from_visit' ? 'info' : 'wait';
    return h('span', { class: `chip ${tone}`, data: { test: `flag-${flag}` } }, text);
  });
}

/** "签退" for an open visit of mine; on success `onDone(visit)` gets the checked-out visit. */
export function checkOutButton(v, onDone) {
  const message = h('div', { role: 'alert' });
  const button = h('button', { class: 'btn primary', type: 'button', data: { test: 'check-out' }, onclick: async () => {
    replace(message);
    button.disabled = true;
    try {
      const done = await post(`/visits/${v.id}/check-out`);
      toast(t('visits.checkedOutToast', { duration: durationText(done.durationMinutes ?? 0) }));
      onDone(done);
    } catch (error) {
      button.disabled = false;
      if (error.status !== 401) replace(message, h('div', { class: 'form-error' }, problemText(error)));
    }
  } }, t('visits.checkOut'));
  return h('div', { class: 'visit-checkout' }, message, button);
}

function isOpenAndMine(v, user) {
  return !v.checkedOutAt && user && String(v.repId).toLowerCase() === String(user.id).toLowerCase();
}

function timeSpan(v) {
  const start = dateTime(v.checkedInAt);
  if (!v.checkedOutAt) return t('visits.since', { start });
  return `${start} · ${durationText(v.durationMinutes ?? 0)}`;
}

/** A visit as a list row. opts: { user, showCustomer, showRep }. An open visit of the user's carries its check-out. */
export function visitRow(v, opts = {}) {
  const li = h('li', {});
  const render = (visit) => {
    const who = [];
    if (opts.showRep) who.push(visit.repName || shortId(visit.repId));
    if (opts.showCustomer) who.push(visit.customerName);
    replace(li, h('div', { class: 'row visit-row', data: { test: 'visit-row', id: visit.id, customer: visit.customerName, flags: (visit.flags || []).join(' '), photos: visit.photoCount ?? null, open: visit.checkedOutAt ? null : 'true' } },
      h('div', { class: 'row-main' },
        h('div', { class: 'row-title' }, who.length ? `${who.join(' · ')} · ` : '', label('visitPurpose', visit.purpose)),
        h('div', { class: 'row-sub' }, timeSpan(visit), visit.contactName ? ` · ${visit.contactName}` : ''),
        visit.photoCount > 0 ? h('div', { class: 'row-sub', data: { test: 'visit-photo-count' } }, t('visits.photoCount', { n: visit.photoCount })) : null,
        visit.notes ? h('div', { class: 'row-sub' }, visit.notes) : null,
        visit.nextFollowUpOn ? h('div', { class: 'row-sub' }, t('visits.nextFollowUpOn', { date: visit.nextFollowUpOn })) : null,
        (visit.flags || []).length ? h('div', { class: 'flags' }, flagChips(visit)) : null),
      h('div', { class: 'row-side' },
        visit.checkedOutAt ? h('span', { class: 'chip ok', data: { test: 'visit-done' } }, t('visits.done'))
          : h('span', { class: 'chip wait', data: { test: 'visit-open' } }, t('visits.open')))),
    isOpenAndMine(visit, opts.user) ? checkOutButton(visit, (done) => render(done)) : null);
  };
  render(v);
  return li;
}

export default async function visits(ctx) {
  ctx.setTitle(t('title.visits'));
  const day = /^\d{4}-\d{2}-\d{2}$/.test(ctx.query.date || '') ? ctx.query.date : shanghaiToday();
  const flagged = ctx.query.flagged === 'true';
  const manager = ctx.user.role !== 'rep';

  const go = (next) => {
    const q = new URLSearchParams();
    if (next.date !== shanghaiToday()) q.set('date', next.date);
    if (next.flagged) q.set('flagged', 'true');
    const text = q.toString();
    ctx.navigate(`#/visits${text ? `?${text}` : ''}`);
  };
  const dateInput = h('input', { type: 'date', class: 'input', id: 'visits-date', value: day, data: { test: 'visits-date' },
    onchange: () => { if (dateInput.value) go({ date: dateInput.value, flagged }); } });
  const flaggedBox = h('input', { type: 'checkbox', id: 'visits-flagged', checked: flagged, data: { test: 'visits-flagged' },
    onchange: () => go({ date: day, flagged: flaggedBox.checked }) });
  const filters = h('div', { class: 'card filters visit-filters', data: { test: 'visit-filters' } },
    h('div', { class: 'field' }, h('label', { for: 'visits-date' }, t('visits.day')), dateInput),
    h('label', { class: 'check', for: 'visits-flagged' }, flaggedBox, ' ', t('visits.flaggedOnly')));

  const list = pagedList({
    test: 'visit-list', emptyText: flagged ? t('visits.noneFlagged') : t('visits.none'),
    fetchPage: (cursor) => get('/visits', { from: day, to: day, flagged: flagged ? 'true' : undefined, cursor, limit: 50 }),
    renderItem: (v) => visitRow(v, { user: ctx.user, showCustomer: true, showRep: manager }),
  });
  replace(ctx.main, h('div', {}, filters,
    manager ? null : h('p', { class: 'hint' }, t('visits.ownOnly')),
    list));
}
