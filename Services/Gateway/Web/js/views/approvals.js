// The approver's queue (waiting for me, oldest first) and every approval I take part in.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, query } from '../api.js';
import { pagedList } from '../ui.js';
import { approvalRow } from './inbox.js';

export default async function approvals(ctx) {
  ctx.setTitle(t('title.approvals'));
  const mine = ctx.query.view === 'all';
  const tabs = h('nav', { class: 'pill-tabs', 'aria-label': t('title.approvals') },
    h('a', { href: '#/approvals', 'aria-current': mine ? null : 'page' }, t('approvals.queue')),
    h('a', { href: `#/approvals${query({ view: 'all' })}`, 'aria-current': mine ? 'page' : null }, t('approvals.all')),
    h('a', { href: '#/delegation', data: { test: 'open-delegation' } }, t('delegation.title')));
  replace(ctx.main, tabs, pagedList({
    test: mine ? 'approval-list' : 'approval-queue',
    emptyText: mine ? t('common.empty') : t('inbox.noPending'),
    fetchPage: (cursor) => get('/approvals', mine ? { cursor } : { status: 'pending', cursor }),
    renderItem: approvalRow,
  }));
}
