// Users by username, paged; each opens its edit page (change, deactivate, reactivate, unlock).
import { h, replace } from '../dom.js';
import { t, label } from '../i18n.js';
import { get } from '../api.js';
import { pagedList } from '../ui.js';
import { icon } from '../icons.js';

export default async function adminUsers(ctx) {
  ctx.setTitle(t('admin.users'));
  ctx.setBack('#/admin');
  ctx.setActions(h('a', { class: 'icon-btn', href: '#/admin/users/new', 'aria-label': t('admin.newUser'), data: { test: 'new-user' } }, icon('plus')));
  replace(ctx.main,
    h('div', { class: 'actions' }, h('a', { class: 'btn primary', href: '#/admin/users/new', data: { test: 'new-user-button' } }, t('admin.newUser'))),
    h('div', { class: 'section-title' }),
    pagedList({
      test: 'user-list', emptyText: t('common.empty'),
      fetchPage: (cursor) => get('/users', { cursor, limit: 50 }),
      renderItem: (u) => h('li', {}, h('a', { class: 'row', href: `#/admin/users/${u.id}`, data: { test: 'user-row', username: u.username } },
        h('div', { class: 'avatar', 'aria-hidden': 'true' }, [...u.displayName][0] || '?'),
        h('div', { class: 'row-main' }, h('div', { class: 'row-title' }, `${u.displayName} (${u.username})`),
          h('div', { class: 'row-sub' }, [label('role', u.role), u.region, u.mobile].filter(Boolean).join(' · '))),
        h('div', { class: 'row-side' }, u.active ? h('span', { class: 'chip ok' }, t('admin.active')) : h('span', { class: 'chip bad' }, t('admin.inactive'))))),
    }));
}
