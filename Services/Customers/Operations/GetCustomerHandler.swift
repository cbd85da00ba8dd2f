import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `customers.get`: one customer by id, if it is in the caller's scope (otherwise 404, as if it did not exist).
struct GetCustomerHandler: Sendable {
    let postgres: PostgresClient
    let repository: any CustomerRepository
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let id = try request.pathRecordID("customer")
        let customer = try await postgres.withConnection { connection in
            try await repository.find(id: id, on: connection, forUpdate: false)
        }
        return try .json(try scope.visible(customer, "customer", id: id))
    }
}
