import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO

/// Fires a pending step's reminders and its escalation (issue 12), each on the transaction of its durable timer
/// (``Persistence/TimerRunner``): the step's writes, the event and "fired" commit together, so a timer taken twice
/// (a runner killed before its commit, two replicas) reminds or escalates once.
///
/// A timer acts only while its step is pending under the assignment it was scheduled for (the payload's key is still
/// the step's `timers_key`); otherwise it is `skipped` — a decision, recall or move cancels the timers anyway, this
/// guards the race with one already taken.
struct StepDeadlineTimers: Sendable {
    let approvals: any ApprovalRepository
    let deadlines: StepDeadlineRepository
    let org: OrgReplica
    let delegations: DelegationRepository
    let logger: Logger

    init(logger: Logger) {
        self.approvals = PostgresApprovalRepository(logger: logger)
        self.deadlines = StepDeadlineRepository(logger: logger)
        self.org = OrgReplica(logger: logger)
        self.delegations = DelegationRepository(logger: logger)
        self.logger = logger
    }

    /// The two kinds, for a ``Persistence/TimerRunner``.
    var handlers: [TimerHandler] {
        [
            TimerHandler(kind: StepDeadlineRepository.reminderKind) { timer, now, connection, logger in
                try await remind(timer, now: now, on: connection, logger: logger)
            },
            TimerHandler(kind: StepDeadlineRepository.escalationKind) { timer, now, connection, logger in
                try await escalate(timer, now: now, on: connection, logger: logger)
            },
        ]
    }

    /// The approval, locked, when the timer's step is still pending under the timer's assignment.
    private func current(_ payload: StepDeadlineRepository.Payload, on connection: PostgresConnection) async throws -> Approval? {
        guard let id = RecordID(payload.approvalID),
            let approval = try await approvals.find(id: id, lock: true, on: connection),
            let step = approval.pendingStep, step.step == payload.step,
            try await deadlines.currentKey(approval: id, step: payload.step, on: connection) == payload.key
        else { return nil }
        return approval
    }

    func remind(_ timer: DueTimer, now: Date, on connection: PostgresConnection, logger: Logger) async throws -> DueTimer.Status {
        let payload = try timer.payload.decode(as: StepDeadlineRepository.Payload.self)
        guard var approval = try await current(payload, on: connection), let step = approval.pendingStep, let approverID = step.approverID
        else { return .skipped }
        let number = payload.reminder ?? 1
        let timing = try await approvals.timing(policyVersion: approval.policyVersion, of: approval.subjectType, on: connection)
        let calendar = try await approvals.calendar(on: connection)
        let assignedAt = step.assignedAt ?? approval.requestedAt
        try await deadlines.recordReminder(approval: approval.id, step: step.step, at: now, on: connection)
        let reminded = ApprovalStepReminded(
            approvalID: approval.id.description,
            contractID: approval.contractID,
            contractNumber: approval.contractNumber,
            customerName: approval.customerName,
            amountFen: approval.amountFen,
            step: step.step,
            stepCount: approval.stepCount,
            approverID: approverID,
            approverName: step.approverName,
            approverMobile: try await org.user(id: approverID, on: connection)?.mobile,
            assignedAt: assignedAt,
            reminder: number,
            maxReminders: timing.maxReminders,
            dueAt: timing.due(after: assignedAt, calendar: calendar),
            remindedAt: now
        )
        let events = ApprovalEvents(connection: connection, logger: logger, traceparent: nil)
        try await events.append(reminded, to: &approval, at: now)
        try await approvals.update(approval, on: connection)
        if number < timing.maxReminders {
            // From when this one was due, not when it ran: a runner that was down does not shift the series.
            try await deadlines.scheduleReminder(
                approval: approval.id,
                step: step.step,
                key: payload.key,
                number: number + 1,
                at: timing.nextReminder(after: timer.dueAt, calendar: calendar),
                on: connection
            )
        }
        logger.info("approval step reminded", metadata: ["approval": "\(approval.id)", "step": "\(step.step)", "reminder": "\(number)"])
        return .done
    }

    func escalate(_ timer: DueTimer, now: Date, on connection: PostgresConnection, logger: Logger) async throws -> DueTimer.Status {
        let payload = try timer.payload.decode(as: StepDeadlineRepository.Payload.self)
        guard var approval = try await current(payload, on: connection), let step = approval.pendingStep, let approverID = step.approverID
        else { return .skipped }
        let timing = try await approvals.timing(policyVersion: approval.policyVersion, of: approval.subjectType, on: connection)
        let chart = OrgChart(users: try await org.users(on: connection).map(OrgUser.init))
        let manager = Self.manager(of: approverID, for: approval, in: chart)
        let reassign = timing.escalation == .reassign && manager != nil
        let escalation = StepEscalation(
            approverID: approverID,
            approverName: step.approverName,
            managerID: manager?.id,
            managerName: manager?.displayName,
            reassigned: reassign,
            escalatedAt: now
        )
        try await deadlines.recordEscalation(approval: approval.id, step: step.step, escalation, on: connection)
        let escalated = ApprovalStepEscalated(
            approvalID: approval.id.description,
            contractID: approval.contractID,
            contractNumber: approval.contractNumber,
            customerName: approval.customerName,
            amountFen: approval.amountFen,
            step: step.step,
            stepCount: approval.stepCount,
            approverID: approverID,
            approverName: step.approverName,
            managerID: manager?.id,
            managerName: manager?.displayName,
            managerMobile: manager?.mobile,
            reassigned: reassign,
            assignedAt: step.assignedAt ?? approval.requestedAt,
            slaWorkingDays: timing.slaWorkingDays,
            escalatedAt: now
        )
        let events = ApprovalEvents(connection: connection, logger: logger, traceparent: nil)
        try await events.append(escalated, to: &approval, at: now)
        if reassign, let manager {
            // The move code every other move uses: step_assigned with reassignedFromId, and fresh timers for the manager.
            try await events.reassignCurrentStep(
                of: &approval,
                from: approverID,
                reason: .escalated,
                to: manager,
                chart: chart,
                delegations: try await delegations.active(on: BusinessCalendar.day(of: now), on: connection),
                at: now
            )
        }
        try await approvals.update(approval, on: connection)
        logger.info(
            "approval step escalated",
            metadata: ["approval": "\(approval.id)", "step": "\(step.step)", "manager": "\(manager?.id ?? "-")", "reassigned": "\(reassign)"]
        )
        return .done
    }

    /// The approver's manager: the first active user up their reporting line who approves (supervisor, regional
    /// manager or gm) and is not a party to the contract; `nil` above a gm or when the line is empty.
    static func manager(of approverID: String, for approval: Approval, in chart: OrgChart) -> OrgUser? {
        var seen: Set<String> = [approverID]
        var next = chart.users[approverID]?.supervisorID
        while let id = next, seen.insert(id).inserted {
            guard let user = chart.users[id] else { return nil }
            if user.active, ApprovalPolicy.approverRoles.contains(user.role), !approval.isParty(user.id) { return user }
            next = user.supervisorID
        }
        return nil
    }
}
