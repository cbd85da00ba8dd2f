import Contracts
import Logging
import PostgresNIO

/// `customer.created` / `customer.updated` / `customer.transferred` → the customer replica (a transfer carries the
/// whole customer with its new owner, so it upserts like the others). Open deals follow their customer's owner and
/// region, so a transferred customer's pipeline moves with it; an out-of-order (older) event changes nothing.
struct CustomerReplicaHandler: Sendable {
    let store: DealsStore

    func created(_ event: CustomerCreated, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await apply(event.customer, envelope, connection)
    }

    func updated(_ event: CustomerUpdated, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await apply(event.customer, envelope, connection)
    }

    func transferred(_ event: CustomerTransferred, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await apply(event.customer, envelope, connection)
    }

    private func apply(_ customer: CustomerSnapshot, _ envelope: EventEnvelope, _ connection: PostgresConnection) async throws {
        try await store.applyCustomer(customer, sequence: envelope.sequence, on: connection)
    }
}
