import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO

/// Writes an approval's events to the outbox, each bumping the instance's version (the events' `sequence`).
struct ApprovalEvents {
    let connection: PostgresConnection
    let logger: Logger
    let traceparent: String?

    /// Appends `event` as the approval's next version.
    func append(_ event: some DomainEvent, to approval: inout Approval, at now: Date) async throws {
        approval.version += 1
        let envelope = try EventEnvelope(
            event,
            source: ApprovalsService.name,
            subject: approval.id.description,
            sequence: approval.version,
            time: now,
            traceparent: traceparent
        )
        try await Outbox.append(envelope, on: connection, logger: logger)
    }

    /// Resolves the current step's approver (their delegate when they are away: ``DelegationRule``), assigns it and
    /// emits `approval.step_assigned`.
    func assignCurrentStep(of approval: inout Approval, chart: OrgChart, delegations: DelegationRule.Active, at now: Date) async throws {
        let role = approval.steps[approval.currentStep].role
        guard let assignment = DelegationRule.assignment(for: role, of: approval, chart: chart, delegations: delegations) else {
            // Thrown, the event is retried and finally parked: the org replica (user.* events) may still be on its way.
            throw NoApprover(role: role, approvalID: approval.id)
        }
        approval.assign(assignment, at: now)
        try await stepAssigned(&approval, mobile: assignment.approver.mobile, at: now)
    }

    /// Moves the current, pending step of `approval` away from `holderID` (``DelegationRule/reassignment(of:from:in:chart:delegations:)``)
    /// or back to the approver it was meant for (`to`, when a delegation ended), and emits `approval.step_assigned`, so
    /// notifications pushes the new holder.
    func reassignCurrentStep(
        of approval: inout Approval,
        from holderID: String,
        reason: StepReassignment,
        to returning: OrgUser? = nil,
        chart: OrgChart,
        delegations: DelegationRule.Active,
        at now: Date
    ) async throws {
        let assignment: StepAssignment
        if let returning {
            let resolution = approval.steps[approval.currentStep].resolution ?? "direct"
            assignment = StepAssignment(approver: returning, onBehalfOf: nil, resolution: resolution)
        } else {
            guard let found = DelegationRule.reassignment(of: approval, from: holderID, in: reason, chart: chart, delegations: delegations) else {
                throw NoApprover(role: approval.steps[approval.currentStep].role, approvalID: approval.id)
            }
            assignment = found
        }
        approval.reassign(assignment, reason: reason, at: now)
        try await stepAssigned(&approval, mobile: assignment.approver.mobile, at: now)
    }

    /// Emits `approval.step_assigned` for the current step's new holder, with its policy's SLA, and in the same
    /// transaction replaces the step's reminder and escalation timers (``StepDeadlineRepository``) with ones counted in
    /// working time from `now`.
    private func stepAssigned(_ approval: inout Approval, mobile: String?, at now: Date) async throws {
        let step = approval.steps[approval.currentStep]
        let timing = try await PostgresApprovalRepository(logger: logger)
            .timing(policyVersion: approval.policyVersion, of: approval.subjectType, on: connection)
        let assigned = ApprovalStepAssigned(
            approvalID: approval.id.description,
            contractID: approval.contractID,
            contractNumber: approval.contractNumber,
            customerName: approval.customerName,
            amountFen: approval.amountFen,
            submitterID: approval.submitterID,
            step: approval.currentStep,
            stepCount: approval.stepCount,
            approverID: step.approverID ?? "",
            approverName: step.approverName,
            approverMobile: mobile,
            assignedAt: now,
            onBehalfOfID: step.onBehalfOfID,
            onBehalfOfName: step.onBehalfOfName,
            reassignedFromID: step.reassignedFromID,
            slaWorkingDays: timing.slaWorkingDays,
            subjectType: approval.eventSubject.type,
            subjectID: approval.eventSubject.id,
            subjectTitle: approval.eventSubject.title
        )
        try await append(assigned, to: &approval, at: now)
        let deadlines = StepDeadlineRepository(logger: logger)
        try await deadlines.cancel(approval: approval.id, step: approval.currentStep, on: connection)
        try await deadlines.schedule(
            approval: approval.id,
            step: approval.currentStep,
            key: StepDeadlineRepository.key(approval: approval.id, step: approval.currentStep, version: approval.version),
            assignedAt: now,
            timing: timing,
            calendar: try await CalendarReplica(logger: logger).calendar(on: connection),
            on: connection
        )
    }

    /// Emits `approval.completed` for an approval that just ended.
    func completed(_ approval: inout Approval, at now: Date) async throws {
        guard let outcome = approval.status.outcome else { throw Problem.internalError() }
        let completed = ApprovalCompleted(
            approvalID: approval.id.description,
            contractID: approval.contractID,
            contractNumber: approval.contractNumber,
            submitterID: approval.submitterID,
            outcome: outcome,
            comment: approval.comment,
            requestedAt: approval.requestedAt,
            completedAt: approval.completedAt ?? now,
            workingDays: approval.workingDays ?? 0,
            subjectType: approval.eventSubject.type,
            subjectID: approval.eventSubject.id,
            subjectTitle: approval.eventSubject.title
        )
        try await append(completed, to: &approval, at: now)
    }
}

/// Nobody in the org replica can approve a step, not even an admin.
struct NoApprover: Error, CustomStringConvertible {
    var role: Role
    var approvalID: RecordID
    var description: String {
        "no active \(role.rawValue), manager above or admin other than the contract's owner and submitter to approve \(approvalID) "
            + "(is the org replica empty?)"
    }
}
