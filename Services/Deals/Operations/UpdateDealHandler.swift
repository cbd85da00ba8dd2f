import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `deals.updateDeal` (path id = deal id): changes a deal's title, expected amount or expected close date. The owner
/// and the managers whose scope holds the deal may (404 outside it; finance 403); with `version`, a stale edit is a
/// 409. A change is an `edit` line of the deal's history and `deal.updated`; a no-op changes nothing and publishes
/// nothing. The stage moves only through `deals.changeStage`.
struct UpdateDealHandler: Sendable {
    /// The operation this handler answers; `openapi.yaml` routes `PATCH /deals/{id}` to it (`x-rpc`).
    static let operation = "deals.updateDeal"

    let postgres: PostgresClient
    let store: DealsStore
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try DealsService.writeScope(request)
        let id = try request.pathRecordID("deal")
        let patch = try request.decode(DealPatch.self)
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            let deal = try scope.visible(try await store.deals.find(id: id, on: connection, forUpdate: true), "deal", id: id)
            if let expected = patch.version, expected != deal.version {
                throw Problem.conflict("The deal is at version \(deal.version), not \(expected); reload and retry.")
            }
            let applied = try patch.applied(to: deal)
            guard !applied.changes.isEmpty else { return try .json(deal) }
            var edited = applied.deal
            edited.version += 1
            edited.updatedAt = Date()
            try await store.deals.updateFields(edited, on: connection)
            try await store.deals.appendEdit(edited, changes: applied.changes, by: scope.caller.userID, on: connection)
            let event = DealUpdated(
                dealID: edited.id.description,
                customerID: edited.customerID,
                ownerID: edited.ownerID,
                region: edited.region,
                title: edited.title,
                expectedAmountFen: edited.expectedAmountFen,
                expectedCloseDate: edited.expectedCloseDate,
                changedFields: applied.changes.keys.sorted(),
                byUserID: scope.caller.userID,
                at: edited.updatedAt
            )
            let envelope = try EventEnvelope(
                event,
                source: DealsService.name,
                subject: event.dealID,
                sequence: edited.version,
                time: edited.updatedAt,
                traceparent: request.headers[RPC.Header.traceparent]
            )
            try await Outbox.append(envelope, on: connection, logger: logger)
            return try .json(edited)
        }
    }
}
