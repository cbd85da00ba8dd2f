import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `customers.get`: one customer by id.
struct GetCustomerHandler: Sendable {
    let postgres: PostgresClient
    let repository: any CustomerRepository
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let id = try CustomersService.customerID(request)
        let customer = try await postgres.withConnection { connection in
            try await repository.find(id: id, on: connection, forUpdate: false)
        }
        guard let customer else { throw Problem.notFound("No customer \(id.uuidString.lowercased()).") }
        return try .json(customer)
    }
}
