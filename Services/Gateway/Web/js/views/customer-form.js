// New customer, or edit one. "No contact, no save": at least one contact with a phone or an email, shown inline.
import { h, replace } from '../dom.js';
import { t, label } from '../i18n.js';
import { get, post, patch, ApiError } from '../api.js';
import { field, form, invalid, toast } from '../ui.js';
import { INDUSTRIES, industryLabel, LEVELS, SOURCES } from './customers.js';
import { creditCodeProblem, normalizeCreditCode } from '../credit-code.js';

/** The inline message for a credit code as typed: '' while empty or valid (same rule as the API). */
export function creditCodeMessage(value) {
  if (!normalizeCreditCode(value)) return '';
  const problem = creditCodeProblem(value);
  if (!problem) return '';
  if (problem.kind === 'length') return t('customers.creditCode.length', { n: problem.count });
  if (problem.kind === 'character') return t('customers.creditCode.character', { position: problem.position, char: problem.char });
  return t('customers.creditCode.check');
}

/** What a 409 duplicate-customer answer says, as a panel: in scope a link, out of scope who to ask. */
export function duplicatePanel(problem, onConfirm) {
  const matches = problem.matches || [];
  return h('div', { class: 'notice warn', role: 'alert', data: { test: 'duplicate-panel' } },
    h('strong', {}, t('customers.duplicateTitle')),
    h('ul', { class: 'plain' }, matches.map((m) => h('li', { data: { test: 'duplicate-match', reason: m.reason, inScope: String(m.inScope) } },
      label('duplicateReason', m.reason), '：',
      m.inScope && m.customer
        ? h('a', { href: `#/customers/${m.customer.id}`, data: { test: 'duplicate-link' } }, t('customers.duplicateOpen', { name: m.customer.name }))
        : h('span', { data: { test: 'duplicate-ask' } }, m.askWho ? t('customers.duplicateAsk', { who: m.askWho }) : t('customers.duplicateAskUnknown'))))),
    problem.confirmable && onConfirm
      ? h('button', { type: 'button', class: 'btn small', data: { test: 'confirm-duplicate' }, onclick: onConfirm }, t('customers.duplicateConfirm'))
      : h('p', { class: 'small' }, t('customers.duplicateHardRule')));
}

export default async function customerForm(ctx) {
  const editing = ctx.params.id;
  const existing = editing ? await get(`/customers/${editing}`) : null;
  ctx.setTitle(editing ? t('customers.edit') : t('customers.new'));
  ctx.setBack(editing ? `#/customers/${editing}` : '#/customers');
  if (existing?.status === 'merged') {
    replace(ctx.main, h('div', { class: 'narrow-wrap' }, h('p', { class: 'notice warn', data: { test: 'customer-merged-readonly' } },
      t('customers.mergedNotice'), ' ', h('a', { href: `#/customers/${existing.mergedInto}` }, t('customers.openSurvivor')))));
    return;
  }
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
  const creditCode = field({ name: 'creditCode', label: t('customers.creditCode'), value: existing?.creditCode || '', hint: t('customers.creditCodeHint'),
    attrs: { maxlength: 24, autocapitalize: 'characters', autocomplete: 'off', spellcheck: 'false' } });
  const creditCodeError = creditCode.querySelector('.field-error');
  const showCreditCode = (final) => {
    const message = creditCodeMessage(creditCode.input.value);
    // While typing, only a wrong character is worth interrupting for; the rest once the field is left.
    const show = message && (final || normalizeCreditCode(creditCode.input.value).length >= 18 || creditCodeProblem(creditCode.input.value)?.kind === 'character');
    creditCodeError.textContent = show ? message : '';
    creditCodeError.hidden = !show;
    if (show) creditCode.input.setAttribute('aria-invalid', 'true'); else creditCode.input.removeAttribute('aria-invalid');
  };
  creditCode.input.addEventListener('input', () => showCreditCode(false));
  creditCode.input.addEventListener('blur', () => showCreditCode(true));
  const level = field({ name: 'level', label: t('customers.level'), value: existing?.level || '',
    options: [{ value: '', label: t('customers.notGraded') }, ...LEVELS.map((v) => ({ value: v, label: label('level', v) }))] });
  const source = field({ name: 'source', label: t('customers.source'), value: existing?.source || '',
    options: [{ value: '', label: t('common.choose') }, ...SOURCES.map((v) => ({ value: v, label: label('source', v) }))] });
  const duplicates = h('div', { data: { test: 'duplicates' } });
  let confirmDuplicate = false;

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
    duplicates,
    h('section', { class: 'card' }, name, creditCode, region, industry, h('div', { class: 'row2' }, level, source), address, notes),
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
    const codeMessage = creditCodeMessage(creditCode.input.value);
    if (codeMessage) throw invalid({ creditCode: [codeMessage] });
    const code = normalizeCreditCode(creditCode.input.value);
    const body = { name: name.input.value.trim(), region: region.input.value.trim(), industry: industry.input.value,
      address: address.input.value.trim() || undefined, notes: notes.input.value.trim() || undefined, contacts: list,
      creditCode: editing ? code : code || undefined, level: editing ? level.input.value : level.input.value || undefined,
      source: editing ? source.input.value : source.input.value || undefined, confirmDuplicate: confirmDuplicate || undefined };
    replace(duplicates);
    let saved;
    try {
      if (editing) saved = await patch(`/customers/${editing}`, { ...body, version: existing.version }, { idempotencyKey: key });
      else saved = await post('/customers', body, { idempotencyKey: key });
    } catch (error) {
      if (error instanceof ApiError && error.status === 409 && error.is('duplicate-customer')) {
        replace(duplicates, duplicatePanel(error.problem, () => {
          confirmDuplicate = true;
          el.requestSubmit();
        }));
        duplicates.scrollIntoView({ block: 'center' });
        return;
      }
      throw error;
    } finally {
      confirmDuplicate = false;
    }
    toast(t('common.saved'));
    ctx.navigate(`#/customers/${saved.id}`);
  });
  replace(ctx.main, h('div', { class: 'narrow-wrap' }, el));
  el.classList.add('narrow');
}
