import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `approvals.recall` (`{comment}` optional): the submitter withdraws a pending approval; it completes as recalled.
/// Others who can see it get a 403, others a 404; once it has ended, a 409.
struct RecallApprovalHandler: Sendable {
    let postgres: PostgresClient
    let approvals: any ApprovalRepository
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let caller = try request.requireIdentity()
        let id = try request.pathRecordID("approval")
        let comment = try ApprovalsService.comment(in: request, required: false)
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            var approval = try await ApprovalsService.lockedForAction(
                id,
                by: caller,
                in: approvals,
                on: connection,
                check: { approval throws(DecisionRefusal) in try approval.checkRecaller(caller.userID) },
                ended: { "Approval \($0.id) has ended; it can no longer be recalled." },
                notYours: "Only the submitter can recall an approval."
            )
            let now = Date()
            try await StepDeadlineRepository(logger: logger).cancel(approval: approval.id, step: approval.currentStep, on: connection)
            approval.complete(.recalled, comment: comment, at: now, calendar: try await approvals.calendar(on: connection))
            let events = ApprovalEvents(connection: connection, logger: logger, traceparent: request.headers[RPC.Header.traceparent])
            try await events.completed(&approval, at: now)
            try await approvals.update(approval, on: connection)
            return try .json(approval)
        }
    }
}
