// The one door to /api/v1. Cookie session (HttpOnly tokens the page never sees), CSRF header on writes, one refresh
// attempt on 401, and RFC 9457 problems turned into an ApiError with per-field messages.

const BASE = '/api/v1';
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
let onSignedOut = () => {};
let refreshing = null;

/** Called when the session is gone for good (refresh refused): the app shows the sign-in screen. */
export function setSignedOutHandler(handler) {
  onSignedOut = handler;
}

/** A refused call: the problem document, with field errors keyed by a normalized path ("contacts.0.phone"). */
export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.type = this.problem.type || 'about:blank';
    this.fieldErrors = {};
    for (const error of this.problem.errors || []) {
      const key = normalizeField(error.field);
      if (!this.fieldErrors[key]) this.fieldErrors[key] = [];
      this.fieldErrors[key].push(error.message);
    }
  }
  /** Whether the problem's type ends with this name, e.g. "quote-version-superseded". */
  is(name) {
    return this.type.endsWith(`/${name}`);
  }
}

/** "contacts[0].phone" and "lines.0.quantity" alike become "contacts.0.phone" / "lines.0.quantity". */
export function normalizeField(field) {
  return String(field || '').replace(/\[(\d+)\]/g, '.$1').replace(/^\//, '').replace(/\//g, '.');
}

function readCookie(name) {
  for (const part of document.cookie.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return '';
}

/** An Idempotency-Key (works outside secure contexts, where crypto.randomUUID is missing). */
export function newKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** ?a=1&b=2 from an object, skipping empty values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

async function send(method, path, body, options) {
  const headers = { Accept: 'application/json, application/problem+json' };
  // options.raw: a Blob or File sent as its bytes (a photo, an import file), under options.contentType or its own type.
  if (options.raw) headers['Content-Type'] = options.contentType || options.raw.type || 'application/octet-stream';
  else if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (WRITES.has(method)) {
    const csrf = readCookie('sd_csrf');
    if (csrf) headers['X-CSRF-Token'] = csrf;
    if (options.idempotencyKey !== false) headers['Idempotency-Key'] = options.idempotencyKey || newKey();
  }
  return fetch(BASE + path, {
    method,
    headers,
    body: options.raw || (body === undefined ? undefined : JSON.stringify(body)),
    credentials: 'same-origin',
    cache: 'no-store',
  });
}

async function refreshSession() {
  if (!refreshing) refreshing = send('POST', '/auth/refresh', { session: 'cookie' }, { idempotencyKey: false })
    .then((response) => response.ok)
    .catch(() => false)
    .finally(() => {
      setTimeout(() => { refreshing = null; }, 0);
    });
  return refreshing;
}

async function parse(response) {
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  if (type.includes('json')) return response.json();
  return response.text();
}

/**
 * api('POST', '/customers', body, { idempotencyKey }) → the parsed JSON; throws ApiError on 4xx/5xx.
 * A 401 is answered by one refresh of the cookie session and a retry; if that fails, the app signs out.
 */
export async function api(method, path, body, options = {}) {
  let response;
  try {
    response = await send(method, path, body, options);
  } catch (error) {
    throw new ApiError(0, { title: 'Network error', detail: error.message, type: 'network' });
  }
  const isAuthCall = path.startsWith('/auth/login') || path.startsWith('/auth/refresh');
  if (response.status === 401 && !isAuthCall && !options.noRefresh) {
    if (await refreshSession()) {
      response = await send(method, path, body, options);
    }
    if (response.status === 401) {
      onSignedOut();
      throw new ApiError(401, await parse(response).catch(() => null));
    }
  }
  const data = await parse(response).catch(() => null);
  if (!response.ok) throw new ApiError(response.status, typeof data === 'object' ? data : { title: String(data) });
  return data;
}

export const get = (path, params) => api('GET', path + query(params));
export const post = (path, body, options) => api('POST', path, body, options);
export const put = (path, body, options) => api('PUT', path, body, options);
export const patch = (path, body, options) => api('PATCH', path, body, options);
/**
 * POST a Blob or File as the raw body: upload('/visits/1/photos', jpeg, { idempotencyKey }),
 * upload('/customers/imports', file, { contentType: 'text/csv' }).
 */
export const upload = (path, blob, options = {}) => api('POST', path, undefined, { ...options, raw: blob });

/** Sign in with a cookie session; returns the user. */
export async function signIn(username, password) {
  const reply = await api('POST', '/auth/login', { username, password, session: 'cookie' }, { idempotencyKey: false });
  return reply.user;
}

/** The signed-in user, or null when there is no session. */
export async function currentUser() {
  // Without the CSRF cookie there is no cookie session to resume: skip the round trip (and a 401 in the console).
  if (!readCookie('sd_csrf')) return null;
  try {
    return await api('GET', '/me', undefined, { noRefresh: false });
  } catch (error) {
    if (error.status === 401) return null;
    throw error;
  }
}

export async function signOut() {
  try {
    await api('POST', '/auth/logout', {}, { idempotencyKey: false, noRefresh: true });
  } catch {
    // Already gone: the cookies are cleared either way.
  }
}
