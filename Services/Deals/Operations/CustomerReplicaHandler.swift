import Contracts
import Logging
import PostgresNIO

/// `customer.created` / `customer.updated` → the customer replica.
struct CustomerReplicaHandler: Sendable {
    let repository: CustomerReplicaRepository

    func created(_ event: CustomerCreated, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await repository.upsert(event.customer, sequence: envelope.sequence, on: connection)
    }

    func updated(_ event: CustomerUpdated, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await repository.upsert(event.customer, sequence: envelope.sequence, on: connection)
    }
}
