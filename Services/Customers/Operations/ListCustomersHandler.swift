import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `customers.list`: the customers in the caller's scope, newest first, a page at a time (`limit`, `cursor`),
/// filtered by `region`, `industry`, `owner` and `q` (part of the name). The filters narrow the scope and never
/// widen it: `owner=<id>` lists a departed rep's customers to their supervisor and up, and nothing to anyone else.
struct ListCustomersHandler: Sendable {
    let postgres: PostgresClient
    let repository: any CustomerRepository
    let logger: Logger

    static let defaultLimit = 20
    static let maxLimit = 100

    struct Page: Encodable {
        var items: [Customer]
        var nextCursor: String?
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try CustomersService.scope(request)
        let query = request.query
        var limit = Self.defaultLimit
        if let text = query["limit"] {
            guard let value = Int(text), (1...Self.maxLimit).contains(value) else {
                throw Problem.validation([.init(field: "limit", message: "must be a whole number from 1 to \(Self.maxLimit)")])
            }
            limit = value
        }
        var cursor: CustomerCursor?
        if let token = query["cursor"], !token.isEmpty {
            guard let parsed = CustomerCursor(token: token) else {
                throw Problem.validation([.init(field: "cursor", message: "is not a cursor this API returned")])
            }
            cursor = parsed
        }
        let filter = CustomerFilter(
            region: query["region"].flatMap { $0.isEmpty ? nil : $0 },
            industry: query["industry"].flatMap { $0.isEmpty ? nil : $0 },
            ownerID: query["owner"].flatMap { $0.isEmpty ? nil : $0 },
            nameContains: query["q"].flatMap { $0.isEmpty ? nil : $0 }
        )
        // One extra row tells whether another page exists without a second query.
        let rows = try await postgres.withConnection { connection in
            try await repository.list(filter, scope: scope, after: cursor, limit: limit + 1, on: connection)
        }
        let items = Array(rows.prefix(limit))
        let next = rows.count > limit ? items.last.map { CustomerCursor(createdAt: $0.createdAt, id: $0.id).token } : nil
        return try .json(Page(items: items, nextCursor: next))
    }
}
