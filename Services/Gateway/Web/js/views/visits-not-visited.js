// 久未拜访客户: customers in scope not visited for 30, 60 or 90 days (or never), never-visited first, then the
// longest-unvisited; each row opens the customer.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { pagedList } from '../ui.js';
import { dateTime } from '../format.js';
import { visitTabs } from './visits.js';

const DAY_CHOICES = [30, 60, 90];

function row(c) {
  const since = c.lastVisitAt
    ? t('visitViews.daysSince', { n: c.daysSinceLastVisit })
    : t('visitViews.never');
  return h('li', {}, h('a', { class: 'row', href: `#/customers/${c.customerId}`,
    data: { test: 'not-visited-row', name: c.customerName, days: c.daysSinceLastVisit ?? 'never' } },
  h('div', { class: 'row-main' },
    h('div', { class: 'row-title' }, c.customerName),
    h('div', { class: 'row-sub' }, [c.ownerName || c.ownerId || t('visitViews.noOwner'), c.region].join(' · ')),
    c.lastVisitAt ? h('div', { class: 'row-sub' }, t('visitViews.lastVisit', { time: dateTime(c.lastVisitAt) })) : null),
  h('div', { class: 'row-side' }, h('span', { class: `chip ${c.lastVisitAt ? 'wait' : 'bad'}` }, since))));
}

export default async function visitsNotVisited(ctx) {
  ctx.setTitle(t('visitViews.notVisited'));
  const days = DAY_CHOICES.includes(Number(ctx.query.days)) ? Number(ctx.query.days) : 30;
  const choices = h('div', { class: 'seg-tabs choice', role: 'group', 'aria-label': t('visitViews.daysLabel'), data: { test: 'days-choice' } },
    DAY_CHOICES.map((n) => h('a', { href: `#/visits/not-visited?days=${n}`, class: 'seg', 'aria-current': n === days ? 'true' : null,
      data: { test: `days-${n}` } }, t('visitViews.daysN', { n }))));
  const list = pagedList({
    test: 'not-visited-list', emptyText: t('visitViews.allVisited', { n: days }),
    fetchPage: (cursor) => get('/customers/not-visited', { days, cursor, limit: 30 }),
    renderItem: row,
  });
  replace(ctx.main, h('div', {}, visitTabs('notVisited'), choices,
    h('p', { class: 'hint' }, t('visitViews.notVisitedHint', { n: days })), list));
}
