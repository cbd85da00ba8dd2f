// Every visible string goes through t(). zh-CN is the default; the choice is remembered in localStorage.
// Only the chosen dictionary is loaded, and a screen's own strings only with that screen (loadMessages).

const KEY = 'salesdesk.locale';
export const LOCALES = ['zh-CN', 'en'];
let dictionary = {};
let current = 'zh-CN';

// The screens whose own strings were added (loadMessages), so a change of language loads theirs again.
const extras = new Set();

async function load(locale) {
  const base = locale === 'en' ? (await import('./i18n/en.js')).default : (await import('./i18n/zh-CN.js')).default;
  const next = { ...base };
  for (const name of extras) Object.assign(next, await messages(locale, name));
  return next;
}

async function messages(locale, name) {
  return (locale === 'en' ? await import(`./i18n/en/${name}.js`) : await import(`./i18n/zh-CN/${name}.js`)).default;
}

export async function initI18n() {
  const stored = safeGet(KEY);
  current = LOCALES.includes(stored) ? stored : 'zh-CN';
  dictionary = await load(current);
  document.documentElement.lang = current;
}

/**
 * Adds a screen's own strings (i18n/<locale>/<name>.js) before it renders: screens few users open (admin tools, the
 * KPI panel, the customer's page) keep their strings out of the dictionary every first screen downloads.
 */
export async function loadMessages(name) {
  if (extras.has(name)) return;
  Object.assign(dictionary, await messages(current, name));
  extras.add(name);
}

export function locale() {
  return current;
}

/** Remembers the choice and reloads the dictionary. */
export async function setLocale(next) {
  if (!LOCALES.includes(next)) return;
  try {
    localStorage.setItem(KEY, next);
  } catch {
    // Private mode: the switch still applies to this page.
  }
  current = next;
  dictionary = await load(next);
  document.documentElement.lang = next;
}

/** t('customers.count', { n: 3 }) → the text with {n} filled in; an unknown key shows as itself. */
export function t(key, params) {
  let text = dictionary[key];
  if (text === undefined) text = key;
  if (params) text = text.replace(/\{(\w+)\}/g, (m, name) => (params[name] === undefined ? m : String(params[name])));
  return text;
}

/** The label of an enum value (stage.lead, role.gm…), or the value itself when none is defined. */
export function label(group, value) {
  const key = `${group}.${value}`;
  return dictionary[key] === undefined ? String(value) : dictionary[key];
}

function safeGet(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

/** An API field message in the current language when the dictionary knows it ("api:<message>"), else as written. */
export function apiMessage(message) {
  const text = dictionary[`api:${message}`];
  if (text !== undefined) return text;
  // "api^<start>" translates a message that starts so and ends with a value: "{rest}" in the text is that value.
  for (const [key, value] of Object.entries(dictionary)) {
    if (key.startsWith('api^') && message.startsWith(key.slice(4))) return value.replace('{rest}', message.slice(key.length - 4));
  }
  return message;
}
