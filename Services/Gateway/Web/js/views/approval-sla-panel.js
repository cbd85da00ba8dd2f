// The "审批时效" panel of issue 12 on the dashboard: approval SLA analytics for the month — each approval step's average
// and p90 working days with its breach share (green / amber / red, as the API judges it), the slowest approvers, the
// steps stuck past their SLA now, and a link to the breach list (#/approval-sla/breaches).
import { h, replace } from '../dom.js';
import { t, label } from '../i18n.js';
import { get } from '../api.js';
import { percentText } from '../format.js';
import { statusChip } from './kpi-panel.js';

const CHIP = { green: 'ok', amber: 'wait', red: 'bad' };

function days(n) {
  return n === null || n === undefined ? '—' : t('sla.days', { n });
}

// A role of a step, or "unknown" before approval.requested has arrived.
export function stepRole(role) {
  return role && role !== 'unknown' ? label('role', role) : t('sla.unknownRole');
}

function stepRow(s) {
  return h('tr', { data: { test: 'sla-step', role: s.role, status: s.status || 'none' } },
    h('th', { scope: 'row' }, stepRole(s.role)),
    h('td', { class: 'num' }, String(s.decided)),
    h('td', { class: 'num' }, days(s.averageWorkingDays)),
    h('td', { class: 'num' }, days(s.p90WorkingDays)),
    h('td', { class: 'num' }, h('span', { class: `chip ${CHIP[s.status] || ''} num` }, `${s.breaches} · ${percentText(s.breachShare)}`)));
}

// A section the dashboard places; load() fetches the month's figures and draws them.
export function approvalSlaPanel(month) {
  const body = h('div', {});
  const el = h('section', { class: 'card', data: { test: 'panel-approval-sla' } },
    h('div', { class: 'card-head' }, h('h2', {}, t('sla.panel')),
      h('a', { class: 'panel-link', href: `#/approval-sla/breaches?month=${month}`, data: { test: 'sla-breaches-link' } }, t('sla.breachList'))),
    body);
  el.body = body;
  el.load = async () => {
    const data = await get('/reports/approval-sla', { month });
    const o = data.overall;
    const summary = h('p', { class: 'dash-meta', data: { test: 'sla-summary', status: data.status || 'none' } },
      statusChip(data.status), ' ',
      t('sla.summary', { n: o.decided, avg: days(o.averageWorkingDays), breaches: o.breaches, share: percentText(o.breachShare), sla: data.defaultSlaWorkingDays }));
    const steps = data.steps.length
      ? h('div', { class: 'table-wrap' }, h('table', { class: 'table', data: { test: 'sla-steps' } },
        h('thead', {}, h('tr', {}, [t('sla.step'), t('sla.decided'), t('sla.average'), t('sla.p90'), t('sla.breaches')]
          .map((x, i) => h('th', { scope: 'col', class: i ? 'num' : '' }, x)))),
        h('tbody', {}, data.steps.map(stepRow))))
      : h('p', { class: 'empty' }, t('sla.noDecisions'));
    const slowest = data.slowestApprovers.length
      ? [h('h3', { class: 'section-title' }, t('sla.slowest')),
        h('ol', { class: 'list', data: { test: 'sla-slowest' } }, data.slowestApprovers.map((a, i) => h('li', { class: 'row', data: { test: 'sla-approver', approver: a.approverId } },
          h('div', { class: 'avatar', 'aria-hidden': 'true' }, String(i + 1)),
          h('div', { class: 'row-main' }, h('div', { class: 'row-title' }, a.approverName || a.approverId),
            h('div', { class: 'row-sub' }, t('sla.approverDetail', { n: a.decided, p90: days(a.p90WorkingDays), breaches: a.breaches }))),
          h('div', { class: 'row-side num' }, days(a.averageWorkingDays)))))]
      : [];
    const stuck = [h('h3', { class: 'section-title' }, t('sla.stuck', { n: data.stuck.length })),
      data.stuck.length
        ? h('ul', { class: 'list', data: { test: 'sla-stuck' } }, data.stuck.map((s) => h('li', {}, h('a', { class: 'row', href: `#/approvals/${s.approvalId}`, data: { test: 'sla-stuck-row', contract: s.contractNumber } },
          h('div', { class: 'row-main' }, h('div', { class: 'row-title' }, s.contractNumber),
            h('div', { class: 'row-sub' }, `${stepRole(s.role)} · ${s.approverName || s.approverId}`)),
          h('div', { class: 'row-side' }, h('span', { class: 'chip bad num' }, t('sla.waited', { n: s.waitedWorkingDays, sla: s.slaWorkingDays })))))))
        : h('p', { class: 'empty', data: { test: 'sla-nothing-stuck' } }, t('sla.nothingStuck'))];
    replace(body, summary, steps, ...slowest, ...stuck);
    return data;
  };
  return el;
}
