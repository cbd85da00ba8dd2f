import Contracts
import Logging
import PostgresNIO

/// `customer.created`, `customer.imported`, `customer.updated` and `customer.transferred`: all carry the whole customer, so all upsert
/// the projection;
/// an older `sequence` than the one kept changes nothing.
struct CustomerEventsHandler: Sendable {
    let repository: ReportingRepository

    func created(_ event: CustomerCreated, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await repository.record(envelope, on: connection)
        try await repository.upsertCustomer(event.customer, sequence: envelope.sequence, time: envelope.time, on: connection)
    }

    /// `customer.imported`: a batch of new customers, one log row and one statement for all of them.
    func imported(_ event: CustomersImported, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await repository.record(envelope, on: connection)
        try await repository.upsertCustomers(event.customers, time: envelope.time, on: connection)
    }

    func updated(_ event: CustomerUpdated, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await repository.record(envelope, on: connection)
        try await repository.upsertCustomer(event.customer, sequence: envelope.sequence, time: envelope.time, on: connection)
    }

    func transferred(_ event: CustomerTransferred, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await repository.record(envelope, on: connection)
        try await repository.upsertCustomer(event.customer, sequence: envelope.sequence, time: envelope.time, on: connection)
    }

    /// `customer.merged`: two records were one company, so the merged one leaves the projection and is counted once,
    /// as the survivor.
    func merged(_ event: CustomerMerged, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await repository.record(envelope, on: connection)
        try await repository.removeCustomer(id: event.mergedID, on: connection)
        try await repository.upsertCustomer(event.survivor, sequence: envelope.sequence, time: envelope.time, on: connection)
    }
}
