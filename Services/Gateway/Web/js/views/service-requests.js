// 售后请求: the after-sales requests customers sent from their self-service page, for their owners (and managers in
// scope). Open ones first; marking one done keeps it in the list as done.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import { pagedList, toast, problemText } from '../ui.js';
import { dateTime } from '../format.js';

function requestRow(r, ctx) {
  const message = h('div', { role: 'alert' });
  const status = h('span', { class: `chip ${r.status === 'open' ? 'wait' : 'ok'}`, data: { test: 'service-request-status', status: r.status } },
    t(`serviceRequests.status.${r.status}`));
  const done = r.status === 'open' && ctx.user.role !== 'finance'
    ? h('button', { class: 'btn', type: 'button', data: { test: 'service-request-done' }, onclick: async () => {
      done.disabled = true;
      try {
        await post(`/service-requests/${r.id}/done`);
        toast(t('serviceRequests.doneToast'));
        replace(status, t('serviceRequests.status.done'));
        status.className = 'chip ok';
        status.dataset.status = 'done';
        done.parentElement.remove();
      } catch (error) {
        done.disabled = false;
        if (error.status !== 401) replace(message, h('div', { class: 'form-error' }, problemText(error)));
      }
    } }, t('serviceRequests.markDone'))
    : null;
  // The customer's words can be long: they wrap on the phone, with the status and the button below them.
  return h('li', {}, h('div', { class: 'service-request', data: { test: 'service-request-row', customer: r.customerName } },
    h('div', { class: 'card-head' }, h('a', { href: `#/customers/${r.customerId}` }, r.customerName), status),
    r.contractNumber ? h('p', { class: 'muted small' }, r.contractNumber) : null,
    h('p', { data: { test: 'service-request-text' } }, r.description),
    h('p', { class: 'small' }, r.contactName, ' · ',
      h('a', { href: `tel:${r.phone.replace(/[^\d+]/g, '')}` }, r.phone), ' · ', dateTime(r.submittedAt)),
    message, done ? h('div', { class: 'actions' }, done) : null));
}

export default async function serviceRequests(ctx) {
  ctx.setTitle(t('title.serviceRequests'));
  ctx.setBack('#/inbox');
  const filter = ctx.query.status === 'done' ? 'done' : ctx.query.status === 'all' ? '' : 'open';
  const tabs = h('nav', { class: 'seg-tabs' }, [['open', 'serviceRequests.open'], ['done', 'serviceRequests.done'], ['all', 'serviceRequests.all']]
    .map(([value, key]) => h('a', { class: 'seg', 'aria-current': (filter || 'all') === value ? 'page' : null, href: `#/service-requests?status=${value}`,
      data: { test: `service-requests-${value}` } }, t(key))));
  replace(ctx.main, tabs, pagedList({
    test: 'service-requests', emptyText: t('serviceRequests.none'),
    fetchPage: (cursor) => get('/service-requests', { status: filter, cursor, limit: 20 }),
    renderItem: (r) => requestRow(r, ctx),
  }));
}
