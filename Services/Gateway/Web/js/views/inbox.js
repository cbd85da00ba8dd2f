// My inbox: approvals waiting for me (oldest first), then my notifications (newest first), paging with the cursor.
import { h } from '../dom.js';
import { t, label } from '../i18n.js';
import { get } from '../api.js';
import { pagedList, loading, errorBox, empty } from '../ui.js';
import { money, dateTime } from '../format.js';
import { replace } from '../dom.js';

const APPROVERS = ['supervisor', 'regional_manager', 'gm', 'admin'];

export function approvalRow(approval) {
  const step = approval.steps && approval.steps[approval.currentStep];
  return h('li', {}, h('a', { class: 'row', href: `#/approvals/${approval.id}`, data: { test: 'approval-row', contract: approval.contractNumber } },
    h('div', { class: 'avatar', 'aria-hidden': 'true' }, t('inbox.approvalMark')),
    h('div', { class: 'row-main' },
      h('div', { class: 'row-title' }, `${approval.contractNumber} · ${approval.customerName}`),
      h('div', { class: 'row-sub' }, t('approval.stepOf', { step: approval.currentStep + 1, count: approval.stepCount }),
        step ? ` · ${label('role', step.role)}` : '', ` · ${dateTime(approval.requestedAt)}`)),
    h('div', { class: 'row-side' }, h('div', { class: 'amount num' }, money(approval.amountFen)))));
}

export default async function inbox(ctx) {
  ctx.setTitle(t('title.inbox'));
  const pendingBox = h('div', { data: { test: 'inbox-pending' } });
  const parts = [];
  if (APPROVERS.includes(ctx.user.role)) {
    parts.push(h('h2', { class: 'section-title' }, t('inbox.pending')), pendingBox);
    replace(pendingBox, loading());
    get('/approvals', { status: 'pending', limit: 20 }).then((page) => {
      if (!ctx.isCurrent()) return;
      if (!page.items.length) replace(pendingBox, h('div', { class: 'card muted', data: { test: 'no-pending' } }, t('inbox.noPending')));
      else {
        replace(pendingBox, h('ul', { class: 'list' }, page.items.map(approvalRow)),
          page.nextCursor ? h('div', { class: 'loadmore' }, h('a', { class: 'btn', href: '#/approvals' }, t('inbox.allPending'))) : null);
      }
    }).catch((error) => replace(pendingBox, errorBox(error)));
  }
  const notifications = pagedList({
    test: 'notifications',
    emptyText: t('inbox.noNotifications'),
    fetchPage: (cursor) => get('/notifications', { cursor, limit: 20 }),
    renderItem: (n) => {
      const body = [h('div', { class: 'row-main' },
        h('div', { class: 'row-title' }, n.title),
        h('div', { class: 'row-sub' }, n.body),
        h('div', { class: 'row-sub small' }, dateTime(n.createdAt)))];
      const attrs = { class: `row${n.readAt ? '' : ' unread'}`, data: { test: 'notification', kind: n.kind } };
      return h('li', {}, n.approvalId ? h('a', { ...attrs, href: `#/approvals/${n.approvalId}` }, body) : h('div', attrs, body));
    },
  });
  parts.push(h('h2', { class: 'section-title' }, t('inbox.notifications')), notifications);
  replace(ctx.main, ...parts);
  ctx.refreshBadge();
}
