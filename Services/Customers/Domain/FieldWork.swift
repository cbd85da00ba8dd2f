public import Contracts
public import Foundation

/// A customer in scope that nobody has visited for a while (久未拜访客户).
public struct NotVisitedCustomer: Sendable, Equatable, Encodable {
    public var customerID: RecordID
    public var customerName: String
    public var region: String
    @ExplicitNull public var ownerID: String?
    /// The owner's display name from the org replica; `nil` without an owner or before the replica knows them.
    @ExplicitNull public var ownerName: String?
    /// The latest check-in, by anyone; `nil` when the customer was never visited.
    @ExplicitNull public var lastVisitAt: Date?
    /// Asia/Shanghai days from the last visit's day to today; `nil` when never visited.
    @ExplicitNull public var daysSinceLastVisit: Int?

    enum CodingKeys: String, CodingKey {
        case customerName, region, ownerName, lastVisitAt, daysSinceLastVisit
        case customerID = "customerId"
        case ownerID = "ownerId"
    }
}

/// A visit whose follow-up day has passed with no later visit at its customer (逾期跟进).
public struct OverdueFollowUp: Sendable, Equatable, Encodable {
    public var visitID: RecordID
    public var customerID: RecordID
    public var customerName: String
    public var repID: String
    public var repName: String
    /// When the visit that promised the follow-up checked in.
    public var visitedAt: Date
    /// The follow-up day the rep set (`nextFollowUpOn`).
    public var dueOn: CalendarDay
    /// Asia/Shanghai days from `dueOn` to today, at least 1.
    public var daysOverdue: Int

    enum CodingKeys: String, CodingKey {
        case customerName, repName, visitedAt, dueOn, daysOverdue
        case visitID = "visitId"
        case customerID = "customerId"
        case repID = "repId"
    }
}

/// The day arithmetic of the manager's views, in Asia/Shanghai business days.
public enum FieldWorkRules {
    /// The longest "not visited for N days" a request may ask for.
    public static let maximumDays = 3650

    /// Whole days from `earlier` to `later` (negative when `later` comes first). Asia/Shanghai has no daylight
    /// saving time, so every day is 24 hours.
    public static func days(from earlier: CalendarDay, to later: CalendarDay) -> Int {
        Int((BusinessCalendar.start(of: later).timeIntervalSince(BusinessCalendar.start(of: earlier)) / 86_400).rounded())
    }

    /// A customer is "not visited for `days` days" when its last visit was on `today - days` or earlier: a visit
    /// exactly `days` days ago counts, a visit `days - 1` days ago does not. This is the instant such a last visit is
    /// before: the start of the day `days - 1` days before `today`.
    public static func notVisitedBefore(days: Int, today: CalendarDay) -> Date {
        BusinessCalendar.start(of: today).addingTimeInterval(-Double(days - 1) * 86_400)
    }

    /// Parses `days` (1…``maximumDays``, default 30); 422 naming it otherwise.
    public static func days(_ text: String?) throws(Problem) -> Int {
        guard let text, !text.isEmpty else { return 30 }
        guard let value = Int(text), (1...maximumDays).contains(value) else {
            throw Problem.validation([.init(field: "days", message: "must be a whole number from 1 to \(maximumDays)")])
        }
        return value
    }
}
