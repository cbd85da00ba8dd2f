// Deals in my scope, newest first, filtered by stage (and owner, from dashboard links).
import { h, replace } from '../dom.js';
import { t, label } from '../i18n.js';
import { get, query } from '../api.js';
import { pagedList } from '../ui.js';
import { dealRow } from './customer.js';

export const STAGES = ['lead', 'qualified', 'quoted', 'contract', 'delivered', 'paid', 'lost'];

export default async function deals(ctx) {
  ctx.setTitle(t('title.deals'));
  const { stage, owner } = ctx.query;
  const tabs = h('nav', { class: 'pill-tabs', 'aria-label': t('deals.byStage') },
    [['', t('common.all')], ...STAGES.map((s) => [s, label('stage', s)])].map(([value, text]) => h('a', {
      href: `#/deals${query({ stage: value, owner })}`, 'aria-current': (stage || '') === value ? 'page' : null,
    }, text)));
  const list = pagedList({
    test: 'deal-list', emptyText: t('deals.none'),
    fetchPage: (cursor) => get('/deals', { cursor, limit: 20, stage, owner }),
    renderItem: dealRow,
  });
  replace(ctx.main, owner ? h('div', { class: 'notice' }, t('deals.ofOwner'), ' ', h('a', { href: '#/deals' }, t('common.clearFilter'))) : null, tabs, list,
    h('p', { class: 'hint' }, t('deals.newHint')));
}
