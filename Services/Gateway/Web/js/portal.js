// The customer's self-service page (客户自助, portal.html#<token>): their signed contracts with delivery and payment
// status, their e-invoices, and the after-sales form. No login: the token in the fragment opens this one customer's
// page and nothing else; a revoked or unknown token shows "not found". Uses only the public API.
import { h, replace } from './dom.js';
import { initI18n, t, loadMessages } from './i18n.js';
import { money, businessDate } from './format.js';
import { field, form, showErrors } from './ui.js';
import { ApiError } from './api.js';

const root = document.getElementById('portal');
const token = decodeURIComponent(location.hash.replace(/^#/, ''));
const base = `/api/v1/public/portal/${encodeURIComponent(token)}`;

async function call(method, path, body, key) {
  const headers = { Accept: 'application/json, application/problem+json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (key) headers['Idempotency-Key'] = key;
  let response;
  try {
    response = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit', cache: 'no-store' });
  } catch (error) {
    throw new ApiError(0, { title: 'Network error', detail: error.message });
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const problem = new ApiError(response.status, data);
    problem.retryAfter = Number(response.headers.get('Retry-After')) || 60;
    throw problem;
  }
  return data;
}

function message(error) {
  if (error.status === 404) return t('portalPage.notFound');
  if (error.status === 429) return t('portalPage.tooMany', { seconds: error.retryAfter });
  return t('portalPage.error');
}

function statusChip(kind, value) {
  const tone = { delivered: 'ok', settled: 'ok', partly_shipped: 'wait', open: 'wait', overdue: 'bad', not_shipped: '' }[value] || '';
  return h('span', { class: `chip ${tone}`, data: { test: `${kind}-status`, status: value } }, t(`portalPage.${kind}.${value}`));
}

function contractCard(c) {
  return h('section', { class: 'card portal-contract', data: { test: 'portal-contract', number: c.number } },
    h('div', { class: 'card-head' }, h('h2', {}, c.number), statusChip('delivery', c.deliveryStatus)),
    h('p', { class: 'muted small' }, t('portalPage.signedOn', { date: businessDate(c.signedOn) })),
    h('dl', { class: 'kv' }, h('dt', {}, t('portalPage.amount')), h('dd', { class: 'num' }, h('strong', { data: { test: 'portal-amount' } }, money(c.amountFen)))),
    h('h3', {}, t('portalPage.delivery'), c.deliveredOn ? h('span', { class: 'muted small' }, ` · ${t('portalPage.deliveredOn', { date: businessDate(c.deliveredOn) })}`) : null),
    h('ul', { class: 'portal-lines' }, c.lines.map((l) => h('li', { data: { test: 'portal-line' } },
      h('span', {}, l.name), h('span', { class: 'num muted' }, t('portalPage.lineShipped', { shipped: l.shipped, quantity: l.quantity }))))),
    h('h3', {}, t('portalPage.payment')),
    h('p', { class: 'small', data: { test: 'portal-paid' } }, t('portalPage.paid', { paid: money(c.paidFen), outstanding: money(c.outstandingFen) })),
    c.installments.length ? h('ul', { class: 'portal-lines' }, c.installments.map((i) => h('li', { data: { test: 'portal-installment' } },
      h('span', {}, i.label, h('span', { class: 'muted small' }, ` · ${i.dueOn ? t('portalPage.dueOn', { date: businessDate(i.dueOn) }) : t('portalPage.dueAfterDelivery')}`)),
      h('span', { class: 'num' }, money(i.amountFen), ' ', statusChip('installment', i.status))))) : null,
    h('h3', {}, t('portalPage.invoices')),
    c.invoices.length ? h('ul', { class: 'portal-lines' }, c.invoices.map((inv) => h('li', { data: { test: 'portal-invoice' } },
      h('span', {}, inv.number, h('span', { class: 'muted small' }, ` · ${businessDate(inv.issuedOn)} · ${money(inv.amountFen)}`)),
      inv.hasPdf ? h('a', { class: 'btn small', href: `${base}/invoice.pdf?invoiceId=${inv.id}`, download: `invoice-${inv.number}.pdf`, data: { test: 'portal-invoice-download' } }, t('portalPage.download'))
        : h('span', { class: 'muted small' }, t('portalPage.pdfPending'))))) : h('p', { class: 'muted small' }, t('portalPage.noInvoices')));
}

function serviceForm(contracts) {
  const box = h('section', { class: 'card', data: { test: 'portal-service' } });
  function show() {
    const contactName = field({ name: 'contactName', label: t('portalPage.contactName'), required: true, attrs: { autocomplete: 'name', maxlength: 50 } });
    const phone = field({ name: 'phone', label: t('portalPage.phone'), type: 'tel', required: true, attrs: { autocomplete: 'tel', inputmode: 'tel', maxlength: 30 } });
    const contract = contracts.length ? field({ name: 'contractId', label: t('portalPage.contract'),
      options: [{ value: '', label: t('portalPage.noContract') }, ...contracts.map((c) => ({ value: c.id, label: c.number }))] }) : null;
    const description = field({ name: 'description', label: t('portalPage.description'), textarea: true, required: true, attrs: { maxlength: 2000, rows: 4 } });
    replace(box, h('h2', {}, t('portalPage.service')), h('p', { class: 'hint' }, t('portalPage.serviceHint')),
      form({ data: { test: 'portal-service-form' } }, [contactName, phone, contract, description,
        h('div', { class: 'actions' }, h('button', { class: 'btn primary block', type: 'submit', data: { test: 'portal-service-submit' } }, t('portalPage.submit')))],
      async (el, key) => {
        try {
          await call('POST', '/service-requests', {
            contactName: contactName.input.value, phone: phone.input.value, description: description.input.value,
            contractId: contract && contract.input.value ? contract.input.value : null,
          }, key);
        } catch (error) {
          if (error.status === 422) throw error;
          showErrors(el, new Error(message(error)));
          return;
        }
        replace(box, h('p', { class: 'notice ok', role: 'status', data: { test: 'portal-service-sent' } }, t('portalPage.submitted')),
          h('button', { class: 'btn', type: 'button', onclick: show }, t('portalPage.again')));
      }));
  }
  show();
  return box;
}

async function start() {
  await initI18n();
  await loadMessages('portal');
  document.title = t('portalPage.title');
  if (!token) {
    replace(root, h('div', { class: 'card', role: 'alert', data: { test: 'portal-not-found' } }, h('p', {}, t('portalPage.notFound'))));
    return;
  }
  let view;
  try {
    view = await call('GET', '');
  } catch (error) {
    replace(root, h('div', { class: 'card', role: 'alert', data: { test: error.status === 404 ? 'portal-not-found' : 'portal-error' } }, h('p', {}, message(error))));
    return;
  }
  const owner = view.owner ? h('p', { class: 'portal-owner', data: { test: 'portal-owner' } }, t('portalPage.owner', { name: view.owner.name }),
    view.owner.phone ? [' · ', h('a', { href: `tel:${view.owner.phone.replace(/[^\d+]/g, '')}`, data: { test: 'portal-owner-phone' } }, t('portalPage.call', { phone: view.owner.phone }))] : null) : null;
  replace(root,
    h('header', { class: 'portal-head' }, h('h1', { data: { test: 'portal-customer' } }, t('portalPage.hello', { name: view.customerName })), owner),
    view.contracts.length ? view.contracts.map(contractCard) : h('p', { class: 'card muted' }, t('portalPage.noContracts')),
    serviceForm(view.contracts));
}

start();
