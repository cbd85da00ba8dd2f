// Import customers from a CSV or Excel file (issue 10): pick a file, 试运行 (dry run) shows what would happen and the
// first problems by row and column, then 导入 runs it with a progress bar polled from the job, and the summary lists
// every problem (downloadable as CSV). The server decides the file's kind and encoding from its bytes.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, upload, newKey } from '../api.js';
import { field, problemText, card } from '../ui.js';

const SHOWN_ERRORS = 100;

const CONTENT_TYPES = {
  csv: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

function contentType(file) {
  const extension = (file.name.split('.').pop() || '').toLowerCase();
  return CONTENT_TYPES[extension] || 'application/octet-stream';
}

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

export default async function customerImport(ctx) {
  ctx.setTitle(t('import.title'));
  const file = field({ name: 'file', label: t('import.file'), type: 'file', test: 'import-file',
    attrs: { accept: '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' } });
  const message = h('p', { class: 'field-error', role: 'alert', hidden: true, data: { test: 'import-message' } });
  const dryRun = h('button', { class: 'btn', type: 'button', data: { test: 'import-dry-run' } }, t('import.dryRun'));
  const run = h('button', { class: 'btn primary', type: 'button', data: { test: 'import-run' } }, t('import.run'));
  const bar = h('progress', { class: 'progress', max: 1, value: 0, data: { test: 'import-progress' } });
  const progressText = h('div', { class: 'hint', data: { test: 'import-progress-text' } });
  const progress = h('div', { class: 'import-progress', hidden: true }, bar, progressText);
  const result = h('div', { data: { test: 'import-result' } });
  // One Idempotency-Key per file and mode, so a double tap or a retry after a lost answer starts one job.
  const keys = new Map();

  async function start(isDryRun) {
    message.hidden = true;
    const chosen = file.input.files && file.input.files[0];
    if (!chosen) {
      message.textContent = t('import.pickFile');
      message.hidden = false;
      return;
    }
    const keyName = `${chosen.name}|${chosen.size}|${chosen.lastModified}|${isDryRun}`;
    if (!keys.has(keyName)) keys.set(keyName, newKey());
    dryRun.disabled = true;
    run.disabled = true;
    replace(result);
    // The previous run's state goes first: nothing reads "succeeded" of a dry run as this run's end.
    delete progress.dataset.status;
    bar.removeAttribute('value');
    progressText.textContent = '';
    try {
      let job = await upload(`/customers/imports?dryRun=${isDryRun}`, chosen, { contentType: contentType(chosen), idempotencyKey: keys.get(keyName) });
      progress.hidden = false;
      while (job.status === 'queued' || job.status === 'running') {
        show(job);
        await sleep(400);
        job = await get(`/customers/imports/${job.id}`);
      }
      show(job);
      await summary(job);
      if (!isDryRun) keys.clear();
    } catch (error) {
      message.textContent = problemText(error);
      message.hidden = false;
    } finally {
      dryRun.disabled = false;
      run.disabled = false;
    }
  }

  function show(job) {
    bar.max = Math.max(job.totalRows, 1);
    bar.value = job.status === 'succeeded' ? bar.max : job.processedRows;
    progressText.textContent = `${t(`import.status.${job.status}`)} · ${t('import.progress', { n: job.processedRows, total: job.totalRows })}`;
    progress.dataset.status = job.status;
  }

  async function summary(job) {
    if (job.status === 'failed') {
      replace(result, card(t('import.status.failed'), h('p', { data: { test: 'import-failure' } }, t('import.failed', { reason: job.failure || '' }))));
      return;
    }
    const counts = h('dl', { class: 'counts', data: { test: 'import-counts' } },
      ...['created', 'updated', 'unchanged', 'duplicates', 'errors'].flatMap((name) => [
        h('dt', {}, t(`import.${name}`)), h('dd', { data: { test: `import-${name}` } }, String(job[name]))]));
    const page = await get(`/customers/imports/${job.id}/errors`, { limit: SHOWN_ERRORS });
    const rows = page.items;
    const table = rows.length === 0
      ? h('p', { data: { test: 'import-no-errors' } }, t('import.noErrors'))
      : h('table', { class: 'table', data: { test: 'import-errors' } },
        h('thead', {}, h('tr', {}, h('th', {}, t('import.row')), h('th', {}, t('import.column')), h('th', {}, t('import.message')))),
        h('tbody', {}, rows.map((e) => h('tr', { data: { test: 'import-error', row: e.row, code: e.code } },
          h('td', {}, String(e.row)), h('td', {}, e.column || ''), h('td', {}, e.message)))));
    const csv = ['\ufeff行,列,代码,说明', ...rows.map((e) => [e.row, e.column || '', e.code, e.message]
      .map((v) => `"${String(v).replace(/"/g, '""')}"`).join(','))].join('\r\n');
    const download = rows.length === 0 ? null : h('a', { class: 'btn', download: `import-errors-${job.id.slice(0, 8)}.csv`,
      href: URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' })), data: { test: 'import-download-errors' } }, t('import.downloadErrors'));
    replace(result, card(job.dryRun ? t('import.dryRunDone') : t('import.done'), counts,
      h('h3', {}, t('import.errorList')), table,
      page.nextCursor ? h('p', { class: 'hint' }, t('import.moreErrors', { n: SHOWN_ERRORS })) : null,
      download,
      job.dryRun ? null : h('a', { class: 'btn', href: '#/customers', data: { test: 'import-back' } }, t('common.back'))));
  }

  dryRun.addEventListener('click', () => start(true));
  run.addEventListener('click', () => start(false));
  replace(ctx.main, h('div', { class: 'card', data: { test: 'customer-import-screen' } },
    h('p', { class: 'hint' }, t('import.hint')), file, message,
    h('div', { class: 'actions' }, dryRun, run), progress), result);
}
