import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `deals.shippingQueue`: signed contracts with something left to ship, oldest signature first, a page at a time
/// (`limit`, `cursor`), without prices. The warehouse sees the whole company's; everyone else the contracts in their
/// scope.
struct ShippingQueueHandler: Sendable {
    static let operation = "deals.shippingQueue"

    let postgres: PostgresClient
    let store: DealsStore
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let page = try request.pageRequest()
        let rows = try await postgres.withConnection { connection in
            try await store.shipments.queue(scope: scope.caller.role == .warehouse ? nil : scope, page: page, on: connection)
        }
        return try .json(Page(rows: rows, for: page) { PageCursor(createdAt: $0.signedAt, id: $0.contractId.uuid) })
    }
}
