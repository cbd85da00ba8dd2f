// The warehouse's shipping queue (发货, issue 11): signed contracts with something left to ship, oldest signature first.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { pagedList } from '../ui.js';
import { businessDate, dateTime } from '../format.js';

function queueRow(c) {
  return h('li', {}, h('a', { class: 'row', href: `#/shipping/${c.contractId}`, data: { test: 'queue-row', number: c.number, customer: c.customerName } },
    h('div', { class: 'row-main' },
      h('div', { class: 'row-title' }, `${c.number} · ${c.customerName}`),
      h('div', { class: 'row-sub' }, [t('shipments.signedOn', { date: dateTime(c.signedAt) }),
        c.lastShippedOn ? t('shipments.lastShipped', { date: businessDate(c.lastShippedOn) }) : null].filter(Boolean).join(' · '))),
    h('div', { class: 'row-side' }, h('span', { class: `chip ${c.shipped > 0 ? 'info' : 'wait'}` },
      t('shipments.remainingOf', { remaining: c.remaining, ordered: c.ordered })))));
}

export default async function shipping(ctx) {
  ctx.setTitle(t('title.shipping'));
  replace(ctx.main, h('p', { class: 'muted small' }, t('shipments.queueHint')), pagedList({
    test: 'shipping-queue', emptyText: t('shipments.queueEmpty'),
    fetchPage: (cursor) => get('/shipping/queue', { cursor, limit: 20 }),
    renderItem: queueRow,
  }));
}
