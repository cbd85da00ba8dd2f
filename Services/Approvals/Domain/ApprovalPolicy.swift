public import Contracts
public import Foundation

/// Which approval steps a contract needs, by amount; versioned, and each approval records the version it used.
///
/// A policy is a list of tiers. A contract takes the tier with the largest ``Tier/aboveFen`` that its amount
/// exceeds (strictly), so with the default tiers 50,000.00 CNY exactly needs the supervisor alone and 50,000.01
/// needs all three levels. The tier with `aboveFen == 0` also covers a zero amount.
public struct ApprovalPolicy: Codable, Sendable, Equatable {
    /// One amount band and its steps.
    public struct Tier: Codable, Sendable, Equatable {
        /// The band applies to amounts strictly greater than this (fen).
        public var aboveFen: Fen
        /// The approver roles, in order.
        public var steps: [Role]

        public init(aboveFen: Fen, steps: [Role]) {
            self.aboveFen = aboveFen
            self.steps = steps
        }
    }

    public var version: Int64
    public var tiers: [Tier]
    public var createdBy: String
    public var createdAt: Date
    /// Reminders and escalation of this version's pending steps (issue 12): ``StepTiming``.
    public var reminderWorkingHours: Double
    public var maxReminders: Int
    public var slaWorkingDays: Double
    public var escalation: StepTiming.Escalation

    public init(version: Int64, tiers: [Tier], createdBy: String, createdAt: Date, timing: StepTiming = .standard) {
        self.version = version
        self.tiers = tiers
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.reminderWorkingHours = timing.reminderWorkingHours
        self.maxReminders = timing.maxReminders
        self.slaWorkingDays = timing.slaWorkingDays
        self.escalation = timing.escalation
    }

    /// When this version's pending steps remind and escalate.
    public var timing: StepTiming {
        StepTiming(reminderWorkingHours: reminderWorkingHours, maxReminders: maxReminders, slaWorkingDays: slaWorkingDays, escalation: escalation)
    }

    /// The roles that may approve a step: the management line and the admin of last resort is not a policy step.
    public static let approverRoles: Set<Role> = [.supervisor, .regionalManager, .gm]

    /// The default approval tiers, and their only definition: over 50,000.00 CNY supervisor → regional manager → gm,
    /// otherwise the supervisor alone. The service writes them as policy version 1 when no policy exists yet.
    public static let defaultTiers: [Tier] = [
        Tier(aboveFen: 0, steps: [.supervisor]),
        Tier(aboveFen: 5_000_000, steps: [.supervisor, .regionalManager, .gm]),
    ]

    /// The steps for a contract amount.
    public func steps(forAmount amountFen: Fen) -> [Role] {
        Self.steps(forAmount: amountFen, tiers: tiers)
    }

    /// The steps for a contract amount under the given tiers (``validate(_:)`` guarantees a match).
    public static func steps(forAmount amountFen: Fen, tiers: [Tier]) -> [Role] {
        let ordered = tiers.sorted { $0.aboveFen < $1.aboveFen }
        let match = ordered.last { amountFen > $0.aboveFen } ?? ordered.first
        return match?.steps ?? []
    }

    /// Checks tiers an admin submitted; every broken rule is reported with its field.
    /// - Returns: the tiers sorted by threshold.
    public static func validate(_ tiers: [Tier]) throws(Problem) -> [Tier] {
        var errors: [Problem.FieldError] = []
        if tiers.isEmpty { errors.append(.init(field: "tiers", message: "must contain at least one tier")) }
        if tiers.count > 10 { errors.append(.init(field: "tiers", message: "must contain at most 10 tiers")) }
        if !tiers.isEmpty, !tiers.contains(where: { $0.aboveFen == 0 }) {
            errors.append(.init(field: "tiers", message: "must contain a tier with aboveFen 0, so that every amount has steps"))
        }
        var seen: Set<Fen> = []
        for (index, tier) in tiers.enumerated() {
            if tier.aboveFen < 0 { errors.append(.init(field: "tiers.\(index).aboveFen", message: "must not be negative")) }
            if !seen.insert(tier.aboveFen).inserted {
                errors.append(.init(field: "tiers.\(index).aboveFen", message: "repeats another tier's threshold"))
            }
            if tier.steps.isEmpty || tier.steps.count > 5 {
                errors.append(.init(field: "tiers.\(index).steps", message: "must have 1 to 5 steps"))
            }
            for (stepIndex, role) in tier.steps.enumerated() where !approverRoles.contains(role) {
                errors.append(
                    .init(field: "tiers.\(index).steps.\(stepIndex)", message: "must be supervisor, regional_manager or gm, not \(role.rawValue)")
                )
            }
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return tiers.sorted { $0.aboveFen < $1.aboveFen }
    }
}
