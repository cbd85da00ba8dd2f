import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `customers.history`: a customer's audit trail (who changed what, when), newest first, a page at a time (`limit`
/// 1…100, default 50; `cursor`); scoped like `customers.get`.
struct CustomerHistoryHandler: Sendable {
    let postgres: PostgresClient
    let repository: any CustomerRepository
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let id = try request.pathRecordID("customer")
        let page = try request.pageRequest(defaultLimit: 50)
        let rows = try await postgres.withConnection { connection in
            _ = try scope.visible(try await repository.find(id: id, on: connection, forUpdate: false), "customer", id: id)
            return try await repository.history(customerID: id, page: page, on: connection)
        }
        return try .json(Page(rows: rows, for: page) { PageCursor(createdAt: $0.at, number: $0.entryID) })
    }
}
