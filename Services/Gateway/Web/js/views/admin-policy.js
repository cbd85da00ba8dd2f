// The approval policies: one per subject type (contracts, expense claims, discounts — ADR 0011), each with tiers by
// amount, each a chain of approver roles, and when pending steps remind and escalate (issue 12); view and replace them.
import { h, replace } from '../dom.js';
import { t, label } from '../i18n.js';
import { get, put } from '../api.js';
import { field, form, invalid, toast, card } from '../ui.js';
import { money, parseYuan, fenToInput, dateTime } from '../format.js';

const APPROVER_ROLES = ['supervisor', 'regional_manager', 'gm'];
const SUBJECTS = ['contract', 'expense_claim', 'discount'];

export default async function adminPolicy(ctx) {
  ctx.setTitle(t('admin.policy'));
  ctx.setBack('#/admin');
  const subject = SUBJECTS.includes(ctx.query.subject) ? ctx.query.subject : 'contract';
  const path = `/approval-policies?subjectType=${subject}`;
  const policy = await get(path);
  const switcher = h('div', { class: 'segmented', role: 'group', 'aria-label': t('policy.subject'), data: { test: 'policy-subject' } },
    SUBJECTS.map((s) => h('a', { class: `btn ${s === subject ? 'primary' : ''}`, href: `#/admin/policy?subject=${s}`,
      'aria-current': s === subject ? 'true' : null, data: { test: `policy-subject-${s}` } }, t(`policy.subject.${s}`))));
  const current = card(t('admin.policyCurrent', { version: policy.version }),
    h('p', { class: 'small', data: { test: 'policy-subject-name' } }, t(`policy.subject.${subject}`), ' · ', t(`policy.measure.${subject}`)),
    h('p', { class: 'muted small' }, dateTime(policy.createdAt)),
    h('ul', { class: 'list', data: { test: 'policy-tiers' } }, policy.tiers.map((tier) => h('li', {}, h('div', { class: 'row' }, h('div', { class: 'row-main' },
      h('div', { class: 'row-title' }, t('admin.above', { amount: money(tier.aboveFen) })),
      h('div', { class: 'row-sub wrap' }, tier.steps.map((s) => label('role', s)).join(' → '))))))),
    // Reminders and escalation (issue 12).
    h('p', { class: 'small', data: { test: 'policy-timing' } }, h('strong', {}, t('reminders.title')), ' · ', t('reminders.current', {
      hours: policy.reminderWorkingHours, count: policy.maxReminders, days: policy.slaWorkingDays,
      action: t(`reminders.escalation.${policy.escalation}`) })));

  const tiersBox = h('div', {});
  function addTier(tier = { aboveFen: 0, steps: ['supervisor'] }) {
    const index = tiersBox.children.length;
    const above = field({ name: `tiers.${index}.aboveFen`, label: t('admin.aboveLabel'), value: fenToInput(tier.aboveFen), hint: t('common.yuanHint'), attrs: { inputmode: 'decimal' } });
    const steps = [0, 1, 2].map((i) => field({ name: `tiers.${index}.steps.${i}`, label: t('admin.stepN', { n: i + 1 }), value: tier.steps[i] || '',
      options: [{ value: '', label: t('common.none') }, ...APPROVER_ROLES.map((r) => ({ value: r, label: label('role', r) }))] }));
    const box = h('fieldset', { data: { field: `tiers.${index}` } }, h('legend', {}, t('admin.tierN', { n: index + 1 })),
      h('div', { class: 'field-error group-error', hidden: true, role: 'alert' }), above, h('div', { class: 'row3 steps' }, steps),
      h('button', { type: 'button', class: 'btn small ghost', onclick: () => box.remove() }, t('common.remove')));
    box.read = () => ({ above: above.input.value, steps: steps.map((s) => s.input.value).filter(Boolean) });
    tiersBox.append(box);
  }
  for (const tier of policy.tiers) addTier(tier);
  const decimal = { inputmode: 'decimal' };
  const hours = field({ name: 'reminderWorkingHours', label: t('reminders.hours'), value: policy.reminderWorkingHours, hint: t('reminders.hoursHint'), attrs: decimal });
  const count = field({ name: 'maxReminders', label: t('reminders.count'), value: policy.maxReminders, hint: t('reminders.countHint'), attrs: { inputmode: 'numeric' } });
  const days = field({ name: 'slaWorkingDays', label: t('reminders.days'), value: policy.slaWorkingDays, hint: t('reminders.daysHint'), attrs: decimal });
  const escalation = field({ name: 'escalation', label: t('reminders.escalation'), value: policy.escalation,
    options: ['notify', 'reassign'].map((v) => ({ value: v, label: t(`reminders.escalation.${v}`) })) });
  const timing = h('fieldset', { data: { test: 'policy-timing-form' } }, h('legend', {}, t('reminders.title')),
    h('p', { class: 'hint' }, t('reminders.hint')), h('div', { class: 'row3' }, hours, count, days), escalation);
  const el = form({ data: { test: 'policy-form' } }, [
    h('div', { data: { field: 'tiers' } }, h('div', { class: 'field-error', hidden: true, role: 'alert' }), tiersBox),
    timing,
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'btn', onclick: () => addTier() }, t('admin.addTier')),
      h('button', { type: 'submit', class: 'btn primary', data: { test: 'save-policy' } }, t('admin.savePolicy')))], async (_f, key) => {
    const errors = {};
    const tiers = [...tiersBox.children].map((box, i) => {
      const v = box.read();
      const fen = parseYuan(v.above);
      if (fen === null) errors[`tiers.${i}.aboveFen`] = [t('error.amount')];
      return { aboveFen: Number(fen ?? 0n), steps: v.steps };
    });
    if (!tiers.length) errors.tiers = [t('admin.needTier')];
    const number = (f, name) => {
      const text = f.input.value.trim();
      const value = Number(text);
      if (text === '' || !Number.isFinite(value)) errors[name] = [t('reminders.number')];
      return value;
    };
    const body = { tiers, reminderWorkingHours: number(hours, 'reminderWorkingHours'), maxReminders: number(count, 'maxReminders'),
      slaWorkingDays: number(days, 'slaWorkingDays'), escalation: escalation.input.value };
    if (Object.keys(errors).length) throw invalid(errors);
    await put(path, body, { idempotencyKey: key });
    toast(t('common.saved'));
    ctx.navigate(location.hash);
  });
  replace(ctx.main, h('div', {}, switcher, h('div', { class: 'split' }, current,
    card(t('admin.policyEdit'), h('p', { class: 'hint' }, t(subject === 'contract' ? 'admin.policyHintLong' : `policy.hint.${subject}`)), el))));
}
