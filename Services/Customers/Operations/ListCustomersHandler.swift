import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `customers.list`: the customers in the caller's scope, newest first, a page at a time (`limit`, `cursor`),
/// filtered by `region`, `industry`, `owner`, `level` and `q` (part of the name). Merged-away customers are never
/// listed; archived ones are left out unless `archived=true` (only them) or `archived=all` (both). The filters narrow
/// the scope and never widen it: `owner=<id>` lists a departed rep's customers to their supervisor and up, and nothing to anyone else.
struct ListCustomersHandler: Sendable {
    let postgres: PostgresClient
    let repository: any CustomerRepository
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let page = try request.pageRequest()
        let filter = try Self.filter(request)
        let rows = try await postgres.withConnection { connection in
            try await repository.list(filter, scope: scope, page: page, on: connection)
        }
        return try .json(Page(rows: rows, for: page) { PageCursor(createdAt: $0.createdAt, id: $0.id.uuid) })
    }

    /// The list's filters from the query string; the export (`customers.export`) reads the same ones.
    static func filter(_ request: RPCRequest) throws(Problem) -> CustomerFilter {
        let query = request.query
        let archived: Bool?
        switch query["archived"] ?? "" {
        case "", "false": archived = false
        case "true": archived = true
        case "all": archived = nil
        default: throw Problem.validation([.init(field: "archived", message: "must be false, true or all")])
        }
        var level: CustomerLevel?
        if let text = query["level"], !text.isEmpty {
            guard let value = CustomerLevel(rawValue: text) else {
                throw Problem.validation([.init(field: "level", message: "must be one of A, B, C")])
            }
            level = value
        }
        return CustomerFilter(
            region: query["region"].flatMap { $0.isEmpty ? nil : $0 },
            industry: query["industry"].flatMap { $0.isEmpty ? nil : $0 },
            ownerID: query["owner"].flatMap { $0.isEmpty ? nil : $0 },
            nameContains: query["q"].flatMap { $0.isEmpty ? nil : $0 },
            archived: archived,
            level: level
        )
    }
}
