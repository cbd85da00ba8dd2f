// The quote arithmetic of Services/Deals/Domain/Quote.swift and Shared/Contracts/Margin.swift, in BigInt, so the
// builder's live totals are exactly what the server will answer.

/** Integer division rounded to nearest, halves away from zero (Ratio.divideRoundingHalfAwayFromZero). */
export function divideRoundingHalfAwayFromZero(dividend, divisor) {
  const a = dividend < 0n ? -dividend : dividend;
  const b = divisor < 0n ? -divisor : divisor;
  const magnitude = (a * 2n + b) / (b * 2n);
  return (dividend < 0n) !== (divisor < 0n) ? -magnitude : magnitude;
}

/** quantity × unit price × (10000 − discount) ÷ 10000, rounded half-up to the fen. */
export function lineAmount(quantity, unitPriceFen, discountBasisPoints) {
  return divideRoundingHalfAwayFromZero(BigInt(quantity) * BigInt(unitPriceFen) * (10000n - BigInt(discountBasisPoints)), 10000n);
}

/** (revenue − cost) ÷ revenue in basis points, rounded half away from zero; 0 for a zero total (as a quote shows it). */
export function marginBasisPoints(totalFen, costFen) {
  const total = BigInt(totalFen);
  if (total === 0n) return 0n;
  const part = total - BigInt(costFen);
  const sign = (part < 0n) !== (total < 0n) ? -1n : 1n;
  const abs = (x) => (x < 0n ? -x : x);
  return sign * divideRoundingHalfAwayFromZero(abs(part) * 10000n, abs(total));
}

/**
 * lines: [{ quantity, unitPriceFen, discountBasisPoints, unitCostFen }] (numbers or BigInt)
 * → { lines: [{ amountFen, costFen }], totalFen, costFen, marginFen, marginBasisPoints } all BigInt.
 */
export function quoteTotals(lines) {
  let total = 0n;
  let cost = 0n;
  const priced = lines.map((line) => {
    const amountFen = lineAmount(line.quantity, line.unitPriceFen, line.discountBasisPoints);
    const costFen = BigInt(line.quantity) * BigInt(line.unitCostFen);
    total += amountFen;
    cost += costFen;
    return { amountFen, costFen };
  });
  return { lines: priced, totalFen: total, costFen: cost, marginFen: total - cost, marginBasisPoints: marginBasisPoints(total, cost) };
}

/**
 * A line's discount off the list price, as Services/Deals/Domain/Discount.swift (DiscountRules.assess) judges it: a
 * lower unit price counts as much as the discount. → { basisPoints (rounded up), above } where above says whether it
 * exceeds `limit` basis points (null = no limit). All exact in BigInt.
 */
export function discountOffList(line, listPriceFen, limit) {
  const list = BigInt(line.quantity) * BigInt(listPriceFen);
  const off = list - lineAmount(line.quantity, line.unitPriceFen, line.discountBasisPoints);
  if (off <= 0n || list <= 0n) return { basisPoints: 0n, above: false };
  const basisPoints = (off * 10000n + list - 1n) / list;
  const above = limit !== null && limit !== undefined && off * 10000n > BigInt(limit) * list;
  return { basisPoints, above };
}
