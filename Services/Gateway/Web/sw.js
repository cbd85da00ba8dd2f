// The service worker: keeps the app's own files on the phone so SalesDesk opens in a workshop with no signal.
// The files below are downloaded once when it installs (all or none), then served from the phone at once and
// refreshed from the network in the background (the gateway answers 304 when nothing changed), so a new release
// shows on the next start. The API is never cached: /api/ goes to the network only, and offline the app's own
// outbox keeps the rep's check-ins. Change VERSION when the list changes; every file of the app is listed here (ServiceWorkerShellTests checks it).
const VERSION = 'v16-repurchase';
const CACHE = `salesdesk-shell-${VERSION}`;
const SHELL = [
  '/index.html', '/manifest.webmanifest', '/css/app.css', '/icons/icon.svg', '/icons/icon-192.png', '/icons/icon-512.png',
  '/js/api.js', '/js/app.js', '/js/charts.js', '/js/dom.js', '/js/format.js', '/js/i18n.js', '/js/i18n/en.js',
  '/js/i18n/zh-CN.js', '/js/i18n/zh-CN/kpi.js', '/js/i18n/zh-CN/approval-sla.js', '/js/i18n/zh-CN/portal.js', '/js/i18n/zh-CN/webhooks.js', '/js/i18n/zh-CN/reminders.js',
  '/js/i18n/en/kpi.js', '/js/i18n/en/approval-sla.js', '/js/i18n/en/portal.js', '/js/i18n/en/webhooks.js', '/js/i18n/en/reminders.js', '/js/icons.js', '/js/credit-code.js', '/js/photos.js', '/js/quote-math.js', '/js/ui.js', '/js/visit-outbox.js',
  '/js/views/admin-audit.js', '/js/views/admin-policy.js', '/js/views/admin-product.js', '/js/views/admin-products.js',
  '/js/views/admin-holidays.js', '/js/views/admin-regions.js', '/js/views/admin-user-form.js', '/js/views/admin-users.js', '/js/views/admin.js',
  '/js/views/approval.js', '/js/views/approvals.js', '/js/views/completeness.js', '/js/views/customer-import.js',
  '/js/views/customer-location.js', '/js/views/contract-parts.js', '/js/views/contract-payments.js', '/js/views/contract.js',
  '/js/views/contracts.js', '/js/views/customer-form.js', '/js/views/customer.js', '/js/views/customers.js',
  '/js/views/dashboard.js', '/js/views/kpi-panel.js', '/js/views/kpi-records.js', '/js/views/approval-sla-panel.js', '/js/views/approval-sla-breaches.js', '/js/views/deal-edit.js', '/js/views/deal-form.js', '/js/views/deal.js', '/js/views/deals.js',
  '/js/views/inbox.js', '/js/views/more.js', '/js/views/outbox.js', '/js/views/quote-builder.js', '/js/views/quote-diff.js',
  '/js/views/shipment-parts.js', '/js/views/shipment-record.js', '/js/views/shipping.js',
  '/js/views/receivables.js', '/js/views/receivable-installments.js',
  '/js/views/signin.js', '/js/views/transfer.js', '/js/views/visit-checkin.js', '/js/views/visits.js',
  '/js/views/visits-not-visited.js', '/js/views/visits-overdue.js', '/js/views/visits-weekly.js',
  '/portal.html', '/js/portal.js', '/js/views/portal-link.js', '/js/views/invoices.js', '/js/views/service-requests.js',
  '/js/views/repurchase.js',
  '/js/views/admin-webhooks.js', '/js/views/admin-webhook.js',
  '/js/views/delegations.js',
  '/js/i18n/zh-CN/expenses.js', '/js/i18n/en/expenses.js', '/js/i18n/zh-CN/admin.js', '/js/i18n/en/admin.js',
  '/js/views/expense-claims.js', '/js/views/expense-claim-form.js', '/js/views/expense-claim.js',
  '/js/i18n/zh-CN/discount.js', '/js/i18n/en/discount.js', '/js/views/admin-discount-limits.js',
];
const STATIC = /^\/((index|portal)\.html|manifest\.webmanifest|(css|icons|js)\/[\w./-]+)$/;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE)
    .then((cache) => cache.addAll(SHELL.map((path) => new Request(path, { cache: 'no-cache' }))))
    .then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys().then((keys) => Promise.all(keys
    .filter((key) => key.startsWith('salesdesk-shell-') && key !== CACHE)
    .map((key) => caches.delete(key)))));
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // The app is one page: a navigation to it is index.html. Anything else that is not a file of the app (the API,
  // /openapi.yaml, /health) is left to the network.
  const navigation = request.mode === 'navigate' && (url.pathname === '/' || url.pathname === '/index.html');
  if (!navigation && !STATIC.test(url.pathname)) return;
  const key = navigation ? '/index.html' : url.pathname;
  event.respondWith(caches.open(CACHE).then(async (cache) => {
    const cached = await cache.match(key);
    const fresh = fetch(key, { cache: 'no-cache', credentials: 'same-origin' }).then(async (response) => {
      if (response.ok && response.type === 'basic') await cache.put(key, response.clone());
      return response;
    });
    if (cached) {
      event.waitUntil(fresh.catch(() => {}));
      return cached;
    }
    return fresh;
  }));
});
