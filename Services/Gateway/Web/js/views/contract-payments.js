// The payment plan (回款计划) and receipts (回款) of a signed contract, as a panel of the contract page: installments
// with paid and outstanding, the plan editor (owner, managers, finance) with a live sum check, and for finance:
// record a receipt (oldest first or by hand), reverse one with a reason, write an installment off.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, post, put } from '../api.js';
import { card, sheet, field, form, invalid, toast } from '../ui.js';
import { money, parseYuan, fenToInput, businessDate, dateTime, shanghaiToday, shortId } from '../format.js';

const TONE = { overdue: 'bad', due: 'wait', paid: 'ok', written_off: '', scheduled: '' };
const METHODS = ['bank_transfer', 'acceptance_bill', 'cash', 'other'];

function statusChip(status) {
  return h('span', { class: `chip ${TONE[status] || ''}`, data: { test: 'installment-status', status } }, t(`payments.status.${status}`));
}

function dueText(i) {
  if (i.dueAfterDeliveryDays !== undefined && !i.dueOn) return t('payments.afterDelivery', { days: i.dueAfterDeliveryDays });
  if (i.dueAfterDeliveryDays !== undefined) return `${businessDate(i.dueOn)}（${t('payments.afterDelivery', { days: i.dueAfterDeliveryDays })}）`;
  return businessDate(i.dueOn);
}

/** The panel for contract `c` (signed); `refresh` re-renders the contract page after a change. */
export async function paymentsPanel(ctx, c, refresh) {
  const p = await get(`/contracts/${c.id}/payments`);
  const finance = ctx.user.role === 'finance';
  const bySeq = new Map(p.installments.map((i) => [i.id, i]));
  // The API names people by user id; the caller is shown by name, others by the start of their id.
  const who = (id) => (id && String(id).toLowerCase() === String(ctx.user.id).toLowerCase() ? (ctx.user.displayName || t('payments.me')) : shortId(id));

  const summary = h('dl', { class: 'kv pay-summary', data: { test: 'payments-summary' } },
    h('dt', {}, t('payments.amount')), h('dd', { class: 'num' }, money(p.amountFen)),
    h('dt', {}, t('payments.paid')), h('dd', { class: 'num', data: { test: 'payments-paid' } }, money(p.paidFen)),
    BigInt(p.writtenOffFen) > 0n ? [h('dt', {}, t('payments.writtenOff')), h('dd', { class: 'num' }, money(p.writtenOffFen))] : null,
    h('dt', {}, t('payments.outstanding')), h('dd', { class: 'num' }, h('strong', { data: { test: 'payments-outstanding' } }, money(p.outstandingFen)),
      p.collected ? [' ', h('span', { class: 'chip ok', data: { test: 'payments-collected' } }, t('payments.collected'))] : null),
    p.deliveredAt ? [h('dt', {}, t('payments.deliveredAt')), h('dd', {}, dateTime(p.deliveredAt))] : null);

  const rows = h('ul', { class: 'plines pay-installments', data: { test: 'installments' } }, p.installments.map((i) => h('li', { data: { test: 'installment', sequence: i.sequence, status: i.status } },
    h('div', { class: 'pl-main' },
      h('div', { class: 'pl-name' }, `${i.sequence}. ${i.label} `, statusChip(i.status)),
      h('div', { class: 'muted small' }, t('payments.due'), ' ', h('span', { data: { test: 'installment-due' } }, dueText(i))),
      h('div', { class: 'muted small num' }, t('payments.paidOf', { paid: money(i.paidFen), outstanding: money(i.outstandingFen) }),
        BigInt(i.writtenOffFen) > 0n ? ` · ${t('payments.writtenOffIs', { amount: money(i.writtenOffFen) })}${i.writtenOffReason ? `（${i.writtenOffReason}）` : ''}` : ''),
      finance && BigInt(i.outstandingFen) > 0n ? h('button', { class: 'btn small', type: 'button', data: { test: 'write-off' }, onclick: () => writeOff(i) }, t('payments.writeOff')) : null),
    h('div', { class: 'pl-amount num', data: { test: 'installment-amount' } }, money(i.amountFen)))));

  const receipts = p.receipts.length
    ? h('ul', { class: 'list pay-receipts', data: { test: 'receipts' } }, p.receipts.map((r) => h('li', { class: r.reversedAt ? 'reversed' : '', data: { test: 'receipt', id: r.id, reversed: r.reversedAt ? 'yes' : 'no', allocations: r.allocations.length } },
      h('div', { class: 'pay-receipt-head' },
        h('span', { class: 'num pay-receipt-amount' }, money(r.amountFen)),
        h('span', {}, `${businessDate(r.receivedOn)} · ${t(`payments.method.${r.method}`)}${r.reference ? ` · ${r.reference}` : ''}`)),
      h('div', { class: 'muted small' }, r.allocations.map((a) => `${bySeq.get(a.installmentId)?.label || '—'} ${money(a.amountFen)}`).join('，')),
      h('div', { class: 'muted small' }, t('payments.recordedBy', { who: who(r.recordedBy), time: dateTime(r.recordedAt) })),
      r.reversedAt ? h('div', { class: 'small pay-reversal', data: { test: 'reversal' } }, t('payments.reversedBy', { who: who(r.reversedBy), time: dateTime(r.reversedAt), reason: r.reversalReason || '' })) : null,
      finance && !r.reversedAt ? h('button', { class: 'btn small', type: 'button', data: { test: 'reverse-receipt' }, onclick: () => reverse(r) }, t('payments.reverse')) : null)))
    : h('p', { class: 'muted', data: { test: 'no-receipts' } }, t('payments.noReceipts'));

  const changes = p.planChanges.length
    ? h('p', { class: 'muted small', data: { test: 'plan-changes' } }, p.planChanges.slice(0, 3).map((ch) => t(`payments.change.${ch.kind}`, { who: who(ch.changedBy), time: dateTime(ch.changedAt) })).join('；'))
    : null;

  const actions = h('div', { class: 'actions' },
    h('button', { class: 'btn', type: 'button', data: { test: 'edit-plan' }, onclick: editPlan }, t('payments.editPlan')),
    finance && BigInt(p.outstandingFen) > 0n ? h('button', { class: 'btn primary', type: 'button', data: { test: 'record-receipt' }, onclick: recordReceipt }, t('payments.record')) : null);

  return card(t('payments.title'), h('div', { data: { test: 'payments-panel' } }, summary, rows, changes, actions,
    h('h3', { class: 'section-title' }, t('payments.receipts')), receipts));

  function editPlan() {
    sheet(t('payments.editPlan'), (close) => {
      const list = h('div', { class: 'pay-plan-rows' });
      const total = h('p', { class: 'pay-sum', data: { test: 'plan-sum' }, 'aria-live': 'polite' });
      function sum() {
        let fen = 0n;
        let bad = false;
        for (const row of list.children) {
          const v = parseYuan(row.amount.input.value);
          if (v === null) bad = true; else fen += v;
        }
        const diff = BigInt(p.amountFen) - fen;
        const ok = !bad && diff === 0n;
        total.className = `pay-sum ${ok ? 'ok' : 'bad'}`;
        total.dataset.ok = ok ? 'yes' : 'no';
        replace(total, t('payments.sumIs', { sum: money(fen), amount: money(p.amountFen) }), ' ',
          ok ? t('payments.sumOk') : bad ? t('error.amount') : diff > 0n ? t('payments.sumDiff', { diff: money(diff) }) : t('payments.sumOver', { diff: money(-diff) }));
        return ok;
      }
      function addRow(i) {
        const index = list.children.length;
        const afterDelivery = i ? i.dueAfterDeliveryDays !== undefined : false;
        const label = field({ name: `installments.${index}.label`, label: t('payments.label'), required: true, value: i?.label || '', attrs: { maxlength: 40 } });
        const amount = field({ name: `installments.${index}.amountFen`, label: t('payments.amountYuan'), required: true, value: i ? fenToInput(i.amountFen) : '', attrs: { inputmode: 'decimal', oninput: sum } });
        const kind = field({ name: `installments.${index}.kind`, label: t('payments.dueKind'), value: afterDelivery ? 'delivery' : 'date',
          options: [{ value: 'date', label: t('payments.dueOnDate') }, { value: 'delivery', label: t('payments.dueAfterDelivery') }] });
        const date = field({ name: `installments.${index}.dueOn`, label: t('payments.dueOn'), type: 'date', value: !afterDelivery ? (i?.dueOn || shanghaiToday()) : '' });
        const days = field({ name: `installments.${index}.dueAfterDeliveryDays`, label: t('payments.days'), type: 'number', value: afterDelivery ? String(i.dueAfterDeliveryDays) : '30', attrs: { min: 0, max: 3650 } });
        function show() {
          date.hidden = kind.input.value !== 'date';
          days.hidden = kind.input.value === 'date';
        }
        kind.input.addEventListener('change', show);
        const remove = h('button', { type: 'button', class: 'btn small', data: { test: 'remove-installment' }, onclick: () => { row.remove(); renumber(); sum(); } }, t('payments.removeRow'));
        const row = h('fieldset', { class: 'pay-plan-row', data: { test: 'plan-row' } }, h('legend', {}, t('payments.installmentN', { n: index + 1 })), label, amount, kind, date, days, remove);
        Object.assign(row, { label, amount, kind, date, days });
        list.append(row);
        show();
        sum();
      }
      // Field names follow the rows' positions, so the API's errors (installments.<index>.<field>) land on the right row.
      function renumber() {
        [...list.children].forEach((row, index) => {
          row.querySelector('legend').textContent = t('payments.installmentN', { n: index + 1 });
          for (const el of row.querySelectorAll('[name], [data-field]')) {
            for (const attr of ['name', 'data-field']) {
              const value = el.getAttribute(attr);
              if (value) el.setAttribute(attr, value.replace(/^installments\.\d+\./, `installments.${index}.`));
            }
          }
        });
      }
      for (const i of p.installments) addRow(i);
      return form({ data: { test: 'plan-form' } }, [
        total,
        h('div', { data: { field: 'installments' } }, h('div', { class: 'field-error', hidden: true, role: 'alert' })),
        list,
        h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'btn', data: { test: 'add-installment' }, onclick: () => addRow(null) }, t('payments.addRow')),
          h('button', { type: 'button', class: 'btn', onclick: close }, t('common.cancel')),
          h('button', { type: 'submit', class: 'btn primary', data: { test: 'save-plan' } }, t('common.save')))], async (_f, key) => {
        const errors = {};
        const installments = [...list.children].map((row, index) => {
          const fen = parseYuan(row.amount.input.value);
          if (fen === null || fen <= 0n) errors[`installments.${index}.amountFen`] = [t('error.amount')];
          const item = { label: row.label.input.value.trim(), amountFen: Number(fen ?? 0n) };
          if (row.kind.input.value === 'date') item.dueOn = row.date.input.value;
          else item.dueAfterDeliveryDays = Number(row.days.input.value);
          return item;
        });
        if (!sum() && !Object.keys(errors).length) errors.installments = [t('payments.sumMust', { amount: money(p.amountFen) })];
        if (Object.keys(errors).length) throw invalid(errors);
        await put(`/contracts/${c.id}/payment-plan`, { installments }, { idempotencyKey: key });
        close();
        toast(t('payments.planSaved'));
        await refresh();
      });
    });
  }

  function recordReceipt() {
    sheet(t('payments.record'), (close) => {
      const amount = field({ name: 'amountFen', label: t('payments.amountYuan'), required: true, value: '', attrs: { inputmode: 'decimal' } });
      const day = field({ name: 'receivedOn', label: t('payments.receivedOn'), type: 'date', required: true, value: shanghaiToday(), attrs: { max: shanghaiToday() } });
      const method = field({ name: 'method', label: t('payments.methodLabel'), value: 'bank_transfer', options: METHODS.map((m) => ({ value: m, label: t(`payments.method.${m}`) })) });
      const reference = field({ name: 'reference', label: t('payments.reference'), value: '', attrs: { maxlength: 100 } });
      const open = p.installments.filter((i) => BigInt(i.outstandingFen) > 0n);
      const manualBox = h('div', { class: 'pay-manual', hidden: true, data: { field: 'allocations' } }, h('div', { class: 'field-error', hidden: true, role: 'alert' }),
        open.map((i) => {
          const f = field({ name: `alloc-${i.id}`, label: `${i.sequence}. ${i.label}（${t('payments.outstandingIs', { amount: money(i.outstandingFen) })}）`, value: '', test: 'allocation', attrs: { inputmode: 'decimal' } });
          f.installmentId = i.id;
          return f;
        }));
      const manual = h('input', { type: 'checkbox', data: { test: 'manual-allocation' }, onchange: () => { manualBox.hidden = !manual.checked; } });
      return form({ data: { test: 'receipt-form' } }, [amount, day, method, reference,
        h('label', { class: 'check' }, manual, ' ', t('payments.manual')),
        h('p', { class: 'hint' }, t('payments.oldestFirstHint')),
        manualBox,
        h('div', { class: 'actions end' },
          h('button', { type: 'button', class: 'btn', onclick: close }, t('common.cancel')),
          h('button', { type: 'submit', class: 'btn primary', data: { test: 'save-receipt' } }, t('payments.recordConfirm')))], async (_f, key) => {
        const fen = parseYuan(amount.input.value);
        if (fen === null || fen <= 0n) throw invalid({ amountFen: [t('error.amount')] });
        const body = { amountFen: Number(fen), receivedOn: day.input.value, method: method.input.value };
        const ref = reference.input.value.trim();
        if (ref) body.reference = ref;
        if (manual.checked) {
          const allocations = [];
          for (const f of manualBox.querySelectorAll('.field')) {
            const text = f.querySelector('input').value.trim();
            if (!text) continue;
            const v = parseYuan(text);
            if (v === null || v <= 0n) throw invalid({ allocations: [t('error.amount')] });
            allocations.push({ installmentId: f.installmentId, amountFen: Number(v) });
          }
          body.allocations = allocations;
        }
        await post(`/contracts/${c.id}/receipts`, body, { idempotencyKey: key });
        close();
        toast(t('payments.recorded'));
        await refresh();
      });
    });
  }

  function reasonSheet(title, test, path, done) {
    sheet(title, (close) => {
      const reason = field({ name: 'reason', label: t('payments.reason'), textarea: true, required: true, value: '', attrs: { maxlength: 500 } });
      return form({ data: { test } }, [reason, h('div', { class: 'actions end' },
        h('button', { type: 'button', class: 'btn', onclick: close }, t('common.cancel')),
        h('button', { type: 'submit', class: 'btn danger', data: { test: `confirm-${test}` } }, t('payments.confirm')))], async (_f, key) => {
        const text = reason.input.value.trim();
        if (!text) throw invalid({ reason: [t('payments.reasonNeeded')] });
        await post(path, { reason: text }, { idempotencyKey: key });
        close();
        toast(done);
        await refresh();
      });
    });
  }

  function reverse(r) {
    reasonSheet(t('payments.reverseTitle', { amount: money(r.amountFen) }), 'reverse-form', `/receipts/${r.id}/reversal`, t('payments.reversed'));
  }

  function writeOff(i) {
    reasonSheet(t('payments.writeOffTitle', { label: i.label, amount: money(i.outstandingFen) }), 'write-off-form', `/installments/${i.id}/write-off`, t('payments.writtenOffToast'));
  }
}
