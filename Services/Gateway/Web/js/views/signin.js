// Sign in: username and password, a cookie session. Enter submits; errors are announced.
import { h } from '../dom.js';
import { t, locale } from '../i18n.js';
import { signIn, get } from '../api.js';
import { field, form, invalid } from '../ui.js';

export function languageSwitch(onLocale) {
  const current = locale();
  return h('div', { class: 'lang-switch', role: 'group', 'aria-label': t('common.language'), data: { test: 'lang-switch' } },
    h('button', { type: 'button', 'aria-pressed': String(current === 'zh-CN'), lang: 'zh-CN', data: { test: 'lang-zh' }, onclick: () => onLocale('zh-CN') }, '中文'),
    h('button', { type: 'button', 'aria-pressed': String(current === 'en'), lang: 'en', data: { test: 'lang-en' }, onclick: () => onLocale('en') }, 'English'));
}

export default function signin({ onSignedIn, onLocale }) {
  const username = field({ name: 'username', label: t('signin.username'), required: true, attrs: { autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false' } });
  const password = field({ name: 'password', label: t('signin.password'), type: 'password', required: true, attrs: { autocomplete: 'current-password' } });
  const el = form({ data: { test: 'signin-form' }, 'aria-labelledby': 'signin-title' }, [
    username, password,
    h('button', { type: 'submit', class: 'btn primary block', data: { test: 'signin-submit' } }, t('signin.submit')),
  ], async () => {
    const u = username.input.value.trim();
    const p = password.input.value;
    const missing = {};
    if (!u) missing.username = [t('error.required')];
    if (!p) missing.password = [t('error.required')];
    if (Object.keys(missing).length) throw invalid(missing);
    try {
      onSignedIn(await signIn(u, p));
    } catch (error) {
      if (error.status === 401) throw invalid({ password: [t('signin.wrong')] });
      throw error;
    }
  });
  setTimeout(() => username.input.focus(), 0);
  // WeCom sign-in (OAuth2 web authorization) when the gateway has it configured; its callback comes back here with
  // #/signin?error=… when it could not sign the user in.
  const wecom = h('div', { class: 'wecom', hidden: true, data: { test: 'wecom-signin' } },
    h('div', { class: 'or' }, h('span', {}, t('signin.or'))),
    h('a', { class: 'btn block wecom-btn', href: '/api/v1/auth/wecom', data: { test: 'wecom-button' } }, t('signin.wecom')));
  get('/auth/methods').then((methods) => {
    wecom.hidden = !methods.wecom;
  }).catch(() => {});
  const error = new URLSearchParams(location.hash.split('?')[1] || '').get('error');
  const notice = error ? h('div', { class: 'form-error', role: 'alert', data: { test: 'signin-error' } },
    t(`signin.error.${error}`) === `signin.error.${error}` ? t('signin.error.other') : t(`signin.error.${error}`)) : null;
  return h('div', { class: 'signin' },
    h('div', { class: 'signin-card' },
      h('div', { class: 'brand' }, h('div', { class: 'brand-mark', 'aria-hidden': 'true' }, 'SD'),
        h('div', {}, h('h1', { id: 'signin-title' }, t('signin.title')), h('p', {}, t('signin.subtitle')))),
      notice, el, wecom,
      h('div', { class: 'signin-foot' }, languageSwitch(onLocale))));
}
