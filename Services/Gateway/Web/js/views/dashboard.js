// The manager's dashboard: this month's TOP5 reps, margin by product line, the conversion funnel, and approval time in
// working days against the 2-day line. Each panel links to the records behind it; the page refreshes every 60 s.
import { h, replace } from '../dom.js';
import { t, label, loadMessages } from '../i18n.js';
import { get, query } from '../api.js';
import { card, errorBox, loading } from '../ui.js';
import { money, percentText, shanghaiMonth, shanghaiToday, dayLabel, monthRange, addMonths, monthLabel, dateTime, basisPoints } from '../format.js';
import { hbar, funnel, lineVsTarget, pairedBars } from '../charts.js';
import { icon } from '../icons.js';
import { ageingBar } from './receivables.js';
import { kpiPanel } from './kpi-panel.js';
import { approvalSlaPanel } from './approval-sla-panel.js';

const REFRESH_MS = 60000;

function panel(title, test, link, linkText) {
  const body = h('div', {}, loading());
  const el = h('section', { class: 'card', data: { test } },
    h('div', { class: 'card-head' }, h('h2', {}, title), link ? h('a', { class: 'panel-link', href: link }, linkText || t('dashboard.records')) : null),
    body);
  el.body = body;
  return el;
}

export default async function dashboard(ctx) {
  ctx.setTitle(t('title.dashboard'));
  // The 审批时效 panel's strings load here, not in app.js's route table, which counts towards the rep's first screen.
  await loadMessages('approval-sla');
  const month = shanghaiMonth();
  const range = monthRange(month);
  const updated = h('span', { class: 'updated', role: 'status', data: { test: 'updated' } });
  ctx.setActions(h('button', { class: 'icon-btn', type: 'button', 'aria-label': t('common.refresh'), onclick: () => refresh() }, icon('refresh')));

  const kpis = h('div', { class: 'kpis', data: { test: 'kpis' } });
  // Issue 12: the KPI panel (daily active, conversion year on year, approval time), each tile linking to its records.
  const kpiTiles = kpiPanel(month);
  // Issue 12: approval SLA analytics (审批时效): per step, the slowest approvers, what is stuck, the breach list.
  const sla = approvalSlaPanel(month);
  const top = panel(t('dashboard.topReps', { month: monthLabel(month) }), 'panel-top-reps', '#/deals?stage=contract', t('dashboard.signedDeals'));
  const margins = panel(t('dashboard.margins'), 'panel-margins', '#/contracts?status=signed', t('dashboard.signedContracts'));
  const trueMargin = panel(t('margin.panel'), 'panel-true-margin', '#/repurchase', t('margin.repurchaseLink'));
  const fun = panel(t('dashboard.funnel'), 'panel-funnel', '#/deals', t('dashboard.allDeals'));
  const times = panel(t('dashboard.approvalTimes'), 'panel-approval-times', '#/approvals?view=all', t('dashboard.approvals'));
  const active = panel(t('dashboard.active'), 'panel-daily-active', ctx.user.role === 'admin' ? '#/admin/users' : null, t('admin.users'));
  const star = panel(t('dashboard.completenessStar'), 'panel-completeness', '#/completeness', t('dashboard.completenessReport'));
  const owed = panel(t('dashboard.receivables'), 'panel-receivables', '#/receivables', t('dashboard.receivablesReport'));

  replace(ctx.main, h('p', { class: 'dash-meta' }, updated), kpiTiles, kpis, h('div', { class: 'grid2' }, owed, top, margins, trueMargin, fun, times, sla, active, star));
  // Charts are drawn in viewBox units: a narrower box on a phone keeps their text readable.
  const narrow = window.matchMedia('(max-width: 599px)').matches;
  const size = narrow ? { width: 340, labelWidth: 84, valueWidth: 128 } : {};

  async function loadTop() {
    const data = await get('/reports/top-reps', { month });
    if (!data.items.length) return replace(top.body, h('p', { class: 'empty' }, t('dashboard.noSigned')));
    replace(top.body,
      hbar(data.items.map((r) => ({ label: r.displayName, value: Number(r.signedAmountFen), display: money(r.signedAmountFen),
        href: `#/contracts${query({ owner: r.userId })}` })), { ...size, title: t('dashboard.topReps', { month: monthLabel(month) }) }),
      h('ol', { class: 'visually-hidden' }, data.items.map((r) => h('li', {}, `${r.displayName}: ${money(r.signedAmountFen)}`))),
      h('ul', { class: 'list', data: { test: 'top-reps' } }, data.items.map((r, i) => h('li', {}, h('a', { class: 'row', href: `#/contracts${query({ owner: r.userId })}`, data: { test: 'top-rep', name: r.displayName } },
        h('div', { class: 'avatar', 'aria-hidden': 'true' }, String(i + 1)),
        h('div', { class: 'row-main' }, h('div', { class: 'row-title' }, r.displayName), h('div', { class: 'row-sub' }, `${r.region || '—'} · ${t('dashboard.contractsN', { n: r.contracts })}`)),
        h('div', { class: 'row-side amount num' }, money(r.signedAmountFen)))))));
    return data;
  }

  async function loadMargins() {
    const data = await get('/reports/product-line-margins', range);
    if (!data.items.length) return replace(margins.body, h('p', { class: 'empty' }, t('dashboard.noSigned')));
    replace(margins.body,
      hbar(data.items.map((m) => ({ label: m.productLine, value: Math.max(0, Number(m.grossMarginPercent || 0)), display: percentText(m.grossMarginPercent),
        href: '#/contracts?status=signed' })), { ...size, title: t('dashboard.margins') }),
      h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('dashboard.productLine')), h('th', { scope: 'col', class: 'num' }, t('dashboard.revenue')),
          h('th', { scope: 'col', class: 'num' }, t('dashboard.grossMargin')), h('th', { scope: 'col', class: 'num' }, '%'))),
        h('tbody', {}, data.items.map((m) => h('tr', {}, h('td', {}, m.productLine), h('td', { class: 'num' }, money(m.revenueFen)),
          h('td', { class: 'num' }, money(m.grossMarginFen)), h('td', { class: 'num' }, percentText(m.grossMarginPercent))))))));
    return data;
  }

  // Issue 11: quoted vs true margin (net of the cost of money and write-offs) over the last 365 days, best first.
  async function loadTrueMargin() {
    const data = await get('/reports/true-margin');
    if (!data.items.length) return replace(trueMargin.body, h('p', { class: 'empty' }, t('margin.none')));
    replace(trueMargin.body,
      h('p', { class: 'hint' }, t('margin.hint', { from: data.from, to: data.to, rate: basisPoints(data.annualRateBp) })),
      pairedBars(data.items.map((m) => ({ label: m.productLine, a: m.quotedMarginBp, b: m.trueMarginBp,
        aDisplay: basisPoints(m.quotedMarginBp), bDisplay: basisPoints(m.trueMarginBp) })),
      { width: size.width, title: t('margin.panel'), aLabel: t('margin.quoted'), bLabel: t('margin.true') }),
      h('div', { class: 'chart-legend' }, h('span', {}, h('span', { class: 'legend-swatch sw-primary' }), t('margin.quoted')),
        h('span', {}, h('span', { class: 'legend-swatch sw-good' }), t('margin.true'))),
      h('div', { class: 'table-wrap' }, h('table', { class: 'table', data: { test: 'true-margin-table' } },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('dashboard.productLine')), h('th', { scope: 'col', class: 'num' }, t('margin.quoted')),
          h('th', { scope: 'col', class: 'num' }, t('margin.true')), h('th', { scope: 'col', class: 'num' }, t('margin.daysToCollect')),
          h('th', { scope: 'col', class: 'num' }, t('margin.repurchaseRate')))),
        h('tbody', {}, data.items.map((m) => h('tr', { data: { test: 'true-margin-row', line: m.productLine } }, h('td', {}, m.productLine),
          h('td', { class: 'num', data: { test: 'quoted' } }, basisPoints(m.quotedMarginBp)),
          h('td', { class: `num${m.trueMarginBp !== null && m.trueMarginBp < 0 ? ' negative' : ''}`, data: { test: 'true' } },
            basisPoints(m.trueMarginBp), h('div', { class: 'row-sub' }, money(m.trueMarginFen))),
          h('td', { class: 'num', data: { test: 'days' } }, m.averageDaysToCollect === null ? '—' : t('dashboard.days', { n: m.averageDaysToCollect })),
          h('td', { class: 'num', data: { test: 'repurchase-rate' } }, basisPoints(m.repurchaseRateBp))))))));
    return data;
  }

  async function loadFunnel() {
    const data = await get('/reports/funnel', range);
    replace(fun.body, funnel(data.stages.map((st) => ({
      label: label('funnel', st.stage), count: st.count,
      note: st.conversionFromPrevious === null ? '' : t('dashboard.conversion', { pct: st.conversionFromPrevious }),
      href: st.stage === 'won' ? '#/deals?stage=contract' : `#/deals?stage=${st.stage}`,
    })), { width: size.width, title: t('dashboard.funnel') }));
    return data;
  }

  async function loadTimes() {
    const months = [-5, -4, -3, -2, -1, 0].map((o) => addMonths(month, o));
    const results = await Promise.all(months.map((m) => get('/reports/approval-times', monthRange(m))));
    const current = results[results.length - 1];
    replace(times.body,
      lineVsTarget(months.map((m, i) => {
        const avg = results[i].averageWorkingDays;
        return { label: monthLabel(m), value: avg === null ? null : Number(avg), display: avg === null ? '—' : t('dashboard.days', { n: avg }) };
      }), 2, { width: size.width, title: t('dashboard.approvalTimes'), targetLabel: t('dashboard.target'), href: '#/approvals?view=all' }),
      h('div', { class: 'chart-legend' }, h('span', {}, h('span', { class: 'legend-swatch sw-primary' }), t('dashboard.avgDays')),
        h('span', {}, h('span', { class: 'legend-swatch sw-target' }), t('dashboard.target'))),
      h('dl', { class: 'kv', data: { test: 'approval-figures' } },
        h('dt', {}, t('dashboard.decided')), h('dd', {}, String(current.decided)),
        h('dt', {}, t('dashboard.avgDays')), h('dd', {}, current.averageWorkingDays === null ? '—' : t('dashboard.days', { n: current.averageWorkingDays })),
        h('dt', {}, t('dashboard.median')), h('dd', {}, current.medianWorkingDays === null ? '—' : t('dashboard.days', { n: current.medianWorkingDays })),
        h('dt', {}, t('dashboard.within2')), h('dd', {}, percentText(current.withinTwoWorkingDays))));
    return current;
  }

  async function loadActive() {
    const today = shanghaiToday();
    const [y, m, d] = today.split('-').map(Number);
    const from = new Date(Date.UTC(y, m - 1, d - 6)).toISOString().slice(0, 10);
    const data = await get('/reports/daily-active', { from, to: today });
    replace(active.body,
      hbar(data.days.slice().reverse().map((day) => ({ label: dayLabel(day.day), value: day.activeUsers,
        display: t('dashboard.activeDay', { users: day.activeUsers, share: percentText(day.repShare) }) })), { ...size, title: t('dashboard.active') }),
      h('p', { class: 'hint' }, t('dashboard.activeHint', { reps: data.activeReps })));
    return data;
  }

  // The month's best rep by data completeness (computed live by the API) and the overall figure against the target.
  async function loadCompleteness() {
    const data = await get('/reports/completeness');
    const best = data.bestRepOfMonth;
    const below = data.overallBp !== null && data.overallBp < data.targetBp;
    replace(star.body,
      best
        ? h('a', { class: 'row', href: `#/completeness?rep=${encodeURIComponent(best.repId)}`, data: { test: 'best-rep', name: best.repName } },
          h('div', { class: 'avatar', 'aria-hidden': 'true' }, '★'),
          h('div', { class: 'row-main' }, h('div', { class: 'row-title' }, best.repName),
            h('div', { class: 'row-sub' }, t('dashboard.completenessBest', { month: monthLabel(data.month), customers: best.customers }))),
          h('div', { class: 'row-side num' }, basisPoints(best.averageBp)))
        : h('p', { class: 'empty' }, t('completeness.none')),
      h('dl', { class: 'kv', data: { test: 'completeness-overall' } },
        h('dt', {}, t('completeness.overall')), h('dd', {}, h('span', { class: `chip ${below ? 'wait' : 'ok'} num` }, basisPoints(data.overallBp))),
        h('dt', {}, t('completeness.targetLine')), h('dd', { class: 'num' }, basisPoints(data.targetBp))));
    return data;
  }

  // What signed contracts still have to collect, how much of it is overdue, and its ageing (receivables screen).
  async function loadReceivables() {
    const data = await get('/receivables', { by: 'company' });
    const total = data.total;
    replace(owed.body,
      h('dl', { class: 'kv', data: { test: 'receivables-figures' } },
        h('dt', {}, t('receivables.total')), h('dd', { class: 'num', data: { test: 'receivables-total' } }, money(total.totalFen)),
        h('dt', {}, t('receivables.overdue')), h('dd', { class: 'num', data: { test: 'receivables-overdue' } },
          h('span', { class: `chip ${total.overdueFen > 0 ? 'bad' : 'ok'} num` }, money(total.overdueFen)))),
      ageingBar(total.buckets, { title: t('dashboard.receivables'), width: size.width || 460 }));
    return data;
  }

  function kpi(labelText, value, test) {
    return h('div', { class: 'kpi', data: { test } }, h('div', { class: 'label' }, labelText), h('div', { class: 'value num' }, value));
  }

  async function refresh() {
    const settle = (p, target) => p.catch((error) => {
      if (error.status !== 401) replace(target.body, errorBox(error));
      return null;
    });
    const [topData, marginData, funnelData, timeData, , , , summary] = await Promise.all([
      settle(loadTop(), top), settle(loadMargins(), margins), settle(loadFunnel(), fun), settle(loadTimes(), times), settle(loadActive(), active), settle(loadCompleteness(), star), settle(loadReceivables(), owed),
      get('/reports/summary').catch(() => null), settle(loadTrueMargin(), trueMargin), settle(kpiTiles.load(), kpiTiles), settle(sla.load(), sla),
    ]);
    if (!ctx.isCurrent()) return;
    const signed = (topData?.items || []).reduce((sum, r) => sum + BigInt(r.signedAmountFen), 0n);
    const won = funnelData?.stages.find((st) => st.stage === 'won');
    replace(kpis,
      kpi(t('dashboard.kpiSigned'), money(signed), 'kpi-signed'),
      kpi(t('dashboard.kpiCustomers'), summary ? String(summary.customers) : '—', 'kpi-customers'),
      kpi(t('dashboard.kpiWon'), won ? String(won.count) : '—', 'kpi-won'),
      kpi(t('dashboard.kpiWithin2'), timeData ? percentText(timeData.withinTwoWorkingDays) : '—', 'kpi-within2'));
    void marginData;
    updated.textContent = t('dashboard.updated', { time: dateTime(new Date().toISOString()) });
  }

  await refresh();
  const timer = setInterval(() => refresh().catch(() => {}), REFRESH_MS);
  ctx.onLeave(() => clearInterval(timer));
}
