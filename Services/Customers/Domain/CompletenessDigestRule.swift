public import Contracts
public import Foundation
public import ServiceRuntime

/// The Monday completeness digest: when it runs, and which reps each manager hears about.
public enum CompletenessDigestRule {
    /// Every Monday at 09:00, Asia/Shanghai.
    public static let schedule = Schedule(.weekly(.monday), hour: 9, minute: 0, timeZone: BusinessCalendar.timeZone)

    /// The job's name, the key of its claims in `schedule_runs`.
    public static let jobName = "customers.completeness_weekly_digest"

    /// How many reps each manager hears about.
    public static let repsPerManager = 3

    /// Someone in the org chart, as the rule needs them.
    public struct Person: Sendable, Equatable {
        public var id: String
        public var name: String
        public var role: Role
        public var region: String?
        public var supervisorID: String?

        public init(id: String, name: String, role: Role, region: String?, supervisorID: String?) {
            self.id = id
            self.name = name
            self.role = role
            self.region = region
            self.supervisorID = supervisorID
        }
    }

    /// Whether `rep` is one of `manager`'s reps: a supervisor's direct reports, a regional manager's region, the general
    /// manager's everyone.
    public static func manages(_ manager: Person, _ rep: Person) -> Bool {
        switch manager.role {
        case .supervisor: rep.supervisorID == manager.id
        case .regionalManager: manager.region != nil && rep.region == manager.region
        case .gm: true
        default: false
        }
    }

    /// Each manager's lowest reps: among the manager's reps with at least one active customer, the
    /// ``repsPerManager`` lowest averages, lowest first (ties by rep id). Managers with no such rep are left out.
    /// - Parameters:
    ///   - managers: supervisors, regional managers and the general manager.
    ///   - reps: the active reps.
    ///   - averages: rep id → (average in basis points, number of customers), for reps with customers.
    public static func digests(
        managers: [Person],
        reps: [Person],
        averages: [String: (averageBp: Int64, customers: Int)]
    ) -> [CompletenessWeeklyDigest.ManagerDigest] {
        managers.sorted { $0.id < $1.id }.compactMap { manager in
            let lowest =
                reps
                .filter { manages(manager, $0) }
                .compactMap { rep in
                    averages[rep.id].map {
                        CompletenessWeeklyDigest.Rep(repID: rep.id, repName: rep.name, averageBp: $0.averageBp, customers: $0.customers)
                    }
                }
                .sorted { ($0.averageBp, $0.repID) < ($1.averageBp, $1.repID) }
                .prefix(repsPerManager)
            return lowest.isEmpty ? nil : CompletenessWeeklyDigest.ManagerDigest(managerID: manager.id, reps: Array(lowest))
        }
    }
}
