// Visits (拜访): a day's visits (today by default) grouped by rep, for a manager (a rep sees their own), with who,
// where, when, how long and the flags a manager should look at, and a map-free plot of the positions. Also the pieces
// the customer page, the check-in screen and the other visit screens share: a visit's row, its flag chips, the
// check-out button and the tabs between the manager's visit screens.
import { h, replace, uid } from '../dom.js';
import { t, label } from '../i18n.js';
import { get, post } from '../api.js';
import { toast, problemText, loading, errorBox, empty } from '../ui.js';
import { dateTime, shanghaiToday, shortId } from '../format.js';
import { positionPlot, repColor, swatch } from '../charts.js';

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
    const flagged = (visit.flags || []).some((f) => f !== 'location_from_visit');
    replace(li, h('div', { class: `row visit-row${flagged ? ' flagged' : ''}`, data: { test: 'visit-row', id: visit.id, customer: visit.customerName, flags: (visit.flags || []).join(' '), photos: visit.photoCount ?? null, open: visit.checkedOutAt ? null : 'true' } },
      h('div', { class: 'row-main' },
        h('div', { class: 'row-title' }, who.length ? `${who.join(' · ')} · ` : '', label('visitPurpose', visit.purpose)),
        h('div', { class: 'row-sub' }, timeSpan(visit), visit.contactName ? ` · ${visit.contactName}` : ''),
        visit.distanceMeters !== undefined && visit.distanceMeters !== null && !(visit.flags || []).includes('far')
          ? h('div', { class: 'row-sub', data: { test: 'visit-distance' } }, t('visits.distance', { distance: distanceText(visit.distanceMeters) })) : null,
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

/** The tabs between the visit screens: today, weekly, not visited, overdue follow-ups. */
export function visitTabs(active) {
  const tabs = [['today', '#/visits'], ['weekly', '#/visits/weekly'], ['notVisited', '#/visits/not-visited'], ['overdue', '#/visits/overdue']];
  return h('nav', { class: 'seg-tabs', 'aria-label': t('visitViews.tabs'), data: { test: 'visit-tabs' } },
    tabs.map(([id, href]) => h('a', { href, class: 'seg', 'aria-current': id === active ? 'page' : null, data: { test: `visit-tab-${id}` } },
      t(`visitViews.${id}`))));
}

/** Every visit of a query, page after page (a day's visits: a few dozen; at most 1,000). */
async function allVisits(params) {
  const items = [];
  let cursor;
  for (let page = 0; page < 10; page += 1) {
    const answer = await get('/visits', { ...params, cursor, limit: 100 });
    items.push(...answer.items);
    cursor = answer.nextCursor;
    if (!cursor) break;
  }
  return items;
}

/** Visits grouped by rep, the rep with most visits first; each group keeps newest-first order. */
function byRep(items) {
  const groups = new Map();
  for (const v of items) {
    if (!groups.has(v.repId)) groups.set(v.repId, { repId: v.repId, repName: v.repName || shortId(v.repId), visits: [] });
    groups.get(v.repId).visits.push(v);
  }
  return [...groups.values()].sort((a, b) => b.visits.length - a.visits.length || a.repName.localeCompare(b.repName));
}

function flagWords(v) {
  return (v.flags || []).map((flag) => (flag === 'far' && v.distanceMeters != null
    ? t('visits.farFrom', { distance: distanceText(v.distanceMeters) }) : label('visitFlag', flag))).join(t('common.listSep'));
}

/** The plot of a day's visits and, as its text alternative, the same points as a table. */
function plotCard(groups) {
  const tableId = uid('plot-table');
  const points = [];
  groups.forEach((group, index) => {
    for (const v of group.visits) {
      points.push({
        id: v.id, color: repColor(index), far: (v.flags || []).includes('far'),
        label: `${group.repName} · ${v.customerName} · ${dateTime(v.checkedInAt)}${v.distanceMeters != null ? ` · ${distanceText(v.distanceMeters)}` : ''}`,
        position: { latitude: v.latitude, longitude: v.longitude }, customer: v.customerLocation || null,
      });
    }
  });
  const plot = positionPlot(points, { title: t('visitViews.plotTitle', { n: points.length }), describedBy: tableId,
    metersLabel: (m) => distanceText(m) });
  const legend = h('ul', { class: 'plot-legend', 'aria-hidden': 'true' },
    groups.map((g, i) => h('li', {}, swatch(repColor(i)), g.repName)),
    h('li', {}, swatch('#505b6e'), t('visitViews.legendVisit')),
    h('li', {}, swatch('#505b6e', { ring: true }), t('visitViews.legendCustomer')),
    h('li', {}, swatch('#b4232a', { ring: true }), t('visitViews.legendFar')));
  const rows = groups.flatMap((g) => g.visits.map((v) => h('tr', { data: { test: 'plot-row', id: v.id } },
    h('td', {}, g.repName), h('td', {}, v.customerName), h('td', {}, dateTime(v.checkedInAt)),
    h('td', { class: 'num' }, `${v.latitude.toFixed(6)}, ${v.longitude.toFixed(6)}`),
    h('td', { class: 'num' }, v.customerLocation ? `${v.customerLocation.latitude.toFixed(6)}, ${v.customerLocation.longitude.toFixed(6)}` : t('visitViews.noLocation')),
    h('td', { class: 'num' }, v.distanceMeters != null ? distanceText(v.distanceMeters) : '—'),
    h('td', {}, flagWords(v) || t('visits.noFlags')))));
  const table = h('details', { class: 'plot-details' }, h('summary', {}, t('visitViews.asTable')),
    h('div', { class: 'table-scroll' }, h('table', { class: 'table', id: tableId, data: { test: 'plot-table' } },
      h('caption', { class: 'visually-hidden' }, t('visitViews.plotTitle', { n: points.length })),
      h('thead', {}, h('tr', {}, ['rep', 'customer', 'time', 'position', 'customerLocation', 'distance', 'flags'].map((c) => h('th', { scope: 'col' }, t(`visitViews.col.${c}`))))),
      h('tbody', {}, rows))));
  return h('section', { class: 'card plot-card', data: { test: 'plot-card' } },
    h('h2', {}, t('visitViews.plotHeading')), plot, legend, h('p', { class: 'hint' }, t('visitViews.plotHint')), table);
}

function repGroup(group, index, user, showRep) {
  // Counted like GET /visits?flagged=true and the weekly report: any flag.
  const flagged = group.visits.filter((v) => (v.flags || []).length).length;
  return h('section', { class: 'rep-group', data: { test: 'rep-group', rep: group.repName, count: group.visits.length, flagged } },
    h('h2', { class: 'section-title' }, swatch(repColor(index)),
      h('span', {}, group.repName), h('span', { class: 'chip' }, t('visitViews.visitCount', { n: group.visits.length })),
      flagged ? h('span', { class: 'chip wait', data: { test: 'rep-flagged' } }, t('visitViews.flaggedCount', { n: flagged })) : null),
    h('ul', { class: 'list' }, group.visits.map((v) => visitRow(v, { user, showCustomer: true, showRep }))));
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

  const body = h('div', { data: { test: 'visit-list' } }, loading());
  replace(ctx.main, h('div', { class: 'visits-today' }, visitTabs('today'), filters,
    manager ? null : h('p', { class: 'hint' }, t('visits.ownOnly')), body));
  const load = async () => {
    replace(body, loading());
    try {
      const items = await allVisits({ from: day, to: day, flagged: flagged ? 'true' : undefined });
      if (!ctx.isCurrent()) return;
      if (!items.length) {
        replace(body, empty(flagged ? t('visits.noneFlagged') : t('visits.none')));
        return;
      }
      const groups = byRep(items);
      const flaggedCount = items.filter((v) => (v.flags || []).length).length;
      replace(body,
        h('p', { class: 'visit-summary', data: { test: 'visit-summary' } },
          t('visitViews.summary', { visits: items.length, reps: groups.length, flagged: flaggedCount })),
        h('div', { class: 'split visits-split' },
          h('div', {}, groups.map((g, i) => repGroup(g, i, ctx.user, manager))),
          h('div', {}, plotCard(groups))));
    } catch (error) {
      if (error && error.status === 401) return;
      replace(body, errorBox(error, load));
    }
  };
  await load();
}
