import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `deals.writeOffInstallment` (path id = installment id) `{"reason": "…"}`: finance writes off what is outstanding
/// on an installment (坏账核销); it is no longer due. Nothing outstanding answers 409. Publishes
/// `installment.written_off`; when that settles the contract and it is delivered, the deal moves to `paid`.
struct WriteOffInstallmentHandler: Sendable {
    static let operation = "deals.writeOffInstallment"
    let postgres: PostgresClient
    let desk: PaymentsDesk
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try PaymentsDesk.finance(request)
        let id = try request.pathRecordID("installment")
        let reason = try ReceiptRules.reason(try request.decode(ReceiptRules.ReasonBody.self).reason)
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            guard let contractID = try await desk.payments.contractOf(installment: id, on: connection) else {
                throw Problem.notFound("No installment \(id).")
            }
            let contract = try await desk.signedContract(contractID, scope: scope, forUpdate: true, on: connection)
            guard let installment = try await desk.payments.installments(contractID: contractID, on: connection).first(where: { $0.id == id }) else {
                throw Problem.notFound("No installment \(id).")
            }
            guard installment.outstandingFen > 0 else {
                throw Problem.conflict("Installment \(installment.sequence) has nothing outstanding to write off.")
            }
            let now = Date()
            let traceparent = request.headers[RPC.Header.traceparent]
            try await desk.payments.writeOff(
                installment: id,
                amountFen: installment.outstandingFen,
                reason: reason,
                by: scope.caller.userID,
                at: now,
                on: connection
            )
            let event = InstallmentWrittenOff(
                installmentID: id.description,
                party: desk.party(contract),
                amountFen: installment.outstandingFen,
                reason: reason,
                byUserID: scope.caller.userID,
                at: now
            )
            try await desk.publish(event, contract: contract, at: now, traceparent: traceparent, on: connection)
            try await desk.settleIfCollected(contract, by: scope.caller.userID, at: now, traceparent: traceparent, on: connection)
            return try .json(try await desk.view(of: contract, on: connection))
        }
    }
}
