import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `customers.update`: applies a partial update; a change publishes `customer.updated` naming the changed
/// fields, a no-op changes nothing and publishes nothing. With `version`, a stale update is a 409.
struct UpdateCustomerHandler: Sendable {
    let postgres: PostgresClient
    let repository: any CustomerRepository
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let id = try CustomersService.customerID(request)
        let patch = try request.decode(CustomerPatch.self)
        return try await postgres.withTransaction(logger: logger) { connection in
            try await IdempotentReplies.run(request, on: connection, logger: logger) {
                guard var customer = try await repository.find(id: id, on: connection, forUpdate: true) else {
                    throw Problem.notFound("No customer \(id.uuidString.lowercased()).")
                }
                if let expected = patch.version, expected != customer.version {
                    throw Problem.conflict("The customer is at version \(customer.version), not \(expected); reload and retry.")
                }
                let current = CustomerRules.Fields(
                    name: customer.name,
                    region: customer.region,
                    industry: customer.industry,
                    address: customer.address,
                    notes: customer.notes,
                    contacts: customer.contacts
                )
                let (fields, changed) = try CustomerRules.apply(patch, to: current)
                guard !changed.isEmpty else { return try .json(customer) }
                customer.name = fields.name
                customer.region = fields.region
                customer.industry = fields.industry
                customer.address = fields.address
                customer.notes = fields.notes
                customer.contacts = fields.contacts
                customer.version += 1
                customer.updatedAt = Date()
                try await repository.update(customer, on: connection)
                let event = try EventEnvelope(
                    CustomerUpdated(customer: customer.snapshot, changedFields: changed),
                    source: CustomersService.name,
                    subject: customer.snapshot.id,
                    sequence: customer.version,
                    time: customer.updatedAt,
                    traceparent: request.headers[RPC.Header.traceparent]
                )
                try await Outbox.append(event, on: connection, logger: logger)
                return try .json(customer)
            }
        }
    }
}
