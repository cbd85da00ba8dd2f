// The admin audit trail: who changed which user or region, filtered by admin, action and time, paged.
import { h, replace } from '../dom.js';
import { t, label } from '../i18n.js';
import { get, query } from '../api.js';
import { field, pagedList } from '../ui.js';
import { dateTime, ZONE } from '../format.js';

const ACTIONS = ['user.create', 'user.update', 'user.deactivate', 'user.reactivate', 'user.unlock', 'region.create'];

/** A YYYY-MM-DD day in Shanghai as the RFC 3339 instant it starts at. */
function dayStart(ymd) {
  return ymd ? `${ymd}T00:00:00+08:00` : '';
}

function nextDay(ymd) {
  if (!ymd) return '';
  const [y, m, d] = ymd.split('-').map(Number);
  const next = new Date(Date.UTC(y, m - 1, d + 1));
  return `${next.toISOString().slice(0, 10)}T00:00:00+08:00`;
}

export default async function adminAudit(ctx) {
  ctx.setTitle(t('admin.audit'));
  ctx.setBack('#/admin');
  const q = ctx.query;
  const users = await get('/users', { limit: 200 });
  const names = new Map(users.items.map((u) => [u.id, `${u.displayName} (${u.username})`]));
  const actor = field({ name: 'actor', label: t('admin.auditActor'), value: q.actor || '',
    options: [{ value: '', label: t('common.all') }, ...users.items.filter((u) => u.role === 'admin').map((u) => ({ value: u.id, label: names.get(u.id) }))] });
  const action = field({ name: 'action', label: t('admin.auditAction'), value: q.action || '',
    options: [{ value: '', label: t('common.all') }, ...ACTIONS.map((a) => ({ value: a, label: label('auditAction', a) }))] });
  const from = field({ name: 'from', label: t('admin.auditFrom'), type: 'date', value: q.from || '' });
  const to = field({ name: 'to', label: t('admin.auditTo'), type: 'date', value: q.to || '' });
  const filters = h('form', { class: 'filters', role: 'search', data: { test: 'audit-filters' } }, actor, action, from, to,
    h('button', { class: 'btn', type: 'submit' }, t('common.search')));
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    ctx.navigate(`#/admin/audit${query({ actor: actor.input.value, action: action.input.value, from: from.input.value, to: to.input.value })}`);
  });
  const subject = (s) => (s.startsWith('region:') ? `${t('admin.regions')} ${s.slice(7)}` : names.get(s) || s);
  replace(ctx.main, filters, h('p', { class: 'hint' }, t('admin.auditZone', { zone: ZONE })), pagedList({
    test: 'audit-list', emptyText: t('common.empty'),
    fetchPage: (cursor) => get('/audit', { cursor, limit: 50, actor: q.actor, action: q.action, from: dayStart(q.from), to: nextDay(q.to) }),
    renderItem: (e) => h('li', {}, h('div', { class: 'row', data: { test: 'audit-row' } }, h('div', { class: 'row-main' },
      h('div', { class: 'row-title' }, `${label('auditAction', e.action)} · ${subject(e.subject)}`),
      h('div', { class: 'row-sub' }, `${dateTime(e.at)} · ${e.actorId ? names.get(e.actorId) || e.actorId : t('admin.system')}`),
      e.changes && typeof e.changes === 'object' && Object.keys(e.changes).length
        ? h('div', { class: 'row-sub small' }, Object.keys(e.changes).join(t('common.listSep'))) : null))),
  }));
}
