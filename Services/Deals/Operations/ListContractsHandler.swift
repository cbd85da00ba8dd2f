import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `deals.listContracts`: the contracts in the caller's scope, newest first, a page at a time (`limit`, `cursor`),
/// filtered by `status` and `deal`.
struct ListContractsHandler: Sendable {
    let postgres: PostgresClient
    let store: DealsStore
    let logger: Logger

    struct Page: Encodable {
        var items: [Contract]
        var nextCursor: String?
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try DealsService.scope(request)
        let query = request.query
        let (limit, cursor) = try DealsService.page(query)
        var filter = ContractFilter()
        if let text = query["status"], !text.isEmpty {
            guard let status = Contract.Status(rawValue: text) else {
                throw Problem.validation([.init(field: "status", message: "is not a contract status")])
            }
            filter.status = status
        }
        if let text = query["deal"], !text.isEmpty {
            guard let dealID = UUID(uuidString: text) else { throw Problem.validation([.init(field: "deal", message: "is not a deal id")]) }
            filter.dealID = dealID
        }
        let rows = try await postgres.withConnection { connection in
            try await store.contracts.list(filter, scope: scope, after: cursor, limit: limit + 1, on: connection)
        }
        let items = Array(rows.prefix(limit))
        let next = rows.count > limit ? items.last.map { PageCursor(createdAt: $0.createdAt, id: $0.id).token } : nil
        return try .json(Page(items: items, nextCursor: next))
    }
}
