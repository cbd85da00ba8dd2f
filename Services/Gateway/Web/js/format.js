// Money and time, the way the API means them: integer fen, Asia/Shanghai. Money never passes through floating point.
import { locale } from './i18n.js';

export const ZONE = 'Asia/Shanghai';

function toBig(value) {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  return BigInt(String(value));
}

function group(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** 8000000 → "¥80,000.00"; negative amounts as "-¥1.50". */
export function money(fen) {
  if (fen === null || fen === undefined || fen === '') return '—';
  let n = toBig(fen);
  const negative = n < 0n;
  if (negative) n = -n;
  return `${negative ? '-' : ''}¥${group((n / 100n).toString())}.${(n % 100n).toString().padStart(2, '0')}`;
}

/** Fen as the plain decimal text of an input: 100000 → "1000.00". */
export function fenToInput(fen) {
  let n = toBig(fen);
  const negative = n < 0n;
  if (negative) n = -n;
  return `${negative ? '-' : ''}${(n / 100n).toString()}.${(n % 100n).toString().padStart(2, '0')}`;
}

/** "1,234.5" / "¥80000" → fen as BigInt; null when it is not an amount with at most two decimals. */
export function parseYuan(text) {
  const clean = String(text ?? '').trim().replace(/[,，\s¥￥]/g, '');
  const m = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(clean);
  if (!m) return null;
  return BigInt(m[1]) * 100n + BigInt((m[2] || '').padEnd(2, '0'));
}

/** "12.5" (percent) → 1250 basis points; null when not 0–100 with at most two decimals. */
export function parsePercent(text) {
  const clean = String(text ?? '').trim().replace(/[%\s]/g, '');
  if (clean === '') return 0;
  const m = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(clean);
  if (!m) return null;
  const bp = Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0'));
  return bp > 10000 ? null : bp;
}

/** 2188 → "21.88%" (integer arithmetic). */
export function basisPoints(bp) {
  if (bp === null || bp === undefined) return '—';
  const n = Number(bp);
  const magnitude = Math.abs(n);
  return `${n < 0 ? '-' : ''}${Math.floor(magnitude / 100)}.${String(magnitude % 100).padStart(2, '0')}%`;
}

/** Basis points as the text of a percent input: 2000 → "20", 1250 → "12.5". */
export function basisPointsToInput(bp) {
  const n = Number(bp || 0);
  const whole = Math.floor(n / 100);
  const frac = n % 100;
  if (frac === 0) return String(whole);
  return `${whole}.${String(frac).padStart(2, '0').replace(/0$/, '')}`;
}

/** A percent string from a report ("21.88") → "21.88%"; null → "—". */
export function percentText(text) {
  return text === null || text === undefined ? '—' : `${text}%`;
}

function intlLocale() {
  return locale() === 'en' ? 'en-GB' : 'zh-CN';
}

/** An RFC 3339 time → "2026年11月29日 14:05" / "29 Nov 2026, 14:05" in Shanghai. */
export function dateTime(iso) {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(intlLocale(), { timeZone: ZONE, year: 'numeric', month: 'short', day: 'numeric',
    hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(iso));
}

/** A business date "2026-12-31" (already Shanghai) → localized, without shifting it through a time zone. */
export function businessDate(ymd) {
  if (!ymd) return '—';
  const [y, m, d] = ymd.split('-').map(Number);
  return new Intl.DateTimeFormat(intlLocale(), { timeZone: 'UTC', year: 'numeric', month: 'short', day: 'numeric' })
    .format(new Date(Date.UTC(y, m - 1, d)));
}

/** Today in Shanghai as YYYY-MM-DD. */
export function shanghaiToday(now = new Date()) {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(now);
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** The current month in Shanghai as YYYY-MM. */
export function shanghaiMonth(now = new Date()) {
  return shanghaiToday(now).slice(0, 7);
}

/** First and last day of a YYYY-MM month. */
export function monthRange(ym) {
  const [y, m] = ym.split('-').map(Number);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { from: `${ym}-01`, to: `${ym}-${String(last).padStart(2, '0')}` };
}

/** The month `offset` months from YYYY-MM. */
export function addMonths(ym, offset) {
  const [y, m] = ym.split('-').map(Number);
  const index = y * 12 + (m - 1) + offset;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** "2026-11" → "11月" / "Nov". */
export function monthLabel(ym) {
  const [y, m] = ym.split('-').map(Number);
  return new Intl.DateTimeFormat(intlLocale(), { timeZone: 'UTC', month: 'short' }).format(new Date(Date.UTC(y, m - 1, 1)));
}

/** A short id for display (first 8 characters). */
export function shortId(id) {
  return id ? String(id).slice(0, 8) : '—';
}

/** "2026-11-30" → "11月30日" / "30 Nov", for chart labels. */
export function dayLabel(ymd) {
  const [y, m, d] = ymd.split('-').map(Number);
  return new Intl.DateTimeFormat(intlLocale(), { timeZone: 'UTC', month: 'short', day: 'numeric' }).format(new Date(Date.UTC(y, m - 1, d)));
}
