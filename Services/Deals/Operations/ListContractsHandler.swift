import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `deals.listContracts`: the contracts in the caller's scope, newest first, a page at a time (`limit`, `cursor`),
/// filtered by `status`, `deal` and `owner` (the deal owner's user id). Filters narrow the scope, never widen it.
struct ListContractsHandler: Sendable {
    let postgres: PostgresClient
    let store: DealsStore
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let page = try request.pageRequest()
        let query = request.query
        var filter = ContractFilter()
        if let text = query["status"], !text.isEmpty {
            guard let status = Contract.Status(rawValue: text) else {
                throw Problem.validation([.init(field: "status", message: "is not a contract status")])
            }
            filter.status = status
        }
        if let text = query["deal"], !text.isEmpty {
            guard let dealID = RecordID(text) else { throw Problem.validation([.init(field: "deal", message: "is not a deal id")]) }
            filter.dealID = dealID
        }
        filter.ownerID = query["owner"].flatMap { $0.isEmpty ? nil : $0 }
        let rows = try await postgres.withConnection { connection in
            try await store.contracts.list(filter, scope: scope, page: page, on: connection)
        }
        return try .json(Page(rows: rows, for: page) { PageCursor(createdAt: $0.createdAt, id: $0.id.uuid) })
    }
}
