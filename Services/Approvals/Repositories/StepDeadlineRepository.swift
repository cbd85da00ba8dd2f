import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO

/// A pending step's reminder and escalation timers (issue 12) and what they leave on the step: its current timers'
/// key, its SLA deadline, the reminders sent and its escalations. Every method runs on the caller's transaction.
struct StepDeadlineRepository: Sendable {
    let logger: Logger

    static let reminderKind = "approvals.step_reminder"
    static let escalationKind = "approvals.step_escalation"

    /// What a step's timer carries: which step, under which assignment (``key``), and for a reminder its number.
    struct Payload: Codable, Equatable {
        var approvalID: String
        var step: Int
        var key: String
        var reminder: Int?

        enum CodingKeys: String, CodingKey {
            case step, key, reminder
            case approvalID = "approvalId"
        }
    }

    /// The timers' key of an assignment: the approval, the step and the version its `approval.step_assigned` took.
    static func key(approval: RecordID, step: Int, version: Int64) -> String { "\(approval)/\(step)/\(version)" }

    static func reminderKey(_ key: String, _ number: Int) -> String { "\(key)/r\(number)" }

    /// Schedules the timers of a step just assigned under `key` (its first reminder and its escalation) and records
    /// its SLA on the step.
    func schedule(
        approval: RecordID,
        step: Int,
        key: String,
        assignedAt: Date,
        timing: StepTiming,
        calendar: WorkingCalendar,
        on connection: PostgresConnection
    ) async throws {
        let due = timing.due(after: assignedAt, calendar: calendar)
        try await connection.query(
            """
            UPDATE approval_steps SET timers_key = \(key), sla_working_days = \(timing.slaWorkingDays), due_at = \(due)
            WHERE approval_id = \(approval) AND step = \(step)
            """,
            logger: logger
        )
        if timing.maxReminders > 0 {
            try await scheduleReminder(
                approval: approval,
                step: step,
                key: key,
                number: 1,
                at: timing.firstReminder(after: assignedAt, calendar: calendar),
                on: connection
            )
        }
        let payload = try JSONValue(encoding: Payload(approvalID: approval.description, step: step, key: key, reminder: nil))
        try await Timers.schedule(kind: Self.escalationKind, key: key, at: due, payload: payload, on: connection, logger: logger)
    }

    /// Schedules reminder `number` of the assignment `key`.
    func scheduleReminder(approval: RecordID, step: Int, key: String, number: Int, at due: Date, on connection: PostgresConnection) async throws {
        let payload = try JSONValue(encoding: Payload(approvalID: approval.description, step: step, key: key, reminder: number))
        try await Timers.schedule(
            kind: Self.reminderKind,
            key: Self.reminderKey(key, number),
            at: due,
            payload: payload,
            on: connection,
            logger: logger
        )
    }

    /// The key of a step's current timers; `nil` when it has none.
    func currentKey(approval: RecordID, step: Int, on connection: PostgresConnection) async throws -> String? {
        let rows = try await connection.query(
            "SELECT timers_key FROM approval_steps WHERE approval_id = \(approval) AND step = \(step)",
            logger: logger
        )
        for try await key in rows.decode(String?.self) { return key }
        return nil
    }

    /// Cancels a step's pending timers (it was decided, recalled or moved) and forgets their key.
    func cancel(approval: RecordID, step: Int, on connection: PostgresConnection) async throws {
        guard let key = try await currentKey(approval: approval, step: step, on: connection) else { return }
        // At most ``StepTiming`` allows ten reminders; the ones never scheduled cancel nothing.
        for number in 1...10 {
            try await Timers.cancel(kind: Self.reminderKind, key: Self.reminderKey(key, number), on: connection, logger: logger)
        }
        try await Timers.cancel(kind: Self.escalationKind, key: key, on: connection, logger: logger)
        try await connection.query(
            "UPDATE approval_steps SET timers_key = NULL WHERE approval_id = \(approval) AND step = \(step)",
            logger: logger
        )
    }

    /// Counts a reminder sent for the step.
    func recordReminder(approval: RecordID, step: Int, at now: Date, on connection: PostgresConnection) async throws {
        try await connection.query(
            "UPDATE approval_steps SET reminders = reminders + 1, last_reminded_at = \(now) WHERE approval_id = \(approval) AND step = \(step)",
            logger: logger
        )
    }

    /// Records an escalation on the step.
    func recordEscalation(approval: RecordID, step: Int, _ escalation: StepEscalation, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO step_escalations (approval_id, step, approver_id, approver_name, manager_id, manager_name, reassigned, escalated_at)
            VALUES (\(approval), \(step), \(escalation.approverID), \(escalation.approverName), \(escalation.managerID),
                \(escalation.managerName), \(escalation.reassigned), \(escalation.escalatedAt))
            """,
            logger: logger
        )
    }
}
