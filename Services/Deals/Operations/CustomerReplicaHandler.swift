import Contracts
import Logging
import PostgresNIO

/// `customer.created` / `.updated` / `.transferred` / `.archived` / `.restored` / `.merged` → the customer replica (each carries
/// the whole customer, so each upserts; an archived customer takes no new deals). Open deals follow their customer's
/// owner and region; a transfer moves its closed deals (and so their contracts) too, so the new owner sees the whole
/// history. An out-of-order (older) event changes nothing the newest state does not say.
struct CustomerReplicaHandler: Sendable {
    let store: DealsStore

    func created(_ event: CustomerCreated, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await apply(event.customer, envelope, connection)
    }

    /// `customer.imported`: a batch of new customers, applied like as many `customer.created` in one statement.
    func imported(_ event: CustomersImported, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await store.applyCustomers(event.customers, on: connection)
    }

    func updated(_ event: CustomerUpdated, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await apply(event.customer, envelope, connection)
    }

    func transferred(_ event: CustomerTransferred, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await store.applyTransfer(event.customer, sequence: envelope.sequence, on: connection)
    }

    func archived(_ event: CustomerArchived, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await apply(event.customer, envelope, connection)
    }

    func restored(_ event: CustomerRestored, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await apply(event.customer, envelope, connection)
    }

    /// `customer.merged`: the survivor's state is applied, the merged customer is marked (no new deals), and its
    /// deals, with their quotes and contracts, now belong to the survivor; open ones take the survivor's owner and
    /// region like any open deal of it. A redelivery finds nothing left to move.
    func merged(_ event: CustomerMerged, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await store.customers.markMerged(event.mergedID, into: event.survivor, on: connection)
        try await store.deals.repoint(fromCustomer: event.mergedID, to: event.survivor, on: connection)
        try await store.applyCustomer(event.survivor, sequence: envelope.sequence, on: connection)
        guard let current = try await store.customers.find(id: event.survivorID, on: connection) else { return }
        try await store.deals.follow(customerID: current.id, ownerID: current.ownerID, region: current.region, on: connection)
    }

    private func apply(_ customer: CustomerSnapshot, _ envelope: EventEnvelope, _ connection: PostgresConnection) async throws {
        try await store.applyCustomer(customer, sequence: envelope.sequence, on: connection)
    }
}
