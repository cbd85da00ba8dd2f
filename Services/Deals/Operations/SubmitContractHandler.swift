import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `deals.submitContract` (path id = contract id): sends a draft or rejected contract to approval and publishes
/// `contract.submitted` (amount, owner, region, lines, the customer's current name) through the outbox. The owner,
/// their supervisor and anyone above with the contract in scope may submit; a contract whose quote version has been
/// superseded since it was drafted is refused like at creation.
struct SubmitContractHandler: Sendable {
    let postgres: PostgresClient
    let store: DealsStore
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try DealsService.writeScope(request)
        let id = try request.pathRecordID("contract")
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            var contract = try scope.visible(try await store.contracts.find(id: id, on: connection, forUpdate: true), "contract", id: id)
            guard ContractRules.canSubmit(contract.status) else {
                throw Problem.conflict(
                    "Contract \(contract.number) is \(contract.status.rawValue); only a draft or rejected contract can be submitted."
                )
            }
            let deal = try await ContractChecks.lockedOpenDeal(of: contract, store: store, on: connection)
            let customerName = try await store.customers.find(id: deal.customerID, on: connection)?.name ?? deal.customerName
            let now = Date()
            contract.status = .pendingApproval
            contract.version += 1
            contract.submittedBy = scope.caller.userID
            contract.submittedAt = now
            contract.decidedAt = nil
            contract.decisionComment = nil
            contract.updatedAt = now
            contract.customerName = customerName
            try await store.contracts.updateStatus(contract, on: connection)
            let event = ContractSubmitted(
                contractID: contract.id.description,
                number: contract.number,
                dealID: contract.dealID.description,
                customerID: contract.customerID,
                customerName: customerName,
                ownerID: contract.ownerID,
                region: contract.region,
                amountFen: contract.amountFen,
                lines: contract.lines,
                submittedBy: scope.caller.userID,
                submittedAt: now
            )
            let envelope = try EventEnvelope(
                event,
                source: DealsService.name,
                subject: event.contractID,
                sequence: contract.version,
                time: now,
                traceparent: request.headers[RPC.Header.traceparent]
            )
            try await Outbox.append(envelope, on: connection, logger: logger)
            return try .json(contract)
        }
    }
}
