// 拜访周报: visits per rep per ISO week (Asia/Shanghai), as a table heat-map: one row per rep, one cell per week, the
// darker the more visits; flagged visits, average length and how the follow-ups went beside it.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { loading, errorBox, empty } from '../ui.js';
import { visitTabs, durationText } from './visits.js';

const WEEK_CHOICES = [4, 8, 12];

/** A cell's shade: 0 → none, the busiest week of the table → the full primary colour. */
function shade(count, max) {
  if (!count) return null;
  const step = Math.min(4, Math.ceil((count / Math.max(max, 1)) * 4));
  return `heat heat-${step}`;
}

function sum(values) {
  return values.reduce((a, b) => a + b, 0);
}

export default async function visitsWeekly(ctx) {
  ctx.setTitle(t('visitViews.weekly'));
  // A phone shows four weeks unless asked for more, so this week fits on the screen without scrolling sideways.
  const fallback = window.matchMedia('(max-width: 700px)').matches ? 4 : 8;
  const weeks = WEEK_CHOICES.includes(Number(ctx.query.weeks)) ? Number(ctx.query.weeks) : fallback;
  const choices = h('div', { class: 'seg-tabs choice', role: 'group', 'aria-label': t('visitViews.weeksLabel') },
    WEEK_CHOICES.map((n) => h('a', { href: `#/visits/weekly?weeks=${n}`, class: 'seg', 'aria-current': n === weeks ? 'true' : null,
      data: { test: `weeks-${n}` } }, t('visitViews.weeksN', { n }))));
  const body = h('div', { data: { test: 'weekly-report' } }, loading());
  replace(ctx.main, h('div', {}, visitTabs('weekly'), choices, body));
  const load = async () => {
    replace(body, loading());
    try {
      const report = await get('/reports/visits-weekly', { weeks });
      if (!ctx.isCurrent()) return;
      if (!report.reps.length) {
        replace(body, empty(t('visitViews.noReps')));
        return;
      }
      const max = Math.max(1, ...report.reps.flatMap((r) => r.counts));
      const head = h('tr', {}, h('th', { scope: 'col' }, t('visitViews.col.rep')),
        report.weeks.map((w, i) => h('th', { scope: 'col', class: 'num', title: w }, i === report.weeks.length - 1 ? t('visitViews.thisWeek') : w.slice(5))),
        h('th', { scope: 'col', class: 'num' }, t('visitViews.col.total')),
        h('th', { scope: 'col', class: 'num' }, t('visitViews.col.flagged')),
        h('th', { scope: 'col', class: 'num' }, t('visitViews.col.avgDuration')),
        h('th', { scope: 'col', class: 'num' }, t('visitViews.col.followUps')));
      const rows = report.reps.map((r) => {
        const onTime = sum(r.followUpsOnTime);
        const late = sum(r.followUpsLate);
        const overdue = sum(r.followUpsOverdue);
        return h('tr', { data: { test: 'weekly-row', rep: r.repName, total: sum(r.counts), thisWeek: r.counts[r.counts.length - 1] } },
          h('th', { scope: 'row' }, r.repName),
          r.counts.map((n, i) => h('td', { class: `num ${shade(n, max) || ''}`, data: { test: 'weekly-cell', count: n },
            title: `${report.weeks[i]} · ${t('visitViews.visitCount', { n })}${r.flagged[i] ? ` · ${t('visitViews.flaggedCount', { n: r.flagged[i] })}` : ''}` },
          String(n), r.flagged[i] ? h('sup', { class: 'flag-mark', 'aria-label': t('visitViews.flaggedCount', { n: r.flagged[i] }) }, `⚑${r.flagged[i]}`) : null)),
          h('td', { class: 'num strong' }, String(sum(r.counts))),
          h('td', { class: 'num' }, String(sum(r.flagged))),
          h('td', { class: 'num' }, r.averageDurationMinutes == null ? '—' : durationText(r.averageDurationMinutes)),
          h('td', { class: 'num small' }, sum(r.followUpsSet)
            ? t('visitViews.followUpSummary', { set: sum(r.followUpsSet), onTime, late, overdue }) : '—'));
      });
      replace(body,
        h('div', { class: 'card table-card' },
          h('div', { class: 'table-scroll' }, h('table', { class: 'table heatmap', data: { test: 'weekly-table' } },
            h('caption', {}, t('visitViews.weeklyCaption', { n: report.weeks.length, from: report.weeks[0], to: report.weeks[report.weeks.length - 1] })),
            h('thead', {}, head), h('tbody', {}, rows)))),
        h('p', { class: 'hint' }, t('visitViews.weeklyHint')));
    } catch (error) {
      if (error && error.status === 401) return;
      replace(body, errorBox(error, load));
    }
  };
  await load();
}
