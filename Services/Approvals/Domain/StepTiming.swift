public import Contracts
public import Foundation

/// When a pending step reminds its approver and when it escalates (issue 12), per policy version: every step of an
/// approval under that version uses the same numbers (per tier would let a big contract's steps run on a shorter
/// clock; one set per policy is what the admin screen edits, and a tier-level override can be added later).
///
/// All times are working time from the step's assignment (``WorkingCalendar``: office hours on working days,
/// Asia/Shanghai, with the holiday calendar): the first reminder after ``reminderWorkingHours``, then one each working
/// day after it, at most ``maxReminders`` in all; at ``slaWorkingDays`` the step escalates once — the approver's
/// manager is told, and under ``Escalation/reassign`` the step moves to them.
public struct StepTiming: Codable, Sendable, Equatable {
    /// What an escalation does besides telling the manager.
    public enum Escalation: String, Codable, Sendable, CaseIterable {
        /// The manager is told; the step stays with its approver.
        case notify
        /// The manager is told and the step moves to them (up the line).
        case reassign
    }

    public var reminderWorkingHours: Double
    public var maxReminders: Int
    public var slaWorkingDays: Double
    public var escalation: Escalation

    public init(reminderWorkingHours: Double = 4, maxReminders: Int = 3, slaWorkingDays: Double = 1, escalation: Escalation = .notify) {
        self.reminderWorkingHours = reminderWorkingHours
        self.maxReminders = maxReminders
        self.slaWorkingDays = slaWorkingDays
        self.escalation = escalation
    }

    /// The defaults: a reminder after 4 working hours, repeated daily up to 3 times, escalation (notify) after 1
    /// working day, so a three-step approval fits in about two working days with margin.
    public static let standard = StepTiming()

    /// When the first reminder of a step assigned at `assigned` falls.
    public func firstReminder(after assigned: Date, calendar: WorkingCalendar) -> Date {
        calendar.adding(workingSeconds: Int((reminderWorkingHours * 3_600).rounded()), to: assigned)
    }

    /// When the reminder after one due at `previous` falls: a working day later.
    public func nextReminder(after previous: Date, calendar: WorkingCalendar) -> Date {
        calendar.adding(workingDays: 1, to: previous)
    }

    /// When a step assigned at `assigned` runs out of its SLA and escalates.
    public func due(after assigned: Date, calendar: WorkingCalendar) -> Date {
        calendar.adding(workingSeconds: Int((slaWorkingDays * Double(calendar.hours.secondsPerDay)).rounded()), to: assigned)
    }

    /// The timing an admin submitted (absent fields take the defaults), every broken rule reported with its field.
    public static func validate(
        reminderWorkingHours: Double?,
        maxReminders: Int?,
        slaWorkingDays: Double?,
        escalation: String?
    ) throws(Problem) -> StepTiming {
        var errors: [Problem.FieldError] = []
        var timing = StepTiming.standard
        if let hours = reminderWorkingHours {
            if !hours.isFinite || hours < 0.5 || hours > 75 {
                errors.append(.init(field: "reminderWorkingHours", message: "must be 0.5 to 75 working hours"))
            } else {
                timing.reminderWorkingHours = hours
            }
        }
        if let count = maxReminders {
            if count < 0 || count > 10 {
                errors.append(.init(field: "maxReminders", message: "must be 0 to 10"))
            } else {
                timing.maxReminders = count
            }
        }
        if let days = slaWorkingDays {
            if !days.isFinite || days < 0.1 || days > 30 {
                errors.append(.init(field: "slaWorkingDays", message: "must be 0.1 to 30 working days"))
            } else {
                timing.slaWorkingDays = days
            }
        }
        if let text = escalation {
            if let parsed = Escalation(rawValue: text) {
                timing.escalation = parsed
            } else {
                errors.append(.init(field: "escalation", message: "must be notify or reassign"))
            }
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return timing
    }
}

/// One escalation of a step: when its SLA ran out, who held it, which manager was told, and whether it moved to them.
public struct StepEscalation: Codable, Sendable, Equatable {
    public var approverID: String
    public var approverName: String?
    public var managerID: String?
    public var managerName: String?
    public var reassigned: Bool
    public var escalatedAt: Date

    public init(approverID: String, approverName: String?, managerID: String?, managerName: String?, reassigned: Bool, escalatedAt: Date) {
        self.approverID = approverID
        self.approverName = approverName
        self.managerID = managerID
        self.managerName = managerName
        self.reassigned = reassigned
        self.escalatedAt = escalatedAt
    }

    enum CodingKeys: String, CodingKey {
        case approverName, managerName, reassigned, escalatedAt
        case approverID = "approverId"
        case managerID = "managerId"
    }
}
