import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO

/// A subject's request (`expense_claim.submitted`, any ``ApprovalSubjectSubmission``) → a pending approval under its
/// subject type's current policy, step 0 assigned, and `approval.requested` + `approval.step_assigned` carrying the
/// subject, all in the consumer's inbox transaction; the generic twin of ``ContractSubmittedHandler`` (ADR 0011).
///
/// The inbox makes a redelivery a no-op; the unique index on pending approvals per subject stops a second request for
/// a subject that is still being approved (it is logged and skipped).
struct SubjectSubmittedHandler: Sendable {
    let approvals: PostgresApprovalRepository
    let org: OrgReplica
    let delegations: DelegationRepository

    func callAsFunction<Submission: ApprovalSubjectSubmission>(
        _ submission: Submission,
        _ envelope: EventEnvelope,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws {
        let request = submission.approvalRequest
        let policy = try await approvals.currentPolicy(for: request.subjectType, on: connection)
        // Working time counts from the submission, not from when this consumer got to the event.
        let now = request.submittedAt
        var approval = Approval.start(id: RecordID(), request: request, policy: policy, at: now)
        guard try await approvals.insert(approval, on: connection) else {
            logger.notice(
                "subject already has a pending approval; ignoring",
                metadata: ["subject": "\(request.subjectType.rawValue) \(request.subjectID)"]
            )
            return
        }
        let events = ApprovalEvents(connection: connection, logger: logger, traceparent: envelope.traceparent)
        let requested = ApprovalRequested(
            approvalID: approval.id.description,
            contractID: request.subjectID,
            contractNumber: request.number,
            submitterID: request.submittedBy,
            amountFen: request.amountFen,
            policyVersion: policy.version,
            steps: approval.steps.map(\.role),
            requestedAt: now,
            subjectType: request.subjectType,
            subjectID: request.subjectID,
            subjectTitle: request.title
        )
        try await events.append(requested, to: &approval, at: now)
        try await events.assignCurrentStep(
            of: &approval,
            chart: OrgChart(users: try await org.users(on: connection).map(OrgUser.init)),
            delegations: try await delegations.active(on: BusinessCalendar.day(of: Date()), on: connection),
            at: now
        )
        try await approvals.update(approval, on: connection)
    }
}
