public import Foundation

/// `completeness.weekly_digest`: the Monday 09:00 (Asia/Shanghai) digest of customer data completeness. For each
/// manager — a supervisor (their team), a regional manager (their region's reps), the general manager (every rep) —
/// the three reps with the lowest average completeness, lowest first. Published once per week by `customers`, which
/// owns the data; `notifications` turns each manager's list into an in-app notification and a WeCom push.
public struct CompletenessWeeklyDigest: DomainEvent, Equatable {
    public static let eventType = "completeness.weekly_digest"
    /// `customers`.
    public static var source: String { Operation.Customers.service }

    /// One rep in a manager's list.
    public struct Rep: Codable, Sendable, Equatable {
        public var repID: String
        public var repName: String
        /// Average completeness of the rep's active customers, in basis points (0–10000).
        public var averageBp: Int64
        /// How many active customers the average is over.
        public var customers: Int

        enum CodingKeys: String, CodingKey {
            case repName, averageBp, customers
            case repID = "repId"
        }

        public init(repID: String, repName: String, averageBp: Int64, customers: Int) {
            self.repID = repID
            self.repName = repName
            self.averageBp = averageBp
            self.customers = customers
        }
    }

    /// One manager's list: at most three reps, lowest average first.
    public struct ManagerDigest: Codable, Sendable, Equatable {
        public var managerID: String
        public var reps: [Rep]

        enum CodingKeys: String, CodingKey {
            case reps
            case managerID = "managerId"
        }

        public init(managerID: String, reps: [Rep]) {
            self.managerID = managerID
            self.reps = reps
        }
    }

    /// The Monday the digest is for, `YYYY-MM-DD` (Asia/Shanghai).
    public var week: String
    /// The schedule occurrence that produced it.
    public var occurrence: Date
    /// The target line, in basis points (9500 = 95%).
    public var targetBp: Int64
    /// Managers with at least one rep who has customers; others are left out.
    public var managers: [ManagerDigest]

    public init(week: String, occurrence: Date, targetBp: Int64, managers: [ManagerDigest]) {
        self.week = week
        self.occurrence = occurrence
        self.targetBp = targetBp
        self.managers = managers
    }
}
