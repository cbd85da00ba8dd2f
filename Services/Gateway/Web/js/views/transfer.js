// Transfer a leaving rep's customers to another user (supervisor and up, within their scope).
import { h, replace } from '../dom.js';
import { t, label } from '../i18n.js';
import { get, post } from '../api.js';
import { field, form, invalid, card } from '../ui.js';

export default async function transfer(ctx) {
  ctx.setTitle(t('admin.transfer'));
  if (ctx.user.role === 'admin') ctx.setBack('#/admin');
  // Only the admin may list users; others type the user ids (shown on the admin's user page).
  let users = null;
  if (ctx.user.role === 'admin') {
    users = [];
    let cursor = null;
    do {
      const page = await get('/users', { cursor, limit: 200 });
      users.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && users.length < 2000);
  }
  const options = (filter) => [{ value: '', label: t('common.choose') },
    ...users.filter(filter).map((u) => ({ value: u.id, label: `${u.displayName} (${u.username}) · ${label('role', u.role)}${u.active ? '' : ` · ${t('admin.inactive')}`}` }))];
  const from = users ? field({ name: 'fromUserId', label: t('transfer.from'), required: true, options: options(() => true) })
    : field({ name: 'fromUserId', label: t('transfer.fromId'), required: true });
  const to = users ? field({ name: 'toUserId', label: t('transfer.to'), required: true, options: options((u) => u.active) })
    : field({ name: 'toUserId', label: t('transfer.toId'), required: true });
  const result = h('div', { role: 'status', data: { test: 'transfer-result' } });
  const el = form({ data: { test: 'transfer-form' } }, [from, to,
    h('button', { type: 'submit', class: 'btn primary', data: { test: 'do-transfer' } }, t('transfer.submit'))], async (_f, key) => {
    const body = { fromUserId: from.input.value.trim(), toUserId: to.input.value.trim() };
    const errors = {};
    if (!body.fromUserId) errors.fromUserId = [t('error.required')];
    if (!body.toUserId) errors.toUserId = [t('error.required')];
    if (body.fromUserId && body.fromUserId === body.toUserId) errors.toUserId = [t('transfer.same')];
    if (Object.keys(errors).length) throw invalid(errors);
    const reply = await post('/customers/transfer', body, { idempotencyKey: key });
    replace(result, h('div', { class: 'notice ok' }, t('transfer.done', { n: reply.transferred })));
  });
  el.classList.add('narrow');
  replace(ctx.main, card(null, h('p', { class: 'hint' }, t('transfer.hint')), el), result);
}
