/// Gross margin and exact ratios, computed from integer fen so money never passes through floating point.
///
/// Deals (a quote's `marginBasisPoints`) and reporting (a product line's `grossMarginPercent`) both use this file, so
/// a quote and the report of the contract signed from it show the same margin, rounded the same way.
public enum Margin {
    /// (revenue − cost) ÷ revenue in basis points (1/100 of a percent), rounded half away from zero; `nil` when the
    /// revenue is 0, since a share of nothing has no value.
    public static func basisPoints(revenueFen: Int64, costFen: Int64) -> Int64? {
        Ratio.basisPoints(Int128(revenueFen) - Int128(costFen), of: Int128(revenueFen))
    }
}

/// Ratios of integers as basis points and as percent text with two decimals (`"37.50"`).
public enum Ratio {
    /// `part ÷ whole` in basis points (hundredths of a percent), rounded half away from zero; `nil` when `whole` is 0
    /// or the result does not fit in `Int64`.
    public static func basisPoints(_ part: Int128, of whole: Int128) -> Int64? {
        guard whole != 0 else { return nil }
        let sign: Int128 = (part < 0) != (whole < 0) ? -1 : 1
        return Int64(exactly: sign * divideRoundingHalfAwayFromZero(Int128(part.magnitude) * 10_000, by: Int128(whole.magnitude)))
    }

    /// `part ÷ whole` as a percent with two decimals (`"37.50"`, `"-5.25"`); `nil` when `whole` is 0.
    public static func percent(_ part: Int64, of whole: Int64) -> String? {
        basisPoints(Int128(part), of: Int128(whole)).map(percentText)
    }

    /// Basis points as percent text with two decimals: 2188 → `"21.88"`.
    public static func percentText(basisPoints: Int64) -> String {
        let magnitude = basisPoints.magnitude
        let fraction = magnitude % 100
        return "\(basisPoints < 0 ? "-" : "")\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// Integer division rounded to the nearest integer, halves away from zero. `divisor` must not be 0.
    public static func divideRoundingHalfAwayFromZero(_ dividend: Int128, by divisor: Int128) -> Int128 {
        let magnitude = (dividend.magnitude * 2 + divisor.magnitude) / (divisor.magnitude * 2)
        let negative = (dividend < 0) != (divisor < 0)
        return negative ? -Int128(magnitude) : Int128(magnitude)
    }
}
