// A customer: details, the check-in button and the visits, contacts with call links, deals, and the audit trail (paged).
import { h, replace } from '../dom.js';
import { t, label } from '../i18n.js';
import { get, post } from '../api.js';
import { pagedList, chip, card, toast, problemText, sheet, field } from '../ui.js';
import { money, dateTime, businessDate, basisPoints } from '../format.js';
import { icon } from '../icons.js';
import { industryLabel } from './customers.js';
import { visitRow } from './visits.js';
import { outboxPanel } from './outbox.js';
import { rememberCustomer, rememberedCustomer } from '../visit-outbox.js';
import { locationCard } from './customer-location.js';
import { missingText } from './completeness.js';
import { portalLinkCard } from './portal-link.js';

export function dealRow(d) {
  return h('li', {}, h('a', { class: 'row', href: `#/deals/${d.id}`, data: { test: 'deal-row', title: d.title } },
    h('div', { class: 'row-main' },
      h('div', { class: 'row-title' }, d.title),
      h('div', { class: 'row-sub' }, `${d.customerName} · ${t('deals.closeBy', { date: businessDate(d.expectedCloseDate) })}`)),
    h('div', { class: 'row-side' }, h('div', { class: 'amount num' }, money(d.expectedAmountFen)), chip('stage', d.stage))));
}

function historyText(entry) {
  const fields = Object.keys(entry.changes || {});
  if (entry.action === 'created') return t('history.created');
  if (entry.action === 'transferred') return t('history.transferred');
  if (entry.action === 'archived') return t('history.archived');
  if (entry.action === 'restored') return t('history.restored');
  if (entry.action === 'merged') return t('history.merged');
  return t('history.updated', { fields: fields.map((f) => label('field', f)).join(t('common.listSep')) });
}

/** No connection: the customer as last shown on this phone, its check-in button and its visits waiting to be sent. */
function offlineCustomer(ctx, c) {
  ctx.setTitle(c.name);
  ctx.setBack('#/customers');
  replace(ctx.main, h('div', {},
    h('p', { class: 'notice warn', role: 'status', data: { test: 'customer-offline' } }, t('outbox.offlineCustomer')),
    c.archived ? null : h('a', { class: 'btn primary block big checkin', href: `#/customers/${c.id}/check-in`, data: { test: 'check-in' } }, icon('pin'), t('visits.checkIn')),
    card(null, h('h2', { data: { test: 'customer-name' } }, c.name)),
    // Once its visits are sent the connection is back: show the customer as usual.
    outboxPanel({ ctx, customerId: c.id, onSent: () => ctx.navigate(location.hash) })));
}

export default async function customer(ctx) {
  let c;
  try {
    c = await get(`/customers/${ctx.params.id}`);
  } catch (error) {
    const kept = error.status === 0 && ctx.user.role !== 'finance' ? rememberedCustomer(ctx.params.id) : null;
    if (!kept) throw error;
    offlineCustomer(ctx, kept);
    return;
  }
  // Another screen was opened while this customer loaded (two quick hash changes): that screen owns the page now.
  if (!ctx.isCurrent()) return;
  if (ctx.user.role !== 'finance') rememberCustomer(c);
  ctx.setTitle(c.name);
  ctx.setBack('#/customers');
  const seller = ctx.user.role !== 'finance';
  const merged = c.status === 'merged';
  // An archived customer is read-only until restored (the API answers 409), a merged one for good: no edit.
  if (seller && !c.archived && !merged) ctx.setActions(h('a', { class: 'btn small ghost', href: `#/customers/${c.id}/edit`, data: { test: 'edit-customer' } }, t('common.edit')));
  const canMerge = MERGERS.includes(ctx.user.role) && !c.archived && !merged;

  const details = card(null,
    h('div', { class: 'card-head' }, h('h2', { data: { test: 'customer-name' } }, c.name), c.archived ? h('span', { class: 'chip bad', data: { test: 'archived' } }, t('customers.archived')) : null,
      merged ? h('span', { class: 'chip', data: { test: 'merged' } }, label('customerStatus', 'merged')) : null),
    merged ? h('p', { class: 'notice warn', data: { test: 'merged-notice' } }, t('customers.mergedNotice'), ' ',
      h('a', { href: `#/customers/${c.mergedInto}`, data: { test: 'open-survivor' } }, t('customers.openSurvivor'))) : null,
    h('dl', { class: 'kv' },
      h('dt', {}, t('customers.creditCode')), h('dd', { class: 'num', data: { test: 'credit-code' } }, c.creditCode || '—'),
      h('dt', {}, t('customers.level')), h('dd', { data: { test: 'customer-level' } }, c.level ? label('level', c.level) : t('customers.notGraded')),
      h('dt', {}, t('customers.source')), h('dd', { data: { test: 'customer-source' } }, c.source ? label('source', c.source) : '—'),
      h('dt', {}, t('customers.status')), h('dd', { data: { test: 'customer-status' } }, label('customerStatus', c.status || 'active')),
      h('dt', {}, t('customers.industry')), h('dd', {}, industryLabel(c.industry)),
      h('dt', {}, t('customers.region')), h('dd', {}, c.region),
      c.address ? [h('dt', {}, t('customers.address')), h('dd', {}, c.address)] : null,
      c.notes ? [h('dt', {}, t('customers.notes')), h('dd', {}, c.notes)] : null,
      h('dt', {}, t('common.created')), h('dd', {}, dateTime(c.createdAt))),
    c.completeness ? completenessBlock(c.completeness) : null,
    seller && !merged ? archiveControl(c, ctx) : null,
    canMerge ? h('div', { class: 'actions' }, h('button', { class: 'btn small', type: 'button', data: { test: 'merge-customer' },
      onclick: () => openMerge(c, ctx) }, t('customers.merge'))) : null);

  const contacts = h('ul', { class: 'list', data: { test: 'contact-list' } }, c.contacts.map((p) => h('li', {},
    h('div', { class: 'row' },
      h('div', { class: 'avatar', 'aria-hidden': 'true' }, p.name.slice(0, 1)),
      h('div', { class: 'row-main' },
        h('div', { class: 'row-title' }, p.name, p.title ? h('span', { class: 'muted small' }, ` · ${p.title}`) : null),
        h('div', { class: 'row-sub' }, [p.phone, p.email].filter(Boolean).join(' · '))),
      p.phone ? h('a', { class: 'btn call small', href: `tel:${p.phone.replace(/[^\d+]/g, '')}`, 'aria-label': t('contact.callName', { name: p.name }), data: { test: 'call-link' } }, icon('phone'), t('contact.call')) : null,
      !p.phone && p.email ? h('a', { class: 'btn small', href: `mailto:${p.email}` }, t('contact.email')) : null))));

  const deals = pagedList({
    test: 'customer-deals', emptyText: t('deals.none'),
    fetchPage: (cursor) => get('/deals', { customer: c.id, cursor, limit: 10 }),
    renderItem: dealRow,
  });

  const history = pagedList({
    test: 'customer-history', emptyText: t('common.empty'),
    fetchPage: (cursor) => get(`/customers/${c.id}/history`, { cursor, limit: 10 }),
    renderItem: (e) => h('li', {}, h('div', { class: 'row' }, h('div', { class: 'row-main' },
      h('div', { class: 'row-title' }, historyText(e)), h('div', { class: 'row-sub' }, dateTime(e.at))))),
  });

  const checkIn = seller && !c.archived && !merged
    ? h('a', { class: 'btn primary block big checkin', href: `#/customers/${c.id}/check-in`, data: { test: 'check-in' } }, icon('pin'), t('visits.checkIn'))
    : null;
  const visitList = () => pagedList({
    test: 'customer-visits', emptyText: t('visits.noneHere'),
    fetchPage: (cursor) => get(`/customers/${c.id}/visits`, { cursor, limit: 10 }),
    renderItem: (v) => visitRow(v, { user: ctx.user, showRep: ctx.user.role !== 'rep' }),
  });
  const visits = h('div', {}, visitList());
  // A visit sent from this phone's outbox shows in the list as soon as it is sent.
  const waiting = seller ? outboxPanel({ ctx, customerId: c.id, onSent: () => replace(visits, visitList()) }) : null;

  replace(ctx.main, h('div', { class: 'split' },
    h('div', {}, checkIn, details, locationCard(c, ctx.user, () => {}),
      waiting, h('h2', { class: 'section-title' }, t('visits.title')), visits,
      h('h2', { class: 'section-title' }, t('customers.contacts')), contacts),
    h('div', {},
      // 客户自助二维码: the customer's self-service link, for the owner and their managers.
      seller && !c.archived && !merged ? portalLinkCard(c) : null,
      h('div', { class: 'card-head section-title' }, h('span', {}, t('title.deals')),
        // Archived and merged customers take no new deals (the API answers 422).
        seller && !c.archived && !merged ? h('a', { class: 'btn small primary', href: `#/deals/new?customer=${c.id}`, data: { test: 'new-deal' } }, icon('plus'), t('deals.new')) : null),
      deals,
      h('h2', { class: 'section-title' }, t('customers.history')), history)));
}

// The customer's data completeness and, in words, what is missing (the target is 95%).
function completenessBlock(score) {
  return h('div', { class: 'completeness-block', data: { test: 'customer-completeness' } },
    h('div', { class: 'card-head' }, h('h3', {}, t('completeness.customerTitle')),
      h('span', { class: `chip ${score.scoreBp < 9500 ? 'wait' : 'ok'} num`, data: { test: 'completeness-score' } }, basisPoints(score.scoreBp))),
    h('p', { class: 'hint', data: { test: 'completeness-missing' } },
      score.missing.length ? t('completeness.missing', { items: missingText(score.missing) }) : t('completeness.complete')));
}

const MERGERS = ['supervisor', 'regional_manager', 'gm', 'admin'];

/** The merge sheet: search the other customer by name, pick it, confirm; the survivor is this customer. */
function openMerge(c, ctx) {
  sheet(t('customers.mergeTitle', { name: c.name }), (close) => {
    const search = field({ name: 'mergeSearch', label: t('customers.mergeSearch'), type: 'search', attrs: { enterkeyhint: 'search' } });
    const results = h('ul', { class: 'list', data: { test: 'merge-results' } });
    const confirmBox = h('div', { role: 'alert' });
    let timer = null;
    async function find() {
      const q = search.input.value.trim();
      if (!q) { replace(results); return; }
      try {
        const page = await get('/customers', { q, limit: 10 });
        replace(results, page.items.filter((x) => x.id !== c.id).map((x) => h('li', {}, h('button', { type: 'button', class: 'row', data: { test: 'merge-pick', name: x.name },
          onclick: () => pick(x) }, h('div', { class: 'row-main' }, h('div', { class: 'row-title' }, x.name),
          h('div', { class: 'row-sub' }, [x.region, x.creditCode, x.contacts[0]?.name].filter(Boolean).join(' · ')))))));
      } catch (error) {
        if (error.status !== 401) replace(results, h('li', { class: 'form-error' }, problemText(error)));
      }
    }
    function pick(other) {
      const go = h('button', { type: 'button', class: 'btn primary', data: { test: 'confirm-merge' }, onclick: async () => {
        go.disabled = true;
        try {
          const survivor = await post(`/customers/${c.id}/merge`, { from: other.id });
          close();
          toast(t('customers.mergedToast'));
          ctx.navigate(`#/customers/${survivor.id}`);
        } catch (error) {
          go.disabled = false;
          if (error.status !== 401) confirmBox.append(h('div', { class: 'form-error' }, problemText(error)));
        }
      } }, t('customers.mergeConfirm'));
      replace(confirmBox, h('p', { data: { test: 'merge-confirm-text' } }, t('customers.mergeConfirmText', { from: other.name, into: c.name })),
        h('div', { class: 'actions' }, go, h('button', { type: 'button', class: 'btn ghost', onclick: close }, t('common.cancel'))));
    }
    search.input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(find, 250); });
    return h('div', { data: { test: 'merge-sheet' } }, h('p', { class: 'hint' }, t('customers.mergeHint')), search, results, confirmBox);
  });
}

function archiveControl(c, ctx) {
  const message = h('div', { role: 'alert' });
  const archived = c.archived === true;
  const button = h('button', { class: 'btn small', type: 'button', data: { test: archived ? 'restore-customer' : 'archive-customer' }, onclick: async () => {
    replace(message);
    button.disabled = true;
    try {
      await post(`/customers/${c.id}/${archived ? 'restore' : 'archive'}`);
      toast(archived ? t('customers.restoredToast') : t('customers.archivedToast'));
      ctx.navigate(location.hash);
    } catch (error) {
      button.disabled = false;
      if (error.status !== 401) replace(message, h('div', { class: 'form-error' }, problemText(error)));
    }
  } }, archived ? t('customers.restore') : t('customers.archive'));
  return h('div', {}, message, h('div', { class: 'actions' }, button));
}
