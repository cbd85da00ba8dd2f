import Contracts
import Logging
import PostgresNIO

/// `user.created` / `user.updated` / `user.deactivated` → the contacts pushes @-mention (name, mobile).
struct UserContactsHandler: Sendable {
    let repository: NotificationRepository

    func created(_ event: UserCreated, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await repository.upsertContact(event.user, active: event.user.active, sequence: envelope.sequence, on: connection)
    }

    func updated(_ event: UserUpdated, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await repository.upsertContact(event.user, active: event.user.active, sequence: envelope.sequence, on: connection)
    }

    func deactivated(_ event: UserDeactivated, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await repository.upsertContact(event.user, active: false, sequence: envelope.sequence, on: connection)
    }
}
