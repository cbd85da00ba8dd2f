// The unified social credit code (统一社会信用代码, GB 32100-2015) for live form feedback. The same rule as
// Shared/Contracts/CreditCode.swift, which the API enforces; Tests/Browser/steps/10_masterdata.py checks both agree.

export const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
export const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** Trimmed, full-width made half-width, upper-cased; does not validate. */
export function normalizeCreditCode(value) {
  const half = String(value ?? '').replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xFEE0)).replace(/\u3000/g, ' ');
  return half.trim().toUpperCase();
}

/** The check character of the first 17 characters, or null when one is outside the alphabet. */
export function checkCharacter(prefix) {
  if (prefix.length < 17) return null;
  let sum = 0;
  for (let i = 0; i < 17; i += 1) {
    const value = ALPHABET.indexOf(prefix[i]);
    if (value < 0) return null;
    sum += value * WEIGHTS[i];
  }
  return ALPHABET[(31 - (sum % 31)) % 31];
}

/**
 * Why a code is invalid: null when valid, else { kind: 'length', count } | { kind: 'character', char, position }
 * | { kind: 'check', expected }.
 */
export function creditCodeProblem(value) {
  const code = normalizeCreditCode(value);
  const chars = [...code];
  if (chars.length !== 18) return { kind: 'length', count: chars.length };
  for (let i = 0; i < 18; i += 1) {
    if (!ALPHABET.includes(chars[i])) return { kind: 'character', char: chars[i], position: i + 1 };
  }
  const expected = checkCharacter(code);
  return chars[17] === expected ? null : { kind: 'check', expected };
}

export function isValidCreditCode(value) {
  return creditCodeProblem(value) === null;
}
