import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `deals.recordReceipt` (path id = contract id) `{amountFen, receivedOn, method, reference?, allocations?}`: finance
/// records money received against a signed contract, split by hand or oldest first (``ReceiptRules``). More than
/// what is outstanding is a 409 and writes nothing. Publishes `receipt.recorded`; when that collects the contract and
/// it is delivered, the deal moves to `paid`. Answers 201 with the payments view.
struct RecordReceiptHandler: Sendable {
    static let operation = "deals.recordReceipt"
    let postgres: PostgresClient
    let desk: PaymentsDesk
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try PaymentsDesk.finance(request)
        let id = try request.pathRecordID("contract")
        let checked = try ReceiptRules.check(try request.decode(ReceiptRules.Entry.self), today: BusinessCalendar.day(of: Date()))
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            let contract = try await desk.signedContract(id, scope: scope, forUpdate: true, on: connection)
            let traceparent = request.headers[RPC.Header.traceparent]
            try await desk.ensurePlan(contract, by: scope.caller.userID, traceparent: traceparent, on: connection)
            let allocations = try ReceiptRules.allocate(checked, over: try await desk.openInstallments(of: contract, on: connection))
            let now = Date()
            let receipt = StoredReceipt(
                id: RecordID(),
                contractID: id,
                amountFen: checked.amountFen,
                receivedOn: checked.receivedOn.description,
                method: checked.method.rawValue,
                reference: checked.reference,
                recordedBy: scope.caller.userID,
                recordedAt: now,
                allocations: allocations.map { ($0.installmentID, $0.amountFen) }
            )
            try await desk.payments.insertReceipt(receipt, on: connection)
            let event = ReceiptRecorded(
                receiptID: receipt.id.description,
                party: desk.party(contract),
                amountFen: receipt.amountFen,
                receivedOn: receipt.receivedOn,
                method: receipt.method,
                allocations: allocations.map { .init(installmentID: $0.installmentID.description, amountFen: $0.amountFen) },
                outstandingFen: try await desk.outstanding(of: contract, on: connection),
                at: now
            )
            try await desk.publish(event, contract: contract, at: now, traceparent: traceparent, on: connection)
            try await desk.settleIfCollected(contract, by: scope.caller.userID, at: now, traceparent: traceparent, on: connection)
            return try .json(try await desk.view(of: contract, on: connection), status: 201)
        }
    }
}
