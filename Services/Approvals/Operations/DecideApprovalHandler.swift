import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `approvals.approve` / `approvals.reject` (`{comment}`, required to reject): the assigned approver of the current
/// step decides it.
///
/// The instance row is locked (`SELECT … FOR UPDATE`) for the transaction, so of two decisions racing on one step
/// the second waits, then finds the step decided and gets a 409. Someone who cannot see the approval gets a 404;
/// someone who can (their team's contract, an earlier approver) but is not the current approver gets a 403.
/// Approving hands the next step to its approver (`approval.step_decided` + `approval.step_assigned`) or, at the last
/// step, completes it; rejecting completes it as rejected. A repeat with the same `Idempotency-Key` gets the first reply.
struct DecideApprovalHandler: Sendable {
    let outcome: ApprovalOutcome
    let postgres: PostgresClient
    let approvals: any ApprovalRepository
    let org: OrgReplica
    let delegations: DelegationRepository
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let caller = try request.requireIdentity()
        let id = try request.pathRecordID("approval")
        let comment = try ApprovalsService.comment(in: request, required: outcome == .rejected)
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            var approval = try await ApprovalsService.lockedForAction(
                id,
                by: caller,
                in: approvals,
                on: connection,
                check: { approval throws(DecisionRefusal) in try approval.checkDecider(caller.userID) },
                ended: { "Approval \($0.id) has no pending step for you; it was decided already." },
                notYours: "Only the assigned approver of the current step can decide it."
            )
            let now = Date()
            let calendar = try await approvals.calendar(on: connection)
            let decided = approval.decide(outcome, comment: comment, at: now, calendar: calendar)
            let events = ApprovalEvents(connection: connection, logger: logger, traceparent: request.headers[RPC.Header.traceparent])
            let stepDecided = ApprovalStepDecided(
                approvalID: approval.id.description,
                contractID: approval.contractID,
                step: decided.step,
                approverID: caller.userID,
                outcome: outcome,
                comment: comment,
                decidedAt: now,
                workingDays: decided.workingDays ?? 0
            )
            try await events.append(stepDecided, to: &approval, at: now)
            try await StepDeadlineRepository(logger: logger).cancel(approval: approval.id, step: decided.step, on: connection)
            if approval.status == .pending {
                do {
                    try await events.assignCurrentStep(
                        of: &approval,
                        chart: OrgChart(users: try await org.users(on: connection).map(OrgUser.init)),
                        delegations: try await delegations.active(on: BusinessCalendar.day(of: now), on: connection),
                        at: now
                    )
                } catch let error as NoApprover {
                    throw Problem.conflict("Nobody can approve the next step: \(error). Ask an admin to fix the org chart.")
                }
            } else {
                try await events.completed(&approval, at: now)
            }
            try await approvals.update(approval, on: connection)
            return try .json(approval)
        }
    }
}
