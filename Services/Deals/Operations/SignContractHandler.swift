import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `deals.signContract` (path id = contract id): an approved contract becomes signed, `contract.signed` is published
/// (revenue and margin count from here) and a deal still before the contract stage moves to it. The payment plan the
/// terms propose is written in the same transaction (`payment_plan.changed`).
struct SignContractHandler: Sendable {
    let postgres: PostgresClient
    let store: DealsStore
    let payments: PaymentsDesk
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try DealsService.writeScope(request)
        let id = try request.pathRecordID("contract")
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            var contract = try scope.visible(try await store.contracts.find(id: id, on: connection, forUpdate: true), "contract", id: id)
            guard ContractRules.canSign(contract.status) else {
                throw Problem.conflict("Contract \(contract.number) is \(contract.status.rawValue); only an approved contract can be signed.")
            }
            let deal = try await ContractChecks.lockedOpenDeal(of: contract, store: store, on: connection)
            let now = Date()
            contract.status = .signed
            contract.version += 1
            contract.signedAt = now
            contract.updatedAt = now
            try await store.contracts.updateStatus(contract, on: connection)
            let traceparent = request.headers[RPC.Header.traceparent]
            let event = ContractSigned(
                contractID: contract.id.description,
                number: contract.number,
                dealID: contract.dealID.description,
                ownerID: contract.ownerID,
                region: contract.region,
                amountFen: contract.amountFen,
                lines: contract.lines,
                signedAt: now
            )
            let envelope = try EventEnvelope(
                event,
                source: DealsService.name,
                subject: event.contractID,
                sequence: contract.version,
                time: now,
                traceparent: traceparent
            )
            try await Outbox.append(envelope, on: connection, logger: logger)
            if let next = DealStageRules.afterSigning(deal.stage) {
                _ = try await store.moveDeal(
                    deal,
                    to: next,
                    by: scope.caller.userID,
                    at: now,
                    traceparent: traceparent,
                    on: connection
                )
            }
            try await payments.proposePlan(contract, by: scope.caller.userID, at: now, traceparent: traceparent, on: connection)
            // Proposing the plan published an event with the contract's next version: answer the contract as stored.
            return try .json(try await store.contracts.find(id: id, on: connection, forUpdate: false) ?? contract)
        }
    }
}
