public import Contracts
public import Logging
public import PostgresNIO

/// A service's copy of the users it needs (owners, approvers, people to @-mention), kept from the gateway's
/// `user.created`, `user.updated` and `user.deactivated` events.
///
/// Each event carries the whole user, so all three store the snapshot; `user.deactivated` always stores it inactive
/// (the event's meaning wins over a snapshot that might still say active). The store must keep a user's newest
/// version only (`sequence` is the user's version, so a late, older event changes nothing), and the consumer's
/// inbox makes a redelivery a no-op.
public protocol UserReplicaStore: Sendable {
    /// Stores `user` unless a newer version of them is already kept.
    /// - Parameters:
    ///   - user: the user as the event carries it (inactive for `user.deactivated`).
    ///   - envelope: the event, for its `sequence` (and, where a service logs events, the whole envelope).
    ///   - connection: the consumer's transaction.
    func store(_ user: UserSnapshot, from envelope: EventEnvelope, on connection: PostgresConnection) async throws
}

extension EventHandlerRegistry {
    /// Registers the three `user.*` events to keep `replica` up to date; every service with a user replica does this.
    public mutating func registerUserReplica(_ replica: some UserReplicaStore) {
        register(UserCreated.self) { event, envelope, connection, _ in
            try await replica.store(event.user, from: envelope, on: connection)
        }
        register(UserUpdated.self) { event, envelope, connection, _ in
            try await replica.store(event.user, from: envelope, on: connection)
        }
        register(UserDeactivated.self) { event, envelope, connection, _ in
            var user = event.user
            user.active = false
            try await replica.store(user, from: envelope, on: connection)
        }
    }
}
