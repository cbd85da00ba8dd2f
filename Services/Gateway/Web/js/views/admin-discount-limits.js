// Discount limits (折扣权限, issue 12): how far below the list price each role may quote a line before the version needs
// discount approval; the admin reads and changes them. Empty means no limit.
import { h, replace } from '../dom.js';
import { t, label } from '../i18n.js';
import { get, put } from '../api.js';
import { field, form, invalid, toast, card } from '../ui.js';
import { parsePercent, basisPointsToInput, dateTime } from '../format.js';

export default async function adminDiscountLimits(ctx) {
  ctx.setTitle(t('discount.limitsTitle'));
  ctx.setBack('#/admin');
  const limits = await get('/discount-limits');
  const fields = limits.items.map((limit) => {
    const f = field({ name: `limits.${limits.items.indexOf(limit)}.maxDiscountBasisPoints`, label: t('discount.limitLabel', { role: label('role', limit.role) }),
      value: limit.maxDiscountBasisPoints === null ? '' : basisPointsToInput(limit.maxDiscountBasisPoints),
      hint: limit.updatedBy ? t('discount.updated', { who: limit.updatedBy, time: dateTime(limit.updatedAt) }) : null,
      test: `limit-${limit.role}`, attrs: { inputmode: 'decimal', autocomplete: 'off', placeholder: t('discount.unlimited') } });
    f.role = limit.role;
    return f;
  });
  const el = form({ data: { test: 'discount-limits-form' } }, [
    h('p', { class: 'hint' }, t('discount.limitsHint')),
    h('div', { class: 'row2' }, fields),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary', data: { test: 'save-discount-limits' } }, t('discount.save')))],
  async (_f, key) => {
    const errors = {};
    const body = fields.map((f, index) => {
      const text = f.input.value.trim();
      const bp = text === '' ? null : parsePercent(text);
      if (text !== '' && bp === null) errors[`limits.${index}.maxDiscountBasisPoints`] = [t('discount.badLimit')];
      return { role: f.role, maxDiscountBasisPoints: bp };
    });
    if (Object.keys(errors).length) throw invalid(errors);
    await put('/discount-limits', { limits: body }, { idempotencyKey: key });
    toast(t('discount.savedToast'));
    ctx.navigate(location.hash);
  });
  replace(ctx.main, card(t('discount.limitsTitle'), el));
}
