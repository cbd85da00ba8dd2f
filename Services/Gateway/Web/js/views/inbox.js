// My inbox: approvals waiting for me (oldest first), then my notifications (newest first), paging with the cursor.
import { h } from '../dom.js';
import { t, label } from '../i18n.js';
import { get, post } from '../api.js';
import { pagedList, loading, errorBox, toast, problemText, chip } from '../ui.js';
import { money, dateTime } from '../format.js';
import { replace } from '../dom.js';
import { icon } from '../icons.js';
import { businessDate, shanghaiToday } from '../format.js';

const APPROVERS = ['supervisor', 'regional_manager', 'gm', 'admin'];

export function approvalRow(approval) {
  const step = approval.steps && approval.steps[approval.currentStep];
  return h('li', {}, h('a', { class: 'row', href: `#/approvals/${approval.id}`, data: { test: 'approval-row', contract: approval.contractNumber } },
    h('div', { class: 'avatar', 'aria-hidden': 'true' }, t('inbox.approvalMark')),
    h('div', { class: 'row-main' },
      h('div', { class: 'row-title' }, approval.title || approval.customerName),
      h('div', { class: 'row-sub' }, approval.contractNumber, ' · ', t('approval.stepOf', { step: Math.min(approval.currentStep + 1, approval.stepCount), count: approval.stepCount }),
        step && approval.status === 'pending' ? ` · ${label('role', step.role)}` : ''),
      step && approval.status === 'pending' && step.onBehalfOfName
        ? h('div', { class: 'row-sub small', data: { test: 'on-behalf' } }, t('delegation.forName', { name: step.onBehalfOfName })) : null,
      h('div', { class: 'row-sub small' }, dateTime(approval.requestedAt))),
    h('div', { class: 'row-side' }, h('div', { class: 'amount num' }, money(approval.amountFen)), approval.status !== 'pending' ? chip('approval', approval.status) : null)));
}

// The 09:00 daily digest (issue 12): its body is 【section】 lines, each followed by "· item" lines.
function digestBody(text) {
  const parts = [];
  let items = null;
  for (const line of String(text).split('\n')) {
    const heading = line.match(/^【(.+)】$/);
    if (heading) {
      items = h('ul', { class: 'digest-items' });
      parts.push(h('div', { class: 'digest-heading' }, heading[1]), items);
    } else if (items) {
      items.append(h('li', {}, line.replace(/^· /, '')));
    } else {
      parts.push(h('div', {}, line));
    }
  }
  return h('div', { class: 'row-sub digest', data: { test: 'digest' } }, parts);
}

export default async function inbox(ctx) {
  ctx.setTitle(t('title.inbox'));
  const pendingBox = h('div', { data: { test: 'inbox-pending' } });
  const parts = [h('div', { class: 'greeting' }, h('h2', {}, t('inbox.hello', { name: ctx.user.displayName })),
    h('p', {}, t('inbox.today', { date: businessDate(shanghaiToday()) })))];
  const quick = {
    rep: [['#/customers/new', 'plus', 'customers.new'], ['#/customers', 'customers', 'nav.customers'], ['#/deals', 'deals', 'nav.deals'], ['#/contracts', 'contracts', 'nav.contracts']],
    admin: [['#/admin/users', 'admin', 'admin.users'], ['#/admin/products', 'deals', 'admin.products'], ['#/dashboard', 'dashboard', 'nav.dashboard'], ['#/admin/policy', 'approvals', 'admin.policy']],
    finance: [['#/contracts', 'contracts', 'nav.contracts'], ['#/dashboard', 'dashboard', 'nav.dashboard'], ['#/admin/products', 'deals', 'admin.products'], ['#/customers', 'customers', 'nav.customers']],
  }[ctx.user.role] || [['#/approvals', 'approvals', 'nav.approvals'], ['#/dashboard', 'dashboard', 'nav.dashboard'], ['#/deals', 'deals', 'nav.deals'], ['#/customers', 'customers', 'nav.customers']];
  if (APPROVERS.includes(ctx.user.role)) {
    parts.push(h('h2', { class: 'section-title' }, t('inbox.pending')), pendingBox);
    replace(pendingBox, loading());
    const loadPending = () => get('/approvals', { status: 'pending', limit: 20 }).then((page) => {
      if (!ctx.isCurrent()) return;
      if (!page.items.length) replace(pendingBox, h('div', { class: 'card muted', data: { test: 'no-pending' } }, t('inbox.noPending')));
      else {
        replace(pendingBox, h('ul', { class: 'list' }, page.items.map(approvalRow)),
          page.nextCursor ? h('div', { class: 'loadmore' }, h('a', { class: 'btn', href: '#/approvals' }, t('inbox.allPending'))) : null);
      }
    }).catch((error) => {
      if (error.status !== 401) replace(pendingBox, errorBox(error));
    });
    loadPending();
    // The queue refreshes itself while the inbox is open, like the badge.
    const timer = setInterval(loadPending, 60000);
    ctx.onLeave(() => clearInterval(timer));
  }
  parts.push(h('nav', { class: 'quick', 'aria-label': t('more.screens') }, quick.map(([href, name, key]) => h('a', { href }, icon(name), h('span', {}, t(key))))));
  // Opening a notification marks it read; "mark all read" appears once a loaded page holds an unread one.
  const markAll = h('button', { class: 'btn small ghost', type: 'button', hidden: true, data: { test: 'read-all' }, onclick: async () => {
    try {
      await post('/notifications/read-all');
      for (const row of ctx.main.querySelectorAll('.row.unread')) row.classList.remove('unread');
      markAll.hidden = true;
      ctx.refreshBadge();
    } catch (error) {
      if (error.status !== 401) toast(problemText(error));
    }
  } }, t('inbox.readAll'));
  function markRead(n, row) {
    if (n.readAt) return;
    n.readAt = new Date().toISOString();
    row.classList.remove('unread');
    post(`/notifications/${n.id}/read`).then(() => ctx.refreshBadge()).catch(() => {});
  }
  const notifications = pagedList({
    test: 'notifications',
    emptyText: t('inbox.noNotifications'),
    fetchPage: async (cursor) => {
      const page = await get('/notifications', { cursor, limit: 20 });
      if (page.items.some((n) => !n.readAt)) markAll.hidden = false;
      return page;
    },
    renderItem: (n) => {
      const body = [h('div', { class: 'row-main' },
        n.kind === 'daily_digest' ? h('div', { class: 'row-sub small' }, chip('digest', 'daily')) : null,
        h('div', { class: 'row-title' }, n.title),
        n.kind === 'daily_digest' ? digestBody(n.body) : h('div', { class: 'row-sub' }, n.body),
        // The 未读 mark follows the row's class, so marking read (one or all) takes it away without a reload.
        h('div', { class: 'row-sub small' }, dateTime(n.createdAt), h('span', { class: 'unread-mark' }, ` · ${t('inbox.unread')}`)))];
      const attrs = { class: `row${n.readAt ? '' : ' unread'}`, data: { test: 'notification', kind: n.kind } };
      // The weekly completeness digest (issue 10) opens the completeness report.
      // An after-sales request from a customer's self-service page (issue 11) opens the 售后请求 list.
      const href = n.approvalId ? `#/approvals/${n.approvalId}` : n.kind === 'completeness_digest' ? '#/completeness'
        : n.kind === 'service_request' ? '#/service-requests' : null;
      if (href) {
        const link = h('a', { ...attrs, href }, body);
        link.addEventListener('click', () => markRead(n, link));
        return h('li', {}, link);
      }
      const row = h('div', attrs, body, n.readAt ? null : h('button', { class: 'btn small ghost', type: 'button', onclick: (event) => {
        markRead(n, row);
        event.currentTarget.remove();
      } }, t('inbox.markRead')));
      return h('li', {}, row);
    },
  });
  parts.push(h('div', { class: 'card-head section-title' }, h('span', {}, t('inbox.notifications')), markAll), notifications);
  replace(ctx.main, ...parts);
  ctx.refreshBadge();
}
