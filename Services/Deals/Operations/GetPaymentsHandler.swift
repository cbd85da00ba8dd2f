import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `deals.getPayments` (path id = contract id): a signed contract's payment plan and receipts (``PaymentsView``), for
/// anyone who sees the contract (finance sees every contract). A contract signed before plans existed gets its plan
/// proposed now (see ``PaymentsDesk``). A contract that is not signed answers 409.
struct GetPaymentsHandler: Sendable {
    static let operation = "deals.getPayments"
    let postgres: PostgresClient
    let desk: PaymentsDesk
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let id = try request.pathRecordID("contract")
        return try await postgres.withTransaction(deadline: PostgresSettings.defaultTransactionDeadline, logger: logger) { connection in
            var contract = try await desk.signedContract(id, scope: scope, forUpdate: false, on: connection)
            if try await desk.payments.installments(contractID: id, on: connection).isEmpty, contract.amountFen > 0 {
                contract = try await desk.signedContract(id, scope: scope, forUpdate: true, on: connection)
                try await desk.ensurePlan(contract, by: scope.caller.userID, traceparent: request.headers[RPC.Header.traceparent], on: connection)
            }
            return try .json(try await desk.view(of: contract, on: connection))
        }
    }
}
