import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `customers.history`: a customer's audit trail (who changed what, when), newest first; scoped like
/// `customers.get`.
struct CustomerHistoryHandler: Sendable {
    let postgres: PostgresClient
    let repository: any CustomerRepository
    let logger: Logger

    /// A customer's trail is short (a line per change); the cap only bounds a pathological one.
    static let maxEntries = 500

    struct Trail: Encodable {
        var items: [CustomerHistoryEntry]
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let id = try request.pathRecordID("customer")
        let items = try await postgres.withConnection { connection in
            _ = try scope.visible(try await repository.find(id: id, on: connection, forUpdate: false), "customer", id: id)
            return try await repository.history(customerID: id, limit: Self.maxEntries, on: connection)
        }
        return try .json(Trail(items: items))
    }
}
