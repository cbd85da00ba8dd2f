import Contracts

/// Green, amber or red: how a KPI stands against its target line.
enum KPIStatus: String, Sendable, Encodable {
    case green, amber, red
}

/// The three KPI lines of issue 12 and the one rule that colours them.
///
/// **Rule.** A KPI is **green** at or better than its target, **amber** when it misses the target by at most a tenth
/// of the target (10 %), and **red** when it misses by more. "Better" is higher for the daily-active share and the
/// year-on-year conversion change, lower for the approval time. So the daily-active share (target 85 %) is amber from
/// 76.50 % up to 85 %, the conversion change (target +15 %) is amber from +13.50 %, and the average approval time
/// (target 2 working days) is amber up to 2.20 days. Figures are compared in the integer units they are shown in
/// (basis points, hundredths of a day), so the colour agrees with the two-decimal text. No figure (no working day,
/// no cohort a year before, no decided approval) has no colour.
enum KPITargets {
    /// The daily-active share of reps every working day: 85 %, in basis points.
    static let dailyActiveShareBasisPoints: Int64 = 8_500
    /// Conversion against the same cohort month a year before: +15 %, in basis points of change.
    static let conversionChangeBasisPoints: Int64 = 1_500
    /// An approval should take at most this many working days (the "within 2 working days" of the approval report).
    static let approvalWorkingDays = 2
    /// ``approvalWorkingDays`` in hundredths of a day.
    static var approvalWorkingDaysHundredths: Int64 { Int64(approvalWorkingDays) * 100 }
    /// How far below (or above) its target a KPI is still amber, as a share of the target: one tenth.
    static let amberDivisor: Int64 = 10

    /// The status of a figure where higher is better.
    static func atLeast(_ value: Int64?, target: Int64) -> KPIStatus? {
        guard let value else { return nil }
        if value >= target { return .green }
        return value >= target - target.magnitudeAsInt64 / amberDivisor ? .amber : .red
    }

    /// The status of a figure where lower is better.
    static func atMost(_ value: Int64?, target: Int64) -> KPIStatus? {
        guard let value else { return nil }
        if value <= target { return .green }
        return value <= target + target.magnitudeAsInt64 / amberDivisor ? .amber : .red
    }
}

extension Int64 {
    fileprivate var magnitudeAsInt64: Int64 { self < 0 ? -self : self }
}
