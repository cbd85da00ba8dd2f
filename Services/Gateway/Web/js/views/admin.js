// Admin home: the admin screens.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';

export const ADMIN_LINKS = [
  ['#/admin/users', 'admin.users', 'admin.usersHint', 'admin-users'],
  ['#/admin/regions', 'admin.regions', 'admin.regionsHint', 'admin-regions'],
  ['#/admin/holidays', 'admin.holidays', 'admin.holidaysHint', 'admin-holidays'],
  ['#/admin/products', 'admin.products', 'admin.productsHint', 'admin-products'],
  ['#/admin/policy', 'admin.policy', 'admin.policyHint', 'admin-policy'],
  ['#/admin/discount-limits', 'admin.discountLimits', 'admin.discountLimitsHint', 'admin-discount-limits'],
  ['#/transfer', 'admin.transfer', 'admin.transferHint', 'admin-transfer'],
  ['#/admin/audit', 'admin.audit', 'admin.auditHint', 'admin-audit'],
  ['#/admin/webhooks', 'webhooks.title', 'webhooks.hint', 'admin-webhooks'],
];

export default async function admin(ctx) {
  ctx.setTitle(t('title.admin'));
  replace(ctx.main, h('ul', { class: 'list' }, ADMIN_LINKS.map(([href, title, hint, test]) => h('li', {},
    h('a', { class: 'row', href, data: { test } }, h('div', { class: 'row-main' }, h('div', { class: 'row-title' }, t(title)), h('div', { class: 'row-sub' }, t(hint))))))));
}
