import Contracts
import PostgresNIO
import ServiceRuntime

/// The contacts pushes @-mention (name, mobile), kept from `user.*` events.
struct ContactsReplica: UserReplicaStore {
    let repository: NotificationRepository

    func store(_ user: UserSnapshot, from envelope: EventEnvelope, on connection: PostgresConnection) async throws {
        try await repository.upsertContact(user, active: user.active, sequence: envelope.sequence, on: connection)
    }
}
