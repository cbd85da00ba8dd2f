import Contracts
import Logging
import PostgresNIO

/// `user.created` / `user.updated` / `user.deactivated` → the org replica approvers are resolved from.
///
/// Each event carries the whole user, so all three upsert; the `sequence` (the user's version) makes a late, older
/// event a no-op, and the consumer's inbox makes a redelivery one. Steps already assigned keep their approver when
/// the org changes; only later steps see the change.
struct OrgReplicaHandler: Sendable {
    let repository: any OrgReplicaRepository

    func created(_ event: UserCreated, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await repository.upsert(event.user, sequence: envelope.sequence, on: connection)
    }

    func updated(_ event: UserUpdated, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await repository.upsert(event.user, sequence: envelope.sequence, on: connection)
    }

    func deactivated(_ event: UserDeactivated, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        var user = event.user
        // The event's meaning wins over a snapshot that might still say active.
        user.active = false
        try await repository.upsert(user, sequence: envelope.sequence, on: connection)
    }
}
