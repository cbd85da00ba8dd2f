// Create a user, or change one (only changed fields are sent, with the version), deactivate, reactivate, unlock.
import { h, replace } from '../dom.js';
import { t, label } from '../i18n.js';
import { get, post, patch } from '../api.js';
import { field, form, invalid, toast, card, problemText } from '../ui.js';
import { dateTime } from '../format.js';

const ROLES = ['rep', 'supervisor', 'regional_manager', 'gm', 'finance', 'admin', 'warehouse'];

async function allUsers() {
  const users = [];
  let cursor = null;
  do {
    const page = await get('/users', { cursor, limit: 200 });
    users.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && users.length < 2000);
  return users;
}

export default async function adminUserForm(ctx) {
  const id = ctx.params.id;
  const [existing, regions, users] = await Promise.all([id ? get(`/users/${id}`) : null, get('/regions'), allUsers()]);
  ctx.setTitle(existing ? existing.displayName : t('admin.newUser'));
  ctx.setBack('#/admin/users');

  const username = field({ name: 'username', label: t('admin.username'), required: true, value: existing?.username, attrs: { autocapitalize: 'none', spellcheck: 'false', autocomplete: 'off' } });
  const displayName = field({ name: 'displayName', label: t('admin.displayName'), required: true, value: existing?.displayName, attrs: { maxlength: 100 } });
  const password = field({ name: 'password', label: existing ? t('admin.newPassword') : t('admin.password'), type: 'password', required: !existing,
    hint: t('admin.passwordHint'), attrs: { autocomplete: 'new-password' } });
  const role = field({ name: 'role', label: t('admin.role'), required: true, value: existing?.role || 'rep', options: ROLES.map((r) => ({ value: r, label: label('role', r) })) });
  const region = field({ name: 'region', label: t('customers.region'), value: existing?.region || '', hint: t('admin.regionHint'),
    options: [{ value: '', label: t('common.none') }, ...regions.items.map((r) => ({ value: r.code, label: `${r.name} (${r.code})` }))] });
  const supervisor = field({ name: 'supervisorId', label: t('admin.supervisor'), value: existing?.supervisorId || '', hint: t('admin.supervisorHint'),
    options: [{ value: '', label: t('common.none') }, ...users.filter((u) => u.active && u.id !== id).map((u) => ({ value: u.id, label: `${u.displayName} · ${label('role', u.role)}` }))] });
  const mobile = field({ name: 'mobile', label: t('admin.mobile'), type: 'tel', value: existing?.mobile, attrs: { inputmode: 'tel' } });
  const wecom = field({ name: 'wecomUserId', label: t('admin.wecomUserId'), value: existing?.wecomUserId, attrs: { autocapitalize: 'none' } });

  const el = form({ data: { test: 'user-form' } }, [
    card(null, username, displayName, password, role, region, supervisor, mobile, wecom),
    h('div', { class: 'actionbar' }, h('button', { type: 'submit', class: 'btn primary', data: { test: 'save-user' } }, existing ? t('common.save') : t('admin.createUser'))),
  ], async (_f, key) => {
    const values = {
      username: username.input.value.trim(), displayName: displayName.input.value.trim(), password: password.input.value,
      role: role.input.value, region: region.input.value || null, supervisorId: supervisor.input.value || null,
      mobile: mobile.input.value.trim() || null, wecomUserId: wecom.input.value.trim() || null,
    };
    if (!existing) {
      const missing = {};
      if (!values.username) missing.username = [t('error.required')];
      if (!values.displayName) missing.displayName = [t('error.required')];
      if (!values.password) missing.password = [t('error.required')];
      if (Object.keys(missing).length) throw invalid(missing);
      const body = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null && v !== ''));
      const created = await post('/users', body, { idempotencyKey: key });
      toast(t('admin.userCreated', { name: created.displayName }));
      ctx.navigate('#/admin/users');
      return;
    }
    const body = { version: existing.version };
    for (const [k, v] of Object.entries(values)) {
      if (k === 'password') {
        if (v) body.password = v;
      } else if ((existing[k] ?? null) !== v) body[k] = v;
    }
    await patch(`/users/${id}`, body, { idempotencyKey: key });
    toast(t('common.saved'));
    ctx.navigate(location.hash);
  });

  let lifecycle = null;
  if (existing) {
    const message = h('div', { role: 'alert' });
    const act = async (path, done) => {
      replace(message);
      try {
        await post(`/users/${id}/${path}`);
        toast(done);
        ctx.navigate(location.hash);
      } catch (error) {
        if (error.status !== 401) replace(message, h('div', { class: 'form-error' }, problemText(error)));
      }
    };
    lifecycle = card(t('admin.account'),
      h('p', {}, existing.active ? h('span', { class: 'chip ok' }, t('admin.active')) : h('span', { class: 'chip bad' }, t('admin.inactive')),
        ' ', h('span', { class: 'muted small' }, t('admin.since', { time: dateTime(existing.updatedAt) }))),
      message,
      h('div', { class: 'actions' },
        existing.active
          ? h('button', { class: 'btn danger', type: 'button', data: { test: 'deactivate' }, onclick: () => act('deactivate', t('admin.deactivated')) }, t('admin.deactivate'))
          : h('button', { class: 'btn success', type: 'button', data: { test: 'reactivate' }, onclick: () => act('reactivate', t('admin.reactivated')) }, t('admin.reactivate')),
        h('button', { class: 'btn', type: 'button', data: { test: 'unlock' }, onclick: () => act('unlock', t('admin.unlocked')) }, t('admin.unlock'))));
  }
  el.classList.add('narrow');
  replace(ctx.main, h('div', { class: 'split' }, el, lifecycle));
}
