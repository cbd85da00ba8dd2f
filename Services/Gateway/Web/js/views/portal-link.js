// 客户自助二维码 on the customer page: create the customer's self-service link, show its QR code (the SVG), choose
// whether the public page shows the owner's phone, renew or revoke it. The owner and their managers only.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { api, get, post } from '../api.js';
import { card, toast, problemText, loading } from '../ui.js';
import { dateTime } from '../format.js';

export function portalLinkCard(c) {
  const body = h('div', { data: { test: 'portal-link' } }, loading());
  const message = h('div', { role: 'alert' });

  async function load() {
    let link = null;
    try {
      link = await get(`/customers/${c.id}/portal-link`);
    } catch (error) {
      if (error.status !== 404) {
        replace(body, h('div', { class: 'form-error' }, problemText(error)));
        return;
      }
    }
    render(link);
  }

  async function act(button, work) {
    replace(message);
    button.disabled = true;
    try {
      await work();
      await load();
    } catch (error) {
      button.disabled = false;
      if (error.status !== 401) replace(message, h('div', { class: 'form-error' }, problemText(error)));
    }
  }

  function render(link) {
    const phone = h('input', { type: 'checkbox', checked: link ? link.showOwnerPhone : false, data: { test: 'portal-show-phone' } });
    const phoneToggle = h('label', { class: 'check' }, phone, ' ', t('portal.showPhone'));
    if (!link) {
      const create = h('button', { class: 'btn primary', type: 'button', data: { test: 'portal-create' }, onclick: () => act(create, async () => {
        await post(`/customers/${c.id}/portal-link`, { showOwnerPhone: phone.checked });
        toast(t('portal.created'));
      }) }, t('portal.create'));
      replace(body, h('p', { class: 'hint' }, t('portal.none')), phoneToggle, message, h('div', { class: 'actions' }, create));
      return;
    }
    const url = new URL(link.path, location.origin).href;
    phone.addEventListener('change', () => act(phone, async () => {
      await post(`/customers/${c.id}/portal-link`, { showOwnerPhone: phone.checked });
      toast(phone.checked ? t('portal.phoneShown') : t('portal.phoneHidden'));
    }));
    const renew = h('button', { class: 'btn small', type: 'button', data: { test: 'portal-renew' }, onclick: () => {
      if (!confirm(t('portal.renewConfirm'))) return;
      act(renew, async () => {
        await post(`/customers/${c.id}/portal-link`, { showOwnerPhone: phone.checked, renew: true });
        toast(t('portal.renewed'));
      });
    } }, t('portal.renew'));
    const revoke = h('button', { class: 'btn small danger', type: 'button', data: { test: 'portal-revoke' }, onclick: () => {
      if (!confirm(t('portal.revokeConfirm'))) return;
      act(revoke, async () => {
        await api('DELETE', `/customers/${c.id}/portal-link`);
        toast(t('portal.revoked'));
      });
    } }, t('portal.revoke'));
    // The token changes with every new link, so the image's address does too: no stale QR code from the cache.
    const qr = h('img', { class: 'portal-qr', alt: t('portal.qrAlt', { name: c.name }), width: 200, height: 200,
      src: `/api/v1/customers/${c.id}/portal-link/qr.svg?v=${encodeURIComponent(link.createdAt)}`, data: { test: 'portal-qr' } });
    replace(body,
      h('div', { class: 'portal-qr-wrap' }, qr),
      h('p', { class: 'hint' }, t('portal.scanHint')),
      h('p', { class: 'portal-url' }, h('a', { href: url, target: '_blank', rel: 'noopener', data: { test: 'portal-url' } }, url)),
      h('p', { class: 'muted small' }, t('portal.createdAt', { time: dateTime(link.createdAt) }), ' · ',
        h('a', { href: `/api/v1/customers/${c.id}/portal-link/qr.png?v=${encodeURIComponent(link.createdAt)}`, download: `qr-${c.name}.png`, data: { test: 'portal-png' } }, t('portal.downloadPng'))),
      phoneToggle, message, h('div', { class: 'actions' }, renew, revoke));
  }

  load();
  return card(t('portal.title'), body);
}
