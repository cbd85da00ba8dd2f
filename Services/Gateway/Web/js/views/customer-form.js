// New customer, or edit one. "No contact, no save": at least one contact with a phone or an email, shown inline.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, post, patch } from '../api.js';
import { field, form, invalid, toast } from '../ui.js';
import { INDUSTRIES, industryLabel } from './customers.js';

export default async function customerForm(ctx) {
  const editing = ctx.params.id;
  const existing = editing ? await get(`/customers/${editing}`) : null;
  ctx.setTitle(editing ? t('customers.edit') : t('customers.new'));
  ctx.setBack(editing ? `#/customers/${editing}` : '#/customers');
  if (existing?.archived) {
    // The API refuses to edit an archived customer (409) until it is restored.
    replace(ctx.main, h('div', { class: 'narrow-wrap' }, h('p', { class: 'notice warn', data: { test: 'customer-archived-readonly' } },
      t('customers.archivedReadOnly'), ' ', h('a', { href: `#/customers/${editing}` }, t('customers.restoreThere')))));
    return;
  }

  const name = field({ name: 'name', label: t('customers.name'), required: true, value: existing?.name, attrs: { maxlength: 200, autocomplete: 'organization' } });
  const region = field({ name: 'region', label: t('customers.region'), required: true, value: existing?.region || ctx.user.region || '',
    hint: t('customers.regionHint'), attrs: { autocapitalize: 'none', maxlength: 32 } });
  const industry = field({ name: 'industry', label: t('customers.industry'), required: true, value: existing?.industry || '',
    options: [{ value: '', label: t('common.choose') }, ...INDUSTRIES.map((v) => ({ value: v, label: industryLabel(v) })),
      ...(existing && !INDUSTRIES.includes(existing.industry) ? [{ value: existing.industry, label: existing.industry }] : [])] });
  const address = field({ name: 'address', label: t('customers.address'), value: existing?.address, attrs: { maxlength: 500, autocomplete: 'street-address' } });
  const notes = field({ name: 'notes', label: t('customers.notes'), textarea: true, value: existing?.notes, attrs: { maxlength: 4000 } });

  const contactsBox = h('div', { data: { test: 'contacts' } });
  const contactsError = h('div', { class: 'group-error field-error', hidden: true, role: 'alert', data: { test: 'error-contacts' } });
  const contacts = h('fieldset', { data: { field: 'contacts', test: 'contacts-group' } },
    h('legend', {}, t('customers.contacts'), h('span', { class: 'req', 'aria-hidden': 'true' }, '*')),
    h('p', { class: 'hint' }, t('customers.contactRule')), contactsError, contactsBox,
    h('button', { type: 'button', class: 'btn small', data: { test: 'add-contact' }, onclick: () => addContact() }, t('customers.addContact')));

  function renumber() {
    [...contactsBox.children].forEach((row, index) => {
      for (const wrap of row.querySelectorAll('[data-key]')) {
        const path = `contacts.${index}.${wrap.dataset.key}`;
        wrap.dataset.field = path;
        const slot = wrap.querySelector(':scope > .field-error');
        if (slot) slot.dataset.test = `error-${path}`;
        wrap.input.name = path;
        wrap.input.dataset.test = `field-${path}`;
      }
      row.querySelector('legend').textContent = t('customers.contactN', { n: index + 1 });
    });
  }

  function addContact(contact = {}) {
    const make = (key, opts) => {
      const f = field({ name: `contacts.x.${key}`, ...opts });
      f.dataset.key = key;
      return f;
    };
    const row = h('fieldset', { class: 'contact' }, h('legend', {}, ''),
      make('name', { label: t('contact.name'), required: true, value: contact.name, attrs: { maxlength: 100, autocomplete: 'name' } }),
      h('div', { class: 'row2' },
        make('phone', { label: t('contact.phone'), type: 'tel', value: contact.phone, attrs: { inputmode: 'tel', autocomplete: 'tel' } }),
        make('title', { label: t('contact.title'), value: contact.title, attrs: { maxlength: 100 } })),
      make('email', { label: t('contact.email'), type: 'email', value: contact.email, attrs: { autocomplete: 'email', maxlength: 254 } }),
      h('button', { type: 'button', class: 'btn small ghost', onclick: () => {
        if (contactsBox.children.length <= 1) {
          contactsError.textContent = t('customers.keepOneContact');
          contactsError.hidden = false;
          return;
        }
        row.remove();
        renumber();
      } }, t('customers.removeContact')));
    contactsBox.append(row);
    renumber();
  }
  for (const c of existing?.contacts || []) addContact(c);
  if (!contactsBox.children.length) addContact();

  const el = form({ data: { test: 'customer-form' } }, [
    h('section', { class: 'card' }, name, region, industry, address, notes),
    h('section', { class: 'card' }, contacts),
    h('div', { class: 'actionbar' }, h('button', { type: 'submit', class: 'btn primary', data: { test: 'save-customer' } }, t('common.save'))),
  ], async (_form, key) => {
    const list = [...contactsBox.children].map((row) => {
      const value = (k) => row.querySelector(`[data-key="${k}"]`).input.value.trim();
      const c = { name: value('name'), phone: value('phone'), email: value('email'), title: value('title') };
      for (const k of Object.keys(c)) if (!c[k]) delete c[k];
      return c;
    }).filter((c) => Object.keys(c).length);
    if (!list.some((c) => c.name && (c.phone || c.email))) {
      throw invalid({ contacts: [t('customers.contactRule')] });
    }
    const body = { name: name.input.value.trim(), region: region.input.value.trim(), industry: industry.input.value,
      address: address.input.value.trim() || undefined, notes: notes.input.value.trim() || undefined, contacts: list };
    let saved;
    if (editing) saved = await patch(`/customers/${editing}`, { ...body, version: existing.version }, { idempotencyKey: key });
    else saved = await post('/customers', body, { idempotencyKey: key });
    toast(t('common.saved'));
    ctx.navigate(`#/customers/${saved.id}`);
  });
  replace(ctx.main, h('div', { class: 'narrow-wrap' }, el));
  el.classList.add('narrow');
}
