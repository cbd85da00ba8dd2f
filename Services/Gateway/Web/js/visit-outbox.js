// The visit outbox: every check-in is written to IndexedDB on the phone first, then sent: the check-in with its own
// Idempotency-Key (a replay answers the same visit), then each photo with its own key, then the bundle is removed.
// The keys are made when the bundle is made and never change, so sending a bundle twice (an answer lost on a bad
// connection, two tabs, "send now" tapped twice) never makes two visits or two photos. No signal, a 5xx or a lost
// session: the bundle waits and is tried again with backoff, when the browser comes back online, when the app starts
// and when the page is shown again. A refusal (another 4xx) stops that bundle and shows the rep why; nothing is dropped
// unless the rep discards it.
import { post, upload, newKey } from './api.js';

const DB_NAME = 'salesdesk-outbox';
const STORE = 'visits';
const LOCK = 'sd-visit-outbox';
const MAX_DELAY = 5 * 60 * 1000;

let database = null;
let user = null;
let timer = null;
let chain = Promise.resolve();
let queued = null;
let queuedForce = false;
let queuedEarly = false;
let started = false;
const listeners = new Set();
// Per bundle being submitted from the check-in screen: called with the bundle at each step (photo sending, sent).
const progress = new Map();
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(LOCK) : null;
if (channel) channel.onmessage = () => emit();

function openDatabase() {
  if (!database) {
    database = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'id' });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  return database;
}

async function store(mode, action) {
  const db = await openDatabase();
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(STORE, mode);
    const request = action(transaction.objectStore(STORE));
    transaction.oncomplete = () => resolve(request && request.result);
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
}

const save = (bundle) => store('readwrite', (s) => s.put(bundle));
const read = (id) => store('readonly', (s) => s.get(id));
const drop = (id) => store('readwrite', (s) => s.delete(id));

/** A key that never changes for its bundle or photo. */
export function makeKey() {
  return typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : newKey();
}

function emit() {
  for (const listener of listeners) listener();
}

function changed(bundle) {
  if (bundle && progress.has(bundle.id)) progress.get(bundle.id)(bundle);
  emit();
  if (channel) channel.postMessage('changed');
}

/** Calls `listener` after every change of the outbox (in this tab or another); returns the unsubscribe function. */
export function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The signed-in user's bundles, oldest first. */
export async function bundles() {
  if (!user) return [];
  const all = await store('readonly', (s) => s.getAll());
  return all.filter((b) => b.userId === user.id).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** Whether an error is worth trying again later: no connection, a server or gateway failure, a lost session. */
export function retryable(error) {
  const status = error && error.status;
  return status === 0 || status === 401 || status === 408 || status === 425 || status === 429 || status >= 500 || status === undefined;
}

function summary(error) {
  const problem = (error && error.problem) || {};
  return { status: error && error.status, title: problem.title || null, detail: problem.detail || (error && error.message) || null };
}

function backoff(attempts) {
  const delay = Math.min(MAX_DELAY, 2000 * 2 ** Math.max(0, attempts - 1));
  return delay + Math.floor(Math.random() * delay * 0.2);
}

// One sender at a time, in this tab (the chain) and across tabs (a Web Lock where the browser has them).
function exclusive(task) {
  const run = () => (navigator.locks ? navigator.locks.request(LOCK, task) : task());
  const next = chain.then(run, run);
  chain = next.catch(() => {});
  return next;
}

/** Sends what is left of a bundle. Resolves { visit, refused } once done; throws when the check-in fails. */
async function deliver(bundle) {
  bundle.state = 'sending';
  await save(bundle);
  changed(bundle);
  if (!bundle.visitId) {
    const visit = await post(`/customers/${bundle.customerId}/visits`, bundle.body, { idempotencyKey: bundle.checkInKey });
    bundle.visitId = visit.id;
    bundle.visit = visit;
    await save(bundle);
    changed(bundle);
  }
  let refused = null;
  for (const photo of bundle.photos) {
    if (photo.state === 'sent' || photo.state === 'refused') continue;
    photo.state = 'sending';
    changed(bundle);
    try {
      const sent = await upload(`/visits/${bundle.visitId}/photos`, photo.blob, { idempotencyKey: photo.key });
      photo.state = 'sent';
      photo.photoId = sent && sent.id;
      photo.blob = null;
    } catch (error) {
      if (retryable(error)) {
        photo.state = 'waiting';
        await save(bundle);
        throw error;
      }
      photo.state = 'refused';
      photo.error = summary(error);
      refused = refused || error;
    }
    await save(bundle);
    changed(bundle);
  }
  // The check-in's answer predates the photos: count the ones sent, so the visit card shows them.
  const sent = bundle.photos.filter((p) => p.state === 'sent').length;
  if (bundle.visit && sent > (bundle.visit.photoCount || 0)) bundle.visit = { ...bundle.visit, photoCount: sent };
  if (refused) {
    bundle.state = 'failed';
    bundle.lastError = summary(refused);
    await save(bundle);
  } else {
    await drop(bundle.id);
  }
  changed(bundle);
  return { visit: bundle.visit, refused };
}

async function failed(bundle, error) {
  bundle.attempts += 1;
  bundle.lastError = summary(error);
  if (retryable(error)) {
    bundle.state = 'waiting';
    bundle.nextAttemptAt = Date.now() + backoff(bundle.attempts);
  } else {
    bundle.state = 'failed';
  }
  await save(bundle);
  changed();
}

/**
 * Stores a check-in and tries to send it at once. draft: { customerId, customerName, body, photos: [Blob] }.
 * Resolves { sent: true, visit } (photos too), { queued: true, bundle } (kept, sent later; bundle.visit is there when
 * the check-in itself went through), or { failed: true, bundle } (visit made, a photo refused). A refused check-in
 * throws its ApiError and keeps nothing: the form is still on the screen to correct it. onProgress(bundle) follows
 * the sending.
 */
export async function submit(draft, onProgress = () => {}) {
  const bundle = {
    id: makeKey(), userId: user && user.id, customerId: draft.customerId, customerName: draft.customerName, body: draft.body,
    checkInKey: makeKey(), visitId: null, visit: null, createdAt: new Date().toISOString(), attempts: 0, nextAttemptAt: 0,
    state: 'waiting', lastError: null,
    photos: draft.photos.map((blob) => ({ id: makeKey(), key: makeKey(), blob, type: blob.type, size: blob.size, state: 'waiting', photoId: null, error: null })),
  };
  await save(bundle);
  changed();
  progress.set(bundle.id, onProgress);
  return exclusive(async () => {
    const current = await read(bundle.id);
    if (!current) return { sent: true, visit: bundle.visit };
    if (!navigator.onLine) {
      schedule();
      return { queued: true, bundle: current };
    }
    try {
      const result = await deliver(current);
      return result.refused ? { failed: true, bundle: current } : { sent: true, visit: result.visit };
    } catch (error) {
      if (!retryable(error) && !current.visitId) {
        await drop(current.id);
        changed();
        throw error;
      }
      await failed(current, error);
      schedule();
      return { queued: true, bundle: current };
    }
  }).finally(() => progress.delete(bundle.id));
}

async function sendDue(force, early) {
  if (!user || !navigator.onLine) return;
  for (const bundle of await bundles()) {
    if (!force && bundle.state === 'failed') continue;
    if (!force && !early && bundle.nextAttemptAt > Date.now()) continue;
    try {
      await deliver(bundle);
    } catch (error) {
      await failed(bundle, error);
      // No connection: the others would fail the same way.
      if (error.status === 0) break;
    }
  }
}

/**
 * Sends the waiting bundles now, without waiting out their backoff (the connection is back, the app started, the
 * page was shown); `early: false` only those due (the retry timer); `force` the refused ones too ("send now").
 * Calls made meanwhile share one run.
 */
export function flush({ force = false, early = true } = {}) {
  queuedForce = queuedForce || force;
  queuedEarly = queuedEarly || early;
  if (!queued) {
    queued = exclusive(async () => {
      const [runForce, runEarly] = [queuedForce, queuedEarly];
      queued = null;
      queuedForce = false;
      queuedEarly = false;
      await sendDue(runForce, runEarly);
    }).finally(schedule);
  }
  return queued;
}

async function schedule() {
  clearTimeout(timer);
  timer = null;
  // Offline, the `online` event starts the next attempt.
  if (!navigator.onLine) return;
  const waiting = (await bundles()).filter((b) => b.state !== 'failed');
  if (!waiting.length) return;
  const next = Math.min(...waiting.map((b) => b.nextAttemptAt || 0));
  timer = setTimeout(() => flush({ early: false }), Math.max(1000, next - Date.now()));
}

/** Removes a bundle the rep gave up on. */
export async function discard(id) {
  await exclusive(() => drop(id));
  changed();
}

/** Starts sending for this user: now, when the connection returns, when the page is shown again. */
export function start(signedIn) {
  user = signedIn;
  if (!started) {
    started = true;
    window.addEventListener('online', () => flush());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') flush();
    });
  }
  flush();
  changed();
}

/** Stops sending (signed out); the bundles stay for their rep's next sign-in. */
export function stop() {
  user = null;
  clearTimeout(timer);
  changed();
}

// What the check-in screen needs about a customer, kept from the last time it was opened, so a rep who opened it
// before walking into a workshop can still check in there.
const CUSTOMER_PREFIX = 'salesdesk.customer.';

/** Keeps the name and contacts of a customer just shown. */
export function rememberCustomer(c) {
  try {
    localStorage.setItem(CUSTOMER_PREFIX + c.id, JSON.stringify({
      id: c.id, name: c.name, archived: c.archived === true,
      contacts: (c.contacts || []).map((p) => ({ name: p.name, title: p.title || null })),
    }));
  } catch {
    // Storage full or private mode: the check-in just needs the network then.
  }
}

/** The customer as last shown, or null. */
export function rememberedCustomer(id) {
  try {
    return JSON.parse(localStorage.getItem(CUSTOMER_PREFIX + id) || 'null');
  } catch {
    return null;
  }
}

/** Forgets the remembered customers (sign-out). */
export function forgetCustomers() {
  try {
    for (const key of Object.keys(localStorage)) if (key.startsWith(CUSTOMER_PREFIX)) localStorage.removeItem(key);
  } catch {
    // Nothing stored.
  }
}
