// The shell: boot, hash router, navigation (bottom tab bar on phones, side nav on desktop) and the approvals badge.
// A screen is one module in views/ plus one line in ROUTES.
import { h, replace } from './dom.js';
import { initI18n, t, setLocale, locale, label, loadMessages } from './i18n.js';
import { currentUser, setSignedOutHandler, signOut, get } from './api.js';
import { icon } from './icons.js';
import { loading, errorBox } from './ui.js';
import * as outbox from './visit-outbox.js';

/** A screen's module once its own strings (one name or several) are in the dictionary too (i18n.js loadMessages). */
async function withMessages(names, module) {
  for (const name of [].concat(names)) await loadMessages(name);
  return module;
}

const APPROVERS = ['supervisor', 'regional_manager', 'gm', 'admin'];
const MANAGERS = ['supervisor', 'regional_manager', 'gm', 'admin', 'finance'];
const SELLERS = ['rep', 'supervisor', 'regional_manager', 'gm', 'admin'];
// Everyone but the warehouse, whose screens are the shipping queue and the inbox (issue 11).
const OFFICE = ['rep', 'supervisor', 'regional_manager', 'gm', 'admin', 'finance'];

// path pattern, module, nav item it belongs to, roles allowed (all when absent).
const ROUTES = [
  ['/inbox', () => import('./views/inbox.js'), 'inbox'],
  ['/customers', () => import('./views/customers.js'), 'customers'],
  ['/customers/new', () => import('./views/customer-form.js'), 'customers', SELLERS],
  ['/customers/import', () => import('./views/customer-import.js'), 'customers', SELLERS],
  ['/customers/:id', () => import('./views/customer.js'), 'customers'],
  ['/customers/:id/check-in', () => import('./views/visit-checkin.js'), 'customers', SELLERS],
  ['/visits', () => import('./views/visits.js'), 'visits', SELLERS],
  ['/outbox', () => import('./views/outbox.js'), 'customers', SELLERS],
  ['/visits/weekly', () => import('./views/visits-weekly.js'), 'visits', SELLERS],
  ['/visits/not-visited', () => import('./views/visits-not-visited.js'), 'visits', SELLERS],
  ['/visits/overdue', () => import('./views/visits-overdue.js'), 'visits', SELLERS],
  ['/customers/:id/edit', () => import('./views/customer-form.js'), 'customers', SELLERS],
  ['/deals', () => import('./views/deals.js'), 'deals'],
  ['/deals/new', () => import('./views/deal-form.js'), 'deals', SELLERS],
  ['/deals/:id', () => withMessages('discount', import('./views/deal.js')), 'deals'],
  ['/deals/:id/quote', () => withMessages('discount', import('./views/quote-builder.js')), 'deals', SELLERS],
  ['/deals/:id/edit', () => import('./views/deal-edit.js'), 'deals', SELLERS],
  ['/contracts', () => import('./views/contracts.js'), 'contracts'],
  ['/contracts/:id', () => withMessages('reminders', import('./views/contract.js')), 'contracts'],
  ['/approvals', () => import('./views/approvals.js'), 'approvals'],
  ['/delegation', () => import('./views/delegations.js'), 'approvals', APPROVERS],
  ['/approvals/:id', () => withMessages('reminders', import('./views/approval.js')), 'approvals'],
  ['/expense-claims', () => withMessages('expenses', import('./views/expense-claims.js')), 'expenses', OFFICE],
  ['/dashboard', () => withMessages('kpi', import('./views/dashboard.js')), 'dashboard', MANAGERS],
  ['/kpis/:kpi', () => withMessages('kpi', import('./views/kpi-records.js')), 'dashboard', MANAGERS],
  ['/approval-sla/breaches', () => withMessages('approval-sla', import('./views/approval-sla-breaches.js')), 'dashboard', MANAGERS],
  ['/completeness', () => import('./views/completeness.js'), 'dashboard'],
  ['/repurchase', () => import('./views/repurchase.js'), 'dashboard'],
  ['/receivables', () => import('./views/receivables.js'), 'receivables', MANAGERS],
  ['/receivables/installments', () => import('./views/receivable-installments.js'), 'receivables', MANAGERS],
  ['/admin', () => withMessages('admin', import('./views/admin.js')), 'admin', ['admin']],
  ['/admin/users', () => withMessages('admin', import('./views/admin-users.js')), 'admin', ['admin']],
  ['/admin/users/new', () => withMessages('admin', import('./views/admin-user-form.js')), 'admin', ['admin']],
  ['/admin/users/:id', () => withMessages('admin', import('./views/admin-user-form.js')), 'admin', ['admin']],
  ['/admin/regions', () => withMessages('admin', import('./views/admin-regions.js')), 'admin', ['admin']],
  ['/admin/holidays', () => withMessages('admin', import('./views/admin-holidays.js')), 'admin', ['admin']],
  ['/admin/products', () => withMessages('admin', import('./views/admin-products.js')), 'admin', ['admin', 'finance']],
  ['/admin/products/:id', () => withMessages('admin', import('./views/admin-product.js')), 'admin', ['admin', 'finance']],
  ['/admin/audit', () => withMessages('admin', import('./views/admin-audit.js')), 'admin', ['admin']],
  ['/admin/policy', () => withMessages(['admin', 'reminders'], import('./views/admin-policy.js')), 'admin', ['admin']],
  ['/admin/webhooks', () => withMessages(['admin', 'webhooks'], import('./views/admin-webhooks.js')), 'admin', ['admin']],
  ['/admin/webhooks/:id', () => withMessages(['admin', 'webhooks'], import('./views/admin-webhook.js')), 'admin', ['admin']],
  // Discount limits (折扣权限, issue 12).
  ['/admin/discount-limits', () => withMessages(['admin', 'discount'], import('./views/admin-discount-limits.js')), 'admin', ['admin']],
  ['/transfer', () => import('./views/transfer.js'), 'admin', ['supervisor', 'regional_manager', 'gm', 'admin']],
  ['/shipping', () => import('./views/shipping.js'), 'shipping'],
  ['/shipping/:id', () => import('./views/shipment-record.js'), 'shipping'],
  ['/service-requests', () => import('./views/service-requests.js'), 'inbox'],
  ['/more', () => import('./views/more.js'), 'more'],
].map(([pattern, load, nav, roles]) => ({ pattern, load, nav, roles, regex: compile(pattern) }));

// Navigation items; `tabs` lists, per role, which four sit in the phone's tab bar (the rest are under "more").
const NAV = [
  { id: 'inbox', href: '#/inbox', icon: 'inbox', badge: true },
  { id: 'approvals', href: '#/approvals', icon: 'approvals', roles: APPROVERS, badge: true },
  { id: 'shipping', href: '#/shipping', icon: 'truck', roles: ['warehouse'] },
  { id: 'customers', href: '#/customers', icon: 'customers', roles: OFFICE },
  { id: 'deals', href: '#/deals', icon: 'deals', roles: OFFICE },
  { id: 'contracts', href: '#/contracts', icon: 'contracts', roles: OFFICE },
  { id: 'visits', href: '#/visits', icon: 'pin', roles: APPROVERS },
  { id: 'dashboard', href: '#/dashboard', icon: 'dashboard', roles: MANAGERS },
  { id: 'receivables', href: '#/receivables', icon: 'money', roles: MANAGERS },
  { id: 'admin', href: '#/admin', icon: 'admin', roles: ['admin'] },
];
const TABS = {
  rep: ['inbox', 'customers', 'deals', 'contracts'],
  supervisor: ['inbox', 'approvals', 'customers', 'dashboard'],
  regional_manager: ['inbox', 'approvals', 'customers', 'dashboard'],
  gm: ['inbox', 'approvals', 'dashboard', 'customers'],
  finance: ['inbox', 'contracts', 'receivables', 'dashboard'],
  admin: ['inbox', 'admin', 'dashboard', 'customers'],
  warehouse: ['shipping', 'inbox'],
};

/** Where a user lands: the warehouse on its shipping queue, everyone else in the inbox. */
function home(u = state.user) {
  return u && u.role === 'warehouse' ? '/shipping' : '/inbox';
}

const state = { user: null, cleanup: null, badgeTimer: null, pending: 0, renderId: 0 };
const root = document.getElementById('app');

function compile(pattern) {
  return new RegExp(`^${pattern.replace(/:(\w+)/g, '(?<$1>[^/]+)')}$`);
}

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || home();
  const [path, search = ''] = raw.split('?');
  return { path, query: Object.fromEntries(new URLSearchParams(search)) };
}

export function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

export function user() {
  return state.user;
}

function allowed(roles) {
  return !roles || roles.includes(state.user.role);
}

async function boot() {
  await initI18n();
  const skip = document.querySelector('.skip-link');
  if (skip) skip.textContent = t('common.skip');
  setSignedOutHandler(() => {
    if (state.user) {
      state.user = null;
      showSignIn();
    }
  });
  window.addEventListener('hashchange', () => route());
  document.addEventListener('sd:badge', () => refreshBadge());
  try {
    state.user = await currentUser();
    remember(state.user);
  } catch (error) {
    // No connection (a workshop without signal): the shell of the user last signed in on this phone, so visits can
    // still be checked in and wait in the outbox; every API call says it is offline until the connection returns.
    state.user = error.status === 0 ? remembered() : null;
    if (!state.user) {
      replace(root, errorBox(error, () => location.reload()));
      return;
    }
  }
  if (state.user) startShell();
  else await showSignIn();
  // When the first screen stood on the page, for the story and the benchmark (performance.getEntriesByName).
  if (performance.mark) performance.mark('sd:first-screen');
}

const USER_KEY = 'salesdesk.user';

function remember(u) {
  try {
    if (u) localStorage.setItem(USER_KEY, JSON.stringify({ id: u.id, username: u.username, displayName: u.displayName, role: u.role, region: u.region }));
    else localStorage.removeItem(USER_KEY);
  } catch {
    // Private mode: no offline start, nothing else changes.
  }
}

function remembered() {
  try {
    return JSON.parse(localStorage.getItem(USER_KEY) || 'null');
  } catch {
    return null;
  }
}

async function showSignIn() {
  stopBadge();
  outbox.stop();
  if (state.cleanup) state.cleanup();
  state.cleanup = null;
  document.title = `${t('signin.title')} · SalesDesk`;
  const skip = document.querySelector('.skip-link');
  if (skip) skip.textContent = t('common.skip');
  const view = await import('./views/signin.js');
  replace(root, view.default({
    onSignedIn(u) {
      state.user = u;
      remember(u);
      // The warehouse starts on its shipping queue, unless a link named another screen.
      const path = parseHash().path;
      if (path === '/signin' || !location.hash || (path === '/inbox' && home(u) !== '/inbox')) location.hash = `#${home(u)}`;
      startShell();
    },
    onLocale: async (next) => {
      await setLocale(next);
      showSignIn();
    },
  }));
}

function startShell() {
  renderShell();
  outbox.start(state.user);
  route();
  refreshBadge();
  stopBadge();
  state.badgeTimer = setInterval(refreshBadge, 60000);
}

function stopBadge() {
  clearInterval(state.badgeTimer);
  state.badgeTimer = null;
}

function navItems() {
  return NAV.filter((item) => allowed(item.roles));
}

function navLabel(id) {
  return t(`nav.${id}`);
}

function badge(item) {
  return item.badge ? h('span', { class: 'badge', hidden: true, data: { test: `badge-${item.id}`, badge: '' }, 'aria-label': '' }) : null;
}

function renderShell() {
  const u = state.user;
  const tabIds = TABS[u.role] || ['inbox', 'customers'];
  const items = navItems();
  const tabs = tabIds.map((id) => items.find((i) => i.id === id)).filter(Boolean);
  const tabbar = h('nav', { class: 'tabbar', 'aria-label': t('nav.main'), data: { test: 'tabbar' } },
    tabs.map((item) => h('a', { href: item.href, data: { nav: item.id, test: `tab-${item.id}` } }, icon(item.icon), h('span', {}, navLabel(item.id)), badge(item))),
    h('a', { href: '#/more', data: { nav: 'more', test: 'tab-more' } }, icon('more'), h('span', {}, navLabel('more'))));
  const sidenav = h('nav', { class: 'sidenav', 'aria-label': t('nav.main'), data: { test: 'sidenav' } },
    h('div', { class: 'brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'SD'), h('span', {}, t('app.name'))),
    items.map((item) => h('a', { href: item.href, data: { nav: item.id, test: `nav-${item.id}` } }, icon(item.icon), h('span', {}, navLabel(item.id)), badge(item))),
    h('div', { class: 'spacer' }),
    h('a', { href: '#/more', data: { nav: 'more', test: 'nav-more' } }, icon('more'), h('span', {}, t('nav.settings'))),
    h('div', { class: 'who' }, `${u.displayName} · ${label('role', u.role)}`));
  const back = h('a', { class: 'icon-btn back', href: '#/inbox', hidden: true, 'aria-label': t('common.back'), data: { test: 'back' } }, icon('back'));
  const title = h('h1', { id: 'page-title', data: { test: 'page-title' } }, '');
  const actions = h('div', { class: 'topbar-actions' });
  const main = h('main', { id: 'main', tabindex: '-1' });
  const waiting = h('a', { class: 'outbox-banner', href: '#/outbox', hidden: true, role: 'status', data: { test: 'outbox-banner', count: 0 } });
  const showWaiting = async () => {
    const n = (await outbox.bundles()).length;
    waiting.dataset.count = String(n);
    waiting.hidden = n === 0;
    waiting.textContent = t('outbox.banner', { n });
  };
  if (state.unsubscribeOutbox) state.unsubscribeOutbox();
  state.unsubscribeOutbox = outbox.subscribe(showWaiting);
  showWaiting();
  replace(root, h('div', { class: 'shell' }, sidenav,
    h('header', { class: 'topbar' }, back, title, actions), waiting, main, tabbar));
  state.shell = { back, title, actions, main };
}

function markNav(navId) {
  for (const a of root.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === navId) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function route() {
  if (!state.user) return;
  const { path, query } = parseHash();
  if (path === '/signin' || path === '/' || path === '') {
    location.replace(`#${home()}`);
    return;
  }
  const renderId = ++state.renderId;
  if (state.cleanup) {
    state.cleanup();
    state.cleanup = null;
  }
  const { back, title, actions, main } = state.shell;
  replace(actions);
  back.hidden = true;
  let match = null;
  let params = {};
  for (const r of ROUTES) {
    const m = r.regex.exec(path);
    if (m) {
      match = r;
      params = Object.fromEntries(Object.entries(m.groups || {}).map(([k, v]) => [k, decodeURIComponent(v)]));
      break;
    }
  }
  if (!match || !allowed(match.roles)) {
    markNav('');
    title.textContent = t('error.noPage');
    replace(main, h('div', { class: 'card' }, h('p', {}, t('error.noPage')), h('a', { href: '#/inbox', class: 'btn' }, t('nav.inbox'))));
    return;
  }
  markNav(match.nav);
  // Each screen draws into a container of its own: a screen still loading when the next one opens (a slow answer,
  // a reload then a tap) finishes into a detached container and cannot take the new screen over; its title, back
  // link and actions are ignored too.
  const view = h('div', { class: 'view' }, loading());
  replace(main, view);
  const current = () => renderId === state.renderId;
  const ctx = {
    params, query, user: state.user, main: view, navigate,
    setTitle(text) {
      if (!current()) return;
      title.textContent = text;
      document.title = `${text} · SalesDesk`;
    },
    setBack(href) {
      if (!current()) return;
      back.href = href;
      back.hidden = false;
    },
    setActions(...nodes) {
      if (current()) replace(actions, ...nodes);
    },
    onLeave(fn) {
      const previous = state.cleanup;
      state.cleanup = () => {
        if (previous) previous();
        fn();
      };
    },
    isCurrent: current,
    refreshBadge,
    async setLocale(next) {
      await setLocale(next);
      const skip = document.querySelector('.skip-link');
      if (skip) skip.textContent = t('common.skip');
      renderShell();
      route();
      refreshBadge();
    },
    async signOut() {
      await signOut();
      state.user = null;
      remember(null);
      outbox.forgetCustomers();
      location.hash = '#/signin';
      showSignIn();
    },
  };
  try {
    const module = await match.load();
    if (renderId !== state.renderId) return;
    ctx.setTitle(t(`title.${match.nav}`));
    await module.default(ctx);
    if (renderId === state.renderId && document.activeElement === document.body) main.focus({ preventScroll: true });
  } catch (error) {
    if (renderId !== state.renderId) return;
    if (error && error.status === 401) return;
    replace(main, errorBox(error, () => route()));
  }
}

function showBadges(selector, count, more) {
  const text = more ? '99+' : String(count);
  for (const el of root.querySelectorAll(selector)) {
    el.textContent = text;
    el.hidden = count === 0;
    el.setAttribute('aria-label', t('nav.pendingCount', { n: text }));
  }
}

async function refreshBadge() {
  if (!state.user) return;
  if (!APPROVERS.includes(state.user.role)) {
    // Without an approval queue, the inbox badge counts unread notifications.
    try {
      const { unread } = await get('/notifications/unread-count');
      showBadges('[data-badge]', unread, unread > 99);
      for (const el of root.querySelectorAll('[data-badge]')) el.setAttribute('aria-label', t('nav.unreadCount', { n: unread }));
    } catch {
      // A hint only; the next poll tries again.
    }
    return;
  }
  try {
    const page = await get('/approvals', { status: 'pending', limit: 100 });
    state.pending = page.items.length;
    const text = page.nextCursor ? '99+' : String(page.items.length);
    for (const el of root.querySelectorAll('[data-badge]')) {
      el.textContent = text;
      el.hidden = state.pending === 0;
      el.setAttribute('aria-label', t('nav.pendingCount', { n: text }));
    }
  } catch {
    // The badge is a hint; the next poll tries again.
  }
}

boot();

// The service worker keeps the app's files on the phone, so it opens with no signal. Registered after the first
// screen, so its downloads never compete with it.
if ('serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    setTimeout(() => navigator.serviceWorker.register('/sw.js').catch(() => {}), 1000);
  });
}
