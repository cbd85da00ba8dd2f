// 发票 on a signed contract's page: the invoices (number, date, amount) with their electronic PDF; finance records an
// invoice and uploads its PDF (at most 10 MB, a real PDF). Everyone who sees the contract can download them.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { api, get, post, newKey } from '../api.js';
import { card, field, form, toast, problemText, loading, invalid } from '../ui.js';
import { money, businessDate, parseYuan, shanghaiToday } from '../format.js';

const ISSUERS = ['finance', 'admin'];

export function invoicesCard(contract, ctx) {
  const body = h('div', { data: { test: 'invoices' } }, loading());
  const issuer = ISSUERS.includes(ctx.user.role);

  async function load() {
    try {
      const reply = await get(`/contracts/${contract.id}/invoices`);
      render(reply.items);
    } catch (error) {
      if (error.status !== 401) replace(body, h('div', { class: 'form-error' }, problemText(error)));
    }
  }

  // The picker and its button sit in the row; what the upload says goes on a line of its own under the row, where a
  // phone has the width for it (in the row's narrow side column a refusal was cut off).
  function uploadControls(invoice) {
    const input = h('input', { type: 'file', accept: 'application/pdf,.pdf', hidden: true, data: { test: 'invoice-pdf-file' } });
    const message = h('div', { role: 'alert', data: { test: 'invoice-upload-message' } });
    input.addEventListener('change', async () => {
      const file = input.files[0];
      if (!file) return;
      // One key per chosen file: a refused file's answer must not be replayed for the next one.
      const key = newKey();
      replace(message, t('invoices.uploading'));
      try {
        await api('PUT', `/invoices/${invoice.id}/pdf`, undefined, { raw: file, contentType: 'application/pdf', idempotencyKey: key });
        toast(t('invoices.uploaded'));
        await load();
      } catch (error) {
        // The server checks the bytes (a PDF starts with %PDF-) and the size; say so in the user's words.
        const text = error.status === 413 ? t('invoices.pdfTooLarge') : [415, 422].includes(error.status) ? t('invoices.notPdf') : problemText(error);
        if (error.status !== 401) replace(message, h('div', { class: 'form-error' }, text));
      } finally {
        input.value = '';
      }
    });
    const button = h('span', {}, input, h('button', { class: 'btn small', type: 'button', data: { test: 'invoice-upload' }, onclick: () => input.click() },
      invoice.hasPdf ? t('invoices.replacePdf') : t('invoices.uploadPdf')));
    return { button, message };
  }

  function render(invoices) {
    const total = invoices.reduce((sum, i) => sum + BigInt(i.amountFen), 0n);
    const rows = invoices.map((i) => {
      const upload = issuer ? uploadControls(i) : null;
      return h('li', { data: { test: 'invoice', number: i.number } }, h('div', { class: 'row', data: { test: 'invoice-row', number: i.number } },
        h('div', { class: 'row-main' },
          h('div', { class: 'row-title' }, i.number),
          h('div', { class: 'row-sub' }, businessDate(i.issuedOn))),
        h('div', { class: 'row-side' }, h('div', { class: 'amount num' }, money(i.amountFen)),
          i.hasPdf ? h('a', { class: 'btn small', href: `/api/v1/invoices/${i.id}/pdf`, download: `invoice-${i.number}.pdf`, data: { test: 'invoice-download' } }, t('invoices.download'))
            : h('span', { class: 'muted small' }, t('invoices.noPdf')),
          upload?.button)),
      upload?.message);
    });
    replace(body,
      invoices.length ? h('ul', { class: 'list' }, rows) : h('p', { class: 'muted', data: { test: 'no-invoices' } }, t('invoices.none')),
      h('p', { class: 'muted small', data: { test: 'invoiced-total' } }, t('invoices.total', { invoiced: money(total.toString()), amount: money(contract.amountFen) })),
      issuer ? newInvoiceForm() : null);
  }

  function newInvoiceForm() {
    const number = field({ name: 'number', label: t('invoices.number'), required: true });
    const issuedOn = field({ name: 'issuedOn', label: t('invoices.issuedOn'), type: 'date', value: shanghaiToday(), required: true });
    const amount = field({ name: 'amountFen', label: t('invoices.amount'), required: true, attrs: { inputmode: 'decimal' } });
    return h('details', { class: 'invoice-new' }, h('summary', { data: { test: 'invoice-new' } }, t('invoices.new')),
      form({ data: { test: 'invoice-form' } }, [number, issuedOn, amount,
        h('div', { class: 'actions' }, h('button', { class: 'btn primary', type: 'submit', data: { test: 'invoice-save' } }, t('common.save')))],
      async (el, key) => {
        const fen = parseYuan(amount.input.value);
        if (fen === null) throw invalid({ amountFen: [t('invoices.badAmount')] });
        await post(`/contracts/${contract.id}/invoices`, { number: number.input.value.trim(), issuedOn: issuedOn.input.value, amountFen: Number(fen) }, { idempotencyKey: key });
        toast(t('invoices.created'));
        await load();
      }));
  }

  load();
  return card(t('invoices.title'), body);
}
