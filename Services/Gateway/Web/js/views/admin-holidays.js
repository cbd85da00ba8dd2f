// Holidays: a year's public holidays and make-up workdays (调休), added and removed by the admin. The gateway
// publishes each change, so every service counts working days with it at once; a new year needs no release.
import { h, replace } from '../dom.js';
import { t, label } from '../i18n.js';
import { get, put, api } from '../api.js';
import { field, form, toast, card, invalid, errorBox, loading } from '../ui.js';
import { businessDate, shanghaiToday } from '../format.js';

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function weekday(ymd) {
  const [y, m, d] = ymd.split('-').map(Number);
  return t(`holidays.weekday.${WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()]}`);
}

export default async function adminHolidays(ctx) {
  ctx.setTitle(t('admin.holidays'));
  ctx.setBack('#/admin');
  const thisYear = Number(shanghaiToday().slice(0, 4));
  let year = Math.max(2026, thisYear);
  const years = [];
  for (let y = Math.min(2026, thisYear); y <= thisYear + 3; y += 1) years.push(y);

  const yearSelect = field({ name: 'year', label: t('holidays.year'), value: year, test: 'holiday-year',
    options: years.map((y) => ({ value: y, label: String(y) })) });
  const list = h('div', { data: { test: 'holiday-list-wrap' } });

  async function load() {
    replace(list, loading());
    try {
      const page = await get('/calendar/days', { year });
      const counts = { holiday: 0, workday: 0 };
      for (const d of page.items) counts[d.kind] += 1;
      replace(list,
        h('p', { class: 'hint', data: { test: 'holiday-summary' } }, t('holidays.summary', { year, holidays: counts.holiday, workdays: counts.workday })),
        h('ul', { class: 'list', data: { test: 'holiday-list' } }, page.items.length ? page.items.map((d) => h('li', {},
          h('div', { class: 'row', data: { test: 'holiday-row', day: d.day, kind: d.kind } },
            h('div', { class: 'row-main' },
              h('div', { class: 'row-title' }, `${businessDate(d.day)} ${weekday(d.day)}`),
              h('div', { class: 'row-sub' }, h('span', { class: `chip ${d.kind === 'holiday' ? 'wait' : 'info'}` }, label('holidays.kind', d.kind)), ' ', d.name)),
            h('button', { type: 'button', class: 'btn', data: { test: 'holiday-remove', day: d.day },
              'aria-label': t('holidays.removeDay', { day: d.day }), onclick: (event) => remove(event.currentTarget, d) }, t('common.remove')))))
          : h('li', { class: 'empty', data: { test: 'holiday-empty' } }, t('holidays.none', { year }))));
    } catch (error) {
      replace(list, errorBox(error, load));
    }
  }

  async function remove(button, d) {
    if (!confirm(t('holidays.confirmRemove', { day: d.day, name: d.name }))) return;
    button.disabled = true;
    try {
      await api('DELETE', `/calendar/days/${encodeURIComponent(d.day)}`, undefined, {});
      toast(t('holidays.removed'));
      await load();
    } catch (error) {
      button.disabled = false;
      toast(error.message);
    }
  }

  yearSelect.input.addEventListener('change', () => {
    year = Number(yearSelect.input.value);
    day.input.placeholder = `${year}-10-01`;
    load();
  });

  const day = field({ name: 'day', label: t('holidays.day'), required: true, hint: t('holidays.dayHint'),
    attrs: { inputmode: 'numeric', placeholder: `${year}-10-01`, maxlength: 10, autocomplete: 'off' } });
  const kind = field({ name: 'kind', label: t('holidays.kindLabel'), required: true, value: 'holiday',
    options: ['holiday', 'workday'].map((k) => ({ value: k, label: label('holidays.kind', k) })) });
  const name = field({ name: 'name', label: t('holidays.name'), required: true, hint: t('holidays.nameHint'), attrs: { maxlength: 50 } });
  const el = form({ data: { test: 'holiday-form' } }, [day, kind, name,
    h('button', { type: 'submit', class: 'btn primary', data: { test: 'save-holiday' } }, t('holidays.save'))], async (_f, key) => {
    const text = day.input.value.trim();
    if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) throw invalid({ day: [t('holidays.dateFormat')] });
    await put(`/calendar/days/${encodeURIComponent(text)}`, { kind: kind.input.value, name: name.input.value.trim() }, { idempotencyKey: key });
    toast(t('common.saved'));
    day.input.value = '';
    name.input.value = '';
    const saved = Number(text.slice(0, 4));
    if (saved !== year && years.includes(saved)) {
      year = saved;
      yearSelect.input.value = String(saved);
    }
    await load();
  });

  replace(ctx.main, h('div', { class: 'split' },
    h('div', {}, yearSelect, list),
    card(t('holidays.add'), h('p', { class: 'hint' }, t('holidays.rule')), el)));
  await load();
}
