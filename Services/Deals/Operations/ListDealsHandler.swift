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

    struct Page: Encodable {
        var items: [Deal]
        var nextCursor: String?
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try DealsService.scope(request)
        let query = request.query
        let (limit, cursor) = try DealsService.page(query)
        var filter = DealFilter()
        if let text = query["stage"], !text.isEmpty {
            guard let stage = DealStage(rawValue: text) else {
                throw Problem.validation([.init(field: "stage", message: "is not a deal stage")])
            }
            filter.stage = stage
        }
        filter.ownerID = query["owner"].flatMap { $0.isEmpty ? nil : $0 }
        filter.customerID = query["customer"].flatMap { $0.isEmpty ? nil : $0.lowercased() }
        // One extra row tells whether another page exists without a second query.
        let rows = try await postgres.withConnection { connection in
            try await store.deals.list(filter, scope: scope, after: cursor, limit: limit + 1, on: connection)
        }
        let items = Array(rows.prefix(limit))
        let next = rows.count > limit ? items.last.map { PageCursor(createdAt: $0.createdAt, id: $0.id).token } : nil
        return try .json(Page(items: items, nextCursor: next))
    }
}
