// "More" (the phone's last tab, the desktop's settings): who I am, language, every screen of my role, sign out.
import { h, replace } from '../dom.js';
import { t, label, loadMessages } from '../i18n.js';
import { card } from '../ui.js';
import { icon } from '../icons.js';
import { languageSwitch } from './signin.js';
import { ADMIN_LINKS } from './admin.js';

export default async function more(ctx) {
  ctx.setTitle(t('title.more'));
  // The 报销 link's name lives with the expense-claim screens' strings (the first screen's budget).
  await loadMessages('expenses');
  const u = ctx.user;
  const warehouse = u.role === 'warehouse';
  const links = warehouse ? [['#/shipping', 'nav.shipping'], ['#/inbox', 'nav.inbox']]
    : [['#/inbox', 'nav.inbox'], ['#/customers', 'nav.customers'], ['#/deals', 'nav.deals'], ['#/contracts', 'nav.contracts'], ['#/shipping', 'nav.shipping']];
  if (['supervisor', 'regional_manager', 'gm', 'admin'].includes(u.role)) links.push(['#/approvals', 'nav.approvals']);
  if (!warehouse) links.push(['#/expense-claims', 'nav.expenses']);
  if (u.role !== 'finance' && !warehouse) links.push(['#/visits', 'nav.visits']);
  if (u.role !== 'finance' && !warehouse) links.push(['#/service-requests', 'title.serviceRequests']);
  if (['supervisor', 'regional_manager', 'gm', 'admin', 'finance'].includes(u.role)) links.push(['#/dashboard', 'nav.dashboard']);
  if (!warehouse) links.push(['#/completeness', 'title.completeness']);
  if (!warehouse) links.push(['#/repurchase', 'more.repurchase']);
  if (['supervisor', 'regional_manager', 'gm', 'admin', 'finance'].includes(u.role)) links.push(['#/receivables', 'title.receivables']);
  if (u.role === 'finance') links.push(['#/admin/products', 'admin.products']);
  if (['supervisor', 'regional_manager', 'gm'].includes(u.role)) links.push(['#/transfer', 'admin.transfer']);
  if (['supervisor', 'regional_manager', 'gm', 'admin'].includes(u.role)) links.push(['#/delegation', 'delegation.title']);
  const adminLinks = u.role === 'admin' ? ADMIN_LINKS.map(([href, title]) => [href, title]) : [];
  const row = ([href, key]) => h('li', {}, h('a', { class: 'row', href }, h('div', { class: 'row-main' }, h('div', { class: 'row-title' }, t(key)))));
  replace(ctx.main,
    card(null, h('div', { class: 'row' }, h('div', { class: 'avatar', 'aria-hidden': 'true' }, [...u.displayName][0] || '?'),
      h('div', { class: 'row-main' }, h('div', { class: 'row-title', data: { test: 'me-name' } }, u.displayName),
        h('div', { class: 'row-sub' }, [u.username, label('role', u.role), u.region].filter(Boolean).join(' · '))))),
    card(t('common.language'), languageSwitch((next) => ctx.setLocale(next))),
    h('h2', { class: 'section-title' }, t('more.screens')), h('ul', { class: 'list' }, links.map(row)),
    adminLinks.length ? [h('h2', { class: 'section-title' }, t('title.admin')), h('ul', { class: 'list' }, adminLinks.map(row))] : null,
    h('div', { class: 'actions' }, h('button', { class: 'btn block', type: 'button', data: { test: 'sign-out' }, onclick: () => ctx.signOut() }, icon('logout'), t('more.signOut'))));
}
