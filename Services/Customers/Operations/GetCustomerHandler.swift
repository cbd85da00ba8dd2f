import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `customers.get`: one customer by id, if it is in the caller's scope (otherwise 404, as if it did not exist), with
/// its completeness score and what it misses (``Completeness``).
struct GetCustomerHandler: Sendable {
    let postgres: PostgresClient
    let repository: any CustomerRepository
    let completeness: CompletenessRepository
    let now: @Sendable () -> Date
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let id = try request.pathRecordID("customer")
        let (customer, facts) = try await postgres.withConnection { connection in
            (
                try await repository.find(id: id, on: connection, forUpdate: false),
                try await completeness.facts(customerID: id, on: connection)
            )
        }
        let visible = try scope.visible(customer, "customer", id: id)
        let score = facts.map { Completeness.score($0, weights: completeness.weights, now: now()) }
        return try .json(CustomerWithCompleteness(customer: visible, completeness: score))
    }
}

/// A customer as `customers.get` answers it: the customer's own members and `completeness`.
struct CustomerWithCompleteness: Encodable, Sendable {
    let customer: Customer
    let completeness: Completeness.Score?

    enum CodingKeys: String, CodingKey { case completeness }

    func encode(to encoder: any Encoder) throws {
        try customer.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(completeness, forKey: .completeness)
    }
}
