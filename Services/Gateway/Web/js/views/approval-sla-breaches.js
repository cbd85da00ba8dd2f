// The breach list behind the "审批时效" panel (issue 12): the approval steps decided in the month after their SLA,
// latest decision first, paged with the cursor; each row opens its approval.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { pagedList } from '../ui.js';
import { shanghaiMonth, monthLabel, dateTime, addMonths } from '../format.js';
import { stepRole } from './approval-sla-panel.js';

export default async function approvalSlaBreaches(ctx) {
  const month = /^\d{4}-\d{2}$/.test(ctx.query.month || '') ? ctx.query.month : shanghaiMonth();
  ctx.setTitle(t('sla.breachList'));
  ctx.setBack('#/dashboard');
  const nav = h('p', { class: 'dash-meta' },
    h('a', { href: `#/approval-sla/breaches?month=${addMonths(month, -1)}`, data: { test: 'sla-prev-month' } }, `‹ ${monthLabel(addMonths(month, -1))}`), ' ',
    h('strong', { data: { test: 'sla-month' } }, `${month.slice(0, 4)} ${monthLabel(month)}`), ' ',
    month < shanghaiMonth() ? h('a', { href: `#/approval-sla/breaches?month=${addMonths(month, 1)}` }, `${monthLabel(addMonths(month, 1))} ›`) : null);
  const list = pagedList({
    test: 'sla-breaches',
    emptyText: t('sla.noBreaches'),
    fetchPage: (cursor) => get('/reports/approval-sla/breaches', { month, cursor, limit: 20 }),
    renderItem: (b) => h('li', {}, h('a', { class: 'row', href: `#/approvals/${b.approvalId}`, data: { test: 'sla-breach', contract: b.contractNumber, step: String(b.step) } },
      h('div', { class: 'row-main' },
        h('div', { class: 'row-title' }, `${b.contractNumber} · ${t('sla.stepN', { n: b.step + 1 })} ${stepRole(b.role)}`),
        h('div', { class: 'row-sub' }, `${b.approverName || b.approverId} · ${t(`sla.outcome.${b.outcome}`)} ${dateTime(b.decidedAt)}`)),
      h('div', { class: 'row-side' }, h('span', { class: 'chip bad num', data: { test: 'sla-breach-days' } }, t('sla.waited', { n: b.workingDays, sla: b.slaWorkingDays }))))),
  });
  replace(ctx.main, nav, h('section', { class: 'card' }, list), h('p', { class: 'hint' }, t('sla.rule')));
}
