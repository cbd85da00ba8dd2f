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

    /// Resolves the current step's approver, assigns it and emits `approval.step_assigned`.
    func assignCurrentStep(of approval: inout Approval, chart: OrgChart, at now: Date) async throws {
        let role = approval.steps[approval.currentStep].role
        guard let approver = chart.approver(for: role, ownerID: approval.ownerID, submitterID: approval.submitterID, region: approval.region)
        else {
            // Thrown, the event is retried and finally parked: the org replica (user.* events) may still be on its way.
            throw NoApprover(role: role, approvalID: approval.id)
        }
        approval.assign(approver, at: now)
        let assigned = ApprovalStepAssigned(
            approvalID: approval.id.description,
            contractID: approval.contractID,
            contractNumber: approval.contractNumber,
            customerName: approval.customerName,
            amountFen: approval.amountFen,
            submitterID: approval.submitterID,
            step: approval.currentStep,
            stepCount: approval.stepCount,
            approverID: approver.user.id,
            approverName: approver.user.displayName,
            approverMobile: approver.user.mobile,
            assignedAt: now
        )
        try await append(assigned, to: &approval, at: now)
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
            workingDays: approval.workingDays ?? 0
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
