import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `customers.create`: validates the draft, stores the customer and its `customer.created` event in one
/// transaction. The owner is the caller (a rep creates their own customers) unless none is known.
struct CreateCustomerHandler: Sendable {
    let postgres: PostgresClient
    let repository: any CustomerRepository
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let draft = try request.decode(CustomerDraft.self)
        let fields = try CustomerRules.validate(draft)
        let now = Date()
        let customer = Customer(
            id: UUID(),
            name: fields.name,
            region: fields.region,
            industry: fields.industry,
            address: fields.address,
            notes: fields.notes,
            ownerID: request.identity?.userID ?? draft.ownerID,
            contacts: fields.contacts,
            version: 1,
            createdAt: now,
            updatedAt: now
        )
        return try await postgres.withTransaction(logger: logger) { connection in
            try await IdempotentReplies.run(request, on: connection, logger: logger) {
                try await repository.insert(customer, on: connection)
                let event = try EventEnvelope(
                    CustomerCreated(customer: customer.snapshot),
                    source: CustomersService.name,
                    subject: customer.snapshot.id,
                    sequence: customer.version,
                    time: now,
                    traceparent: request.headers[RPC.Header.traceparent]
                )
                try await Outbox.append(event, on: connection, logger: logger)
                return try .json(customer, status: 201)
            }
        }
    }
}
