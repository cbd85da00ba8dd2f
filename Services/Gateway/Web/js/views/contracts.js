// Contracts in my scope, newest first, by status (and owner, from the dashboard's TOP5).
import { h, replace } from '../dom.js';
import { t, label } from '../i18n.js';
import { get, query } from '../api.js';
import { pagedList } from '../ui.js';
import { contractRow } from './deal.js';

const STATUSES = ['draft', 'pending_approval', 'approved', 'rejected', 'signed'];

export default async function contracts(ctx) {
  ctx.setTitle(t('title.contracts'));
  const { status, owner } = ctx.query;
  const tabs = h('nav', { class: 'pill-tabs', 'aria-label': t('contracts.byStatus') },
    [['', t('common.all')], ...STATUSES.map((s) => [s, label('contract', s)])].map(([value, text]) => h('a', {
      href: `#/contracts${query({ status: value, owner })}`, 'aria-current': (status || '') === value ? 'page' : null,
    }, text)));
  replace(ctx.main, owner ? h('div', { class: 'notice' }, t('contracts.ofOwner'), ' ', h('a', { href: '#/contracts' }, t('common.clearFilter'))) : null,
    tabs, pagedList({
      test: 'contract-list', emptyText: t('contracts.none'),
      fetchPage: (cursor) => get('/contracts', { cursor, limit: 20, status, owner }),
      renderItem: contractRow,
    }));
}
