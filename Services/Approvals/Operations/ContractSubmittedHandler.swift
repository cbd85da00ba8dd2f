import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO

/// `contract.submitted` → a pending approval under the current policy, step 0 assigned, and
/// `approval.requested` + `approval.step_assigned` in the outbox, all in the consumer's inbox transaction.
///
/// The inbox makes a redelivery a no-op; the unique index on pending approvals per contract also stops a second
/// `contract.submitted` for a contract that is still being approved (it is logged and skipped).
struct ContractSubmittedHandler: Sendable {
    let approvals: any ApprovalRepository
    let org: OrgReplica
    let delegations: DelegationRepository

    func callAsFunction(_ contract: ContractSubmitted, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        let policy = try await approvals.currentPolicy(on: connection)
        // Working time counts from the submission, not from when this consumer got to the event.
        let now = contract.submittedAt
        var approval = Approval.start(id: RecordID(), contract: contract, policy: policy, at: now)
        guard try await approvals.insert(approval, on: connection) else {
            logger.notice("contract already has a pending approval; ignoring", metadata: ["contract": "\(contract.contractID)"])
            return
        }
        let events = ApprovalEvents(connection: connection, logger: logger, traceparent: envelope.traceparent)
        let requested = ApprovalRequested(
            approvalID: approval.id.description,
            contractID: contract.contractID,
            contractNumber: contract.number,
            submitterID: contract.submittedBy,
            amountFen: contract.amountFen,
            policyVersion: policy.version,
            steps: approval.steps.map(\.role),
            requestedAt: now
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
