import Contracts
import Foundation

/// The figures of approval SLA analytics (issue 12) over a set of decided steps, and the rule that colours them.
///
/// **Figures.** Over the steps an approver decided (approved or rejected; a step that moved to another holder is not a
/// decision): how many, the average and the 90th percentile of the working days each waited (the percentile
/// interpolates linearly between neighbours, as PostgreSQL's `percentile_cont` does), and the breaches — steps
/// decided after their SLA (waited more working days than the SLA) — with their share of the decided steps.
///
/// **Colour.** A group is **green** when at most 10 % of its decided steps breached, **amber** up to 25 %, **red**
/// above; no decided step has no colour. The whole month is red as well while any step is stuck (open past its SLA
/// now): the users' goal is "approvals within 2 working days, nothing stuck".
enum ApprovalSLA {
    /// A breach share up to this many basis points is green.
    static let greenBreachBasisPoints: Int64 = 1_000
    /// A breach share up to this many basis points (and above green) is amber; above it, red.
    static let amberBreachBasisPoints: Int64 = 2_500
    /// How many approvers the "slowest this month" list shows.
    static let slowestCount = 5

    /// One decided step: the working days it waited and its SLA.
    struct Wait: Sendable, Equatable {
        var workingDays: Double
        var slaWorkingDays: Double
        /// Decided after its SLA. Compared in hundredths of a day, the unit the figures are shown in, so a step shown
        /// as "1.00" against an SLA of "1.00" is not a breach.
        var breached: Bool { Self.hundredths(workingDays) > Self.hundredths(slaWorkingDays) }

        static func hundredths(_ days: Double) -> Int64 { Int64((days * 100).rounded()) }
    }

    /// The figures of one group of decided steps.
    struct Figures: Sendable, Equatable {
        var decided: Int
        var averageWorkingDays: Double?
        var p90WorkingDays: Double?
        var breaches: Int

        init(_ waits: [Wait]) {
            decided = waits.count
            let days = waits.map(\.workingDays).sorted()
            averageWorkingDays = days.isEmpty ? nil : days.reduce(0, +) / Double(days.count)
            p90WorkingDays = ApprovalSLA.percentile(0.9, of: days)
            breaches = waits.filter(\.breached).count
        }

        /// The share of decided steps that breached, in basis points; `nil` when nothing was decided.
        var breachBasisPoints: Int64? { Ratio.basisPoints(Int128(breaches), of: Int128(decided)) }

        /// Green, amber or red by ``breachBasisPoints``; `nil` when nothing was decided.
        var status: KPIStatus? {
            guard let share = breachBasisPoints else { return nil }
            if share <= ApprovalSLA.greenBreachBasisPoints { return .green }
            return share <= ApprovalSLA.amberBreachBasisPoints ? .amber : .red
        }
    }

    /// The `fraction` percentile of sorted values with linear interpolation (`percentile_cont`); `nil` for none.
    static func percentile(_ fraction: Double, of sorted: [Double]) -> Double? {
        guard let first = sorted.first else { return nil }
        guard sorted.count > 1 else { return first }
        let position = fraction * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
    }

    /// Working days with two decimals, as the approval-time report writes them.
    static func days(_ value: Double?) -> String? {
        value.map { String(format: "%.2f", $0) }
    }

    /// The tier of an approval: the roles of its steps joined with `>`, e.g. `supervisor>regional_manager>gm`.
    static func tier(_ roles: [String]) -> String { roles.joined(separator: ">") }
}
