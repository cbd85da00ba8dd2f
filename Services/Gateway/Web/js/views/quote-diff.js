// What changed between two quote versions, as readable lines (from the API's QuoteDiff).
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { money, basisPoints } from '../format.js';

function lineText(line) {
  const discount = line.discountBasisPoints ? ` −${basisPoints(line.discountBasisPoints)}` : '';
  return `${line.productName} × ${line.quantity} @ ${money(line.unitPriceFen)}${discount}`;
}

export function diffLines(changes) {
  if (!changes || !changes.previousVersion) return null;
  const items = [];
  for (const line of changes.added) items.push(h('li', { class: 'add' }, `+ ${lineText(line)}`));
  for (const line of changes.removed) items.push(h('li', { class: 'del' }, `− ${lineText(line)}`));
  for (const change of changes.changed) {
    const { before, after } = change;
    const parts = [];
    if (before.quantity !== after.quantity) parts.push(t('diff.quantity', { from: before.quantity, to: after.quantity }));
    if (before.unitPriceFen !== after.unitPriceFen) parts.push(t('diff.price', { from: money(before.unitPriceFen), to: money(after.unitPriceFen) }));
    if (before.discountBasisPoints !== after.discountBasisPoints) {
      parts.push(t('diff.discount', { from: basisPoints(before.discountBasisPoints), to: basisPoints(after.discountBasisPoints) }));
    }
    items.push(h('li', { class: 'chg' }, `~ ${after.productName}: ${parts.join(t('common.listSep'))}`));
  }
  const delta = Number(changes.totalDeltaFen);
  items.push(h('li', {}, t('diff.total', { version: changes.previousVersion, delta: `${delta > 0 ? '+' : ''}${money(changes.totalDeltaFen)}` })));
  return h('ul', { class: 'diff', data: { test: 'diff' } }, items);
}
