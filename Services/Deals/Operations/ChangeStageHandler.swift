import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `deals.changeStage` `{"stage": "<stage>" | "reopen", "lostReason"?}`: moves a deal by ``DealStageRules``; an
/// illegal move is a 409 and changes nothing. Each move is kept in `deal_stage_history` and published as
/// `deal.stage_changed`.
struct ChangeStageHandler: Sendable {
    let postgres: PostgresClient
    let store: DealsStore
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try DealsService.writeScope(request)
        let id = try request.pathRecordID("deal")
        let body = try request.decode(DealStageRules.Request.self)
        let move = try DealStageRules.move(body)
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            let deal = try scope.visible(try await store.deals.find(id: id, on: connection, forUpdate: true), "deal", id: id)
            let facts = DealStageRules.Facts(
                hasQuote: try await store.quotes.latest(dealID: id, on: connection) != nil,
                hasSignedContract: try await store.contracts.hasSigned(dealID: id, on: connection)
            )
            let outcome = try DealStageRules.apply(
                move,
                from: deal.stage,
                lostFrom: deal.lostFromStage,
                lostReason: body.lostReason,
                facts: facts
            )
            let moved = try await store.moveDeal(
                deal,
                to: outcome.to,
                lostReason: outcome.lostReason,
                lostFromStage: outcome.lostFromStage,
                by: scope.caller.userID,
                at: Date(),
                traceparent: request.headers[RPC.Header.traceparent],
                on: connection
            )
            return try .json(moved)
        }
    }
}
