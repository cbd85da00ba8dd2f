import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `deals.getDealHistory` (path id = deal id): the deal's history, its stage moves and the edits of its fields, newest first, a page at a time (`limit`,
/// `cursor`), if the deal is in the caller's scope (404 otherwise).
struct GetDealHistoryHandler: Sendable {
    /// The operation this handler answers; `openapi.yaml` routes `GET /deals/{id}/history` to it (`x-rpc`).
    static let operation = "deals.getDealHistory"

    let postgres: PostgresClient
    let store: DealsStore
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let id = try request.pathRecordID("deal")
        let page = try request.pageRequest()
        let rows = try await postgres.withConnection { connection in
            _ = try scope.visible(try await store.deals.find(id: id, on: connection, forUpdate: false), "deal", id: id)
            return try await store.deals.history(dealID: id, page: page, on: connection)
        }
        return try .json(Page(rows: rows, for: page, cursor: DealRepository.historyCursor(after:)))
    }
}
