import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `deals.listDeals`: the deals in the caller's scope, newest first, a page at a time (`limit`, `cursor`), filtered by
/// `stage`, `owner` and `customer`. Filters narrow the scope, never widen it.
struct ListDealsHandler: Sendable {
    let postgres: PostgresClient
    let store: DealsStore
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let page = try request.pageRequest()
        let query = request.query
        var filter = DealFilter()
        if let text = query["stage"], !text.isEmpty {
            guard let stage = DealStage(rawValue: text) else {
                throw Problem.validation([.init(field: "stage", message: "is not a deal stage")])
            }
            filter.stage = stage
        }
        filter.ownerID = query["owner"].flatMap { $0.isEmpty ? nil : $0 }
        filter.customerID = query["customer"].flatMap { $0.isEmpty ? nil : $0.lowercased() }
        let rows = try await postgres.withConnection { connection in
            try await store.deals.list(filter, scope: scope, page: page, on: connection)
        }
        return try .json(Page(rows: rows, for: page) { PageCursor(createdAt: $0.createdAt, id: $0.id.uuid) })
    }
}
