public import Contracts
import Foundation

/// The ageing of receivables (账龄): how late an installment's outstanding money is, in Asia/Shanghai calendar days.
///
/// **Rule.** An installment due on day D is not due up to and including D, and `n` days overdue on D + n. Its
/// outstanding money (amount − allocations of receipts not reversed − written off) falls in one bucket: not due
/// (0 days or fewer, or no due date yet because it waits for the delivery), 1–30, 31–60, 61–90, over 90 days.
/// The overdue alerts fire when an installment first reaches 1 day (tell the owner) and 16 days (more than 15 days
/// late: tell their supervisor too), once each.
public enum Ageing {
    /// A bucket of the ageing table; `rawValue` is how the API names it.
    public enum Bucket: String, Sendable, CaseIterable, Codable {
        case notDue
        case d1to30
        case d31to60
        case d61to90
        case over90

        /// The bucket of an installment `daysOverdue` days late (`nil`: no due date yet).
        public init(daysOverdue: Int?) {
            switch daysOverdue {
            case .none: self = .notDue
            case .some(let days) where days <= 0: self = .notDue
            case .some(let days) where days <= 30: self = .d1to30
            case .some(let days) where days <= 60: self = .d31to60
            case .some(let days) where days <= 90: self = .d61to90
            default: self = .over90
            }
        }

        /// The days overdue the bucket holds, `nil` for ``notDue`` (which also holds installments without a date).
        public var days: ClosedRange<Int>? {
            switch self {
            case .notDue: nil
            case .d1to30: 1...30
            case .d31to60: 31...60
            case .d61to90: 61...90
            case .over90: 91...Int(Int32.max)
            }
        }
    }

    /// The days an installment due on `dueOn` is overdue on `asOf` (0 or negative: not yet); `nil` without a due date.
    public static func daysOverdue(dueOn: CalendarDay?, asOf: CalendarDay) -> Int? {
        guard let dueOn else { return nil }
        let calendar = BusinessCalendar.calendar
        let from = BusinessCalendar.start(of: dueOn)
        let to = BusinessCalendar.start(of: asOf)
        return calendar.dateComponents([.day], from: from, to: to).day
    }

    /// The alert thresholds, in days overdue: 1 (overdue) and 16 (more than 15 days late).
    public static let alertThresholds = [1, 16]

    /// The thresholds an installment `daysOverdue` days late has reached, lowest first.
    public static func thresholdsReached(daysOverdue: Int) -> [Int] {
        alertThresholds.filter { daysOverdue >= $0 }
    }

    /// Outstanding money per bucket; ``totalFen`` is their sum and ``overdueFen`` all but ``notDueFen``.
    public struct Buckets: Codable, Sendable, Equatable {
        public var notDueFen: Fen = 0
        public var d1to30Fen: Fen = 0
        public var d31to60Fen: Fen = 0
        public var d61to90Fen: Fen = 0
        public var over90Fen: Fen = 0

        public init() {}

        /// Adds outstanding money to a bucket.
        public mutating func add(_ fen: Fen, to bucket: Bucket) {
            switch bucket {
            case .notDue: notDueFen += fen
            case .d1to30: d1to30Fen += fen
            case .d31to60: d31to60Fen += fen
            case .d61to90: d61to90Fen += fen
            case .over90: over90Fen += fen
            }
        }

        /// Adds another set of buckets.
        public mutating func add(_ other: Buckets) {
            notDueFen += other.notDueFen
            d1to30Fen += other.d1to30Fen
            d31to60Fen += other.d31to60Fen
            d61to90Fen += other.d61to90Fen
            over90Fen += other.over90Fen
        }

        public var overdueFen: Fen { d1to30Fen + d31to60Fen + d61to90Fen + over90Fen }
        public var totalFen: Fen { notDueFen + overdueFen }
    }
}
