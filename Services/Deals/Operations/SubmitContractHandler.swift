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
        let id = try DealsService.pathID(request, "contract")
        return try await postgres.withTransaction(logger: logger) { connection in
            try await IdempotentReplies.run(request, on: connection, logger: logger) {
                var contract = try DealsService.visible(try await store.contracts.find(id: id, on: connection, forUpdate: true), id: id, in: scope)
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
                    contractID: contract.id.uuidString.lowercased(),
                    number: contract.number,
                    dealID: contract.dealID.uuidString.lowercased(),
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
}

/// Checks shared by submitting and signing.
enum ContractChecks {
    /// Locks the contract's deal and checks that it is still open and that the contract's quote version is still the
    /// deal's current one (a 409 naming the current version otherwise).
    static func lockedOpenDeal(of contract: Contract, store: DealsStore, on connection: PostgresConnection) async throws -> Deal {
        guard let deal = try await store.deals.find(id: contract.dealID, on: connection, forUpdate: true) else { throw Problem.internalError() }
        guard DealStageRules.isOpen(deal.stage) else { throw Problem.conflict("The deal of contract \(contract.number) is \(deal.stage.rawValue).") }
        if let current = try await store.quotes.latest(dealID: deal.id, on: connection), current.id != contract.quoteID {
            throw ContractRules.superseded(version: contract.quoteVersion, current: current.version, currentQuoteID: current.id)
        }
        return deal
    }
}
