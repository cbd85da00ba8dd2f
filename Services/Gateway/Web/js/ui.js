// Shared pieces of every screen: form fields with their error slots, problem display, lists that page with the
// cursor, sheets, toasts, status chips.
import { h, replace, uid } from './dom.js';
import { t, label, apiMessage } from './i18n.js';
import { ApiError, normalizeField, newKey } from './api.js';

/**
 * A labelled field. opts: { name, label, type, value, required, hint, options: [{value,label}] | optgroups,
 * textarea, attrs }. The input's name is the API field path, so the API's field errors find it.
 */
export function field(opts) {
  const id = uid(opts.name ? opts.name.replace(/\W/g, '-') : 'f');
  const errorId = `${id}-error`;
  const hintId = opts.hint ? `${id}-hint` : null;
  const common = {
    id, name: opts.name, class: 'input', required: opts.required || null,
    'aria-describedby': [hintId, errorId].filter(Boolean).join(' '),
    data: { test: opts.test || (opts.name ? `field-${opts.name}` : undefined) },
    ...(opts.attrs || {}),
  };
  let input;
  if (opts.options) {
    input = h('select', common, opts.options.map((o) => (o.group
      ? h('optgroup', { label: o.group }, o.options.map((x) => h('option', { value: x.value, selected: String(x.value) === String(opts.value ?? '') }, x.label)))
      : h('option', { value: o.value, selected: String(o.value) === String(opts.value ?? '') }, o.label))));
  } else if (opts.textarea) {
    input = h('textarea', common);
    input.value = opts.value ?? '';
  } else {
    input = h('input', { type: opts.type || 'text', value: opts.value ?? '', ...common });
  }
  const wrap = h('div', { class: 'field', data: { field: opts.name } },
    h('label', { for: id }, opts.label, opts.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, '*') : null),
    input,
    opts.hint ? h('div', { class: 'hint', id: hintId }, opts.hint) : null,
    h('div', { class: 'field-error', id: errorId, hidden: true, role: 'alert', data: { test: `error-${opts.name}` } }));
  wrap.input = input;
  return wrap;
}

/** Removes every error shown in a form. */
export function clearErrors(form) {
  for (const el of form.querySelectorAll('.field-error, .group-error')) {
    el.hidden = true;
    el.textContent = '';
  }
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const top = form.querySelector('.form-error');
  if (top) top.remove();
}

/**
 * Shows an error next to its field: a field error goes to the element whose data-field (or input name) is its
 * path; one that fits no field, and the problem's detail, go to the top of the form. Focuses the first.
 */
export function showErrors(form, error) {
  clearErrors(form);
  const unplaced = [];
  let first = null;
  const fieldErrors = error instanceof ApiError ? error.fieldErrors : error.fieldErrors || {};
  for (const [path, messages] of Object.entries(fieldErrors)) {
    const slot = findSlot(form, path);
    if (!slot) {
      unplaced.push(`${path}: ${messages.map(apiMessage).join('; ')}`);
      continue;
    }
    slot.error.textContent = messages.map(apiMessage).join('; ');
    slot.error.hidden = false;
    if (slot.input) slot.input.setAttribute('aria-invalid', 'true');
    if (slot.group) slot.group.setAttribute('aria-invalid', 'true');
    if (!first) first = slot.input || slot.group;
  }
  const summary = error instanceof ApiError ? problemText(error) : error.message;
  if (unplaced.length || !Object.keys(fieldErrors).length) {
    const box = h('div', { class: 'form-error', role: 'alert', data: { test: 'form-error' } },
      Object.keys(fieldErrors).length ? unplaced.join(' · ') : summary);
    form.prepend(box);
    if (!first) first = box;
  }
  if (first) {
    if (first.focus && first.tagName !== 'DIV') first.focus();
    first.scrollIntoView({ block: 'center' });
  }
}

function findSlot(form, path) {
  const key = normalizeField(path);
  for (const wrap of form.querySelectorAll('[data-field]')) {
    if (normalizeField(wrap.dataset.field) !== key) continue;
    const error = wrap.querySelector(':scope > .field-error, :scope > .group-error');
    if (!error) continue;
    const input = wrap.querySelector('input, select, textarea');
    return wrap.tagName === 'FIELDSET' ? { error, group: wrap, input: null } : { error, input };
  }
  return null;
}

/** A short, human sentence for a problem. */
export function problemText(error) {
  if (!(error instanceof ApiError)) return String(error && error.message ? error.message : error);
  if (error.status === 0) return t('error.network');
  if (error.status === 403) return t('error.forbidden');
  if (error.status === 404) return t('error.notFound');
  if (error.status === 429) return t('error.locked');
  if (error.status >= 500) return t('error.server', { status: error.status });
  return error.problem.detail || error.problem.title || t('error.generic');
}

/** A form that submits through `onSubmit(values, key)`, shows field errors, and keeps one Idempotency-Key per attempt until it succeeds. */
export function form(attrs, children, onSubmit) {
  let key = newKey();
  const el = h('form', { class: 'form', novalidate: true, ...attrs }, children);
  el.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = el.querySelector('button[type=submit]');
    if (button) button.disabled = true;
    clearErrors(el);
    try {
      await onSubmit(el, key);
      key = newKey();
    } catch (error) {
      if (error && error.status === 401) return;
      showErrors(el, error);
    } finally {
      if (button) button.disabled = false;
    }
  });
  return el;
}

/** A client-side check failure shaped like an API one. */
export function invalid(fieldErrors) {
  const error = new Error(t('error.checkFields'));
  error.fieldErrors = fieldErrors;
  return error;
}

export function loading() {
  return h('div', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' ', t('common.loading'));
}

export function errorBox(error, retry) {
  return h('div', { class: 'card', role: 'alert', data: { test: 'load-error' } },
    h('p', {}, problemText(error)),
    retry ? h('button', { class: 'btn', type: 'button', onclick: retry }, t('common.retry')) : null);
}

export function empty(text) {
  return h('div', { class: 'empty', data: { test: 'empty' } }, text);
}

/**
 * A list that pages with the cursor: fetchPage(cursor) → { items, nextCursor }; renderItem(item) → <li>.
 * Returns the container; "load more" appends the next page.
 */
export function pagedList({ fetchPage, renderItem, emptyText, test }) {
  const list = h('ul', { class: 'list', data: { test } });
  const more = h('div', { class: 'loadmore' });
  const wrap = h('div', {}, list, more);
  let cursor = null;
  async function load() {
    replace(more, loading());
    try {
      const page = await fetchPage(cursor);
      for (const item of page.items) list.append(renderItem(item));
      cursor = page.nextCursor;
      replace(more);
      if (!list.children.length) {
        list.hidden = true;
        more.append(empty(emptyText || t('common.empty')));
      } else if (cursor) {
        more.append(h('button', { class: 'btn', type: 'button', data: { test: 'load-more' }, onclick: load }, t('common.loadMore')));
      }
    } catch (error) {
      replace(more, errorBox(error, load));
    }
  }
  load();
  return wrap;
}

let toastTimer = null;
/** A short message at the bottom of the screen (announced to screen readers). */
export function toast(text) {
  document.querySelector('.toast')?.remove();
  const el = h('div', { class: 'toast', role: 'status', data: { test: 'toast' } }, text);
  document.body.append(el);
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.remove(), 3500);
}

/** A modal sheet: build(close) returns its content. Escape and the backdrop close it; focus returns afterwards. */
export function sheet(title, build) {
  const opener = document.activeElement;
  const titleId = uid('sheet');
  const box = h('div', { class: 'sheet', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': titleId, data: { test: 'sheet' } });
  const backdrop = h('div', { class: 'sheet-backdrop' }, box);
  function close() {
    backdrop.remove();
    document.removeEventListener('keydown', onKey);
    if (opener && opener.focus) opener.focus();
  }
  function onKey(event) {
    if (event.key === 'Escape') close();
  }
  backdrop.addEventListener('click', (event) => {
    if (event.target === backdrop) close();
  });
  document.addEventListener('keydown', onKey);
  box.append(h('h2', { id: titleId }, title), build(close));
  document.body.append(backdrop);
  const focusable = box.querySelector('textarea, input, select, button');
  if (focusable) focusable.focus();
  return close;
}

const STATUS_TONE = {
  draft: '', pending_approval: 'wait', approved: 'ok', rejected: 'bad', signed: 'info',
  pending: 'wait', waiting: '', cancelled: '', recalled: '',
  lead: '', qualified: 'info', quoted: 'info', contract: 'ok', delivered: 'ok', paid: 'ok', lost: 'bad',
};

/** A coloured chip for a status or stage. */
export function chip(group, value) {
  return h('span', { class: `chip ${STATUS_TONE[value] || ''}`, data: { test: `chip-${value}` } }, label(group, value));
}

export function section(title, ...children) {
  return [h('h2', { class: 'section-title' }, title), ...children];
}

export function card(title, ...children) {
  return h('section', { class: 'card' }, title ? h('h2', {}, title) : null, ...children);
}
