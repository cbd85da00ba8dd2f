/// Ratios as percent strings with two decimals (`"37.50"`), computed from integers so money never passes through
/// floating point.
enum ExactPercent {
    /// `part / whole × 100`, rounded half away from zero to hundredths of a percent; `nil` when `whole` is 0, since
    /// a share of nothing has no value.
    static func format(_ part: Int64, of whole: Int64) -> String? {
        guard whole != 0 else { return nil }
        // Int128: part × 10 000 overflows Int64 for sums beyond about 9 × 10¹⁴ fen.
        let numerator = Int128(part) * 10_000 * (whole < 0 ? -1 : 1)
        let denominator = Int128(whole.magnitude)
        var hundredths = numerator / denominator
        let remainder = numerator % denominator
        if 2 * remainder.magnitude >= denominator.magnitude { hundredths += numerator < 0 ? -1 : 1 }
        let sign = hundredths < 0 ? "-" : ""
        let magnitude = hundredths.magnitude
        let fraction = magnitude % 100
        return "\(sign)\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
