import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `deals.reverseReceipt` (path id = receipt id) `{"reason": "…"}`: finance reverses a receipt (it is never edited);
/// its allocations stop counting and the reason, who and when stay on it. A receipt already reversed answers 409.
/// Publishes `receipt.reversed`. A deal already `paid` stays there (see ``PaymentsDesk/settleIfCollected``).
struct ReverseReceiptHandler: Sendable {
    static let operation = "deals.reverseReceipt"
    let postgres: PostgresClient
    let desk: PaymentsDesk
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try PaymentsDesk.finance(request)
        let id = try request.pathRecordID("receipt")
        let reason = try ReceiptRules.reason(try request.decode(ReceiptRules.ReasonBody.self).reason)
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            guard let found = try await desk.payments.receipt(id: id, on: connection) else { throw Problem.notFound("No receipt \(id).") }
            let contract = try await desk.signedContract(found.contractID, scope: scope, forUpdate: true, on: connection)
            // Read again under the contract's lock: a concurrent reversal may have committed meanwhile.
            guard let receipt = try await desk.payments.receipt(id: id, on: connection), receipt.reversedAt == nil else {
                throw Problem.conflict("Receipt \(id) is already reversed.")
            }
            let now = Date()
            try await desk.payments.reverse(receipt: id, reason: reason, by: scope.caller.userID, at: now, on: connection)
            let event = ReceiptReversed(
                receiptID: id.description,
                party: desk.party(contract),
                amountFen: receipt.amountFen,
                reason: reason,
                byUserID: scope.caller.userID,
                outstandingFen: try await desk.outstanding(of: contract, on: connection),
                at: now
            )
            try await desk.publish(event, contract: contract, at: now, traceparent: request.headers[RPC.Header.traceparent], on: connection)
            return try .json(try await desk.view(of: contract, on: connection))
        }
    }
}
