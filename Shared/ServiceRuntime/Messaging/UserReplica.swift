public import Contracts
public import Logging
public import Persistence
public import PostgresNIO

extension EventHandlerRegistry {
    /// Keeps `replica` (the service's ``Persistence/OrgReplica``) up to date from the gateway's `user.created`,
    /// `user.updated` and `user.deactivated`; every service that needs to know users registers this.
    ///
    /// Each event carries the whole user, so all three store it; `user.deactivated` always stores the user inactive
    /// (the event's meaning wins over a snapshot that might still say active). The consumer's inbox makes a redelivery
    /// a no-op, and the replica ignores a version older than the one it keeps.
    /// - Parameters:
    ///   - replica: where the users are kept.
    ///   - record: also run for each of the three events, in the same transaction (reporting logs every event).
    ///   - deactivated: also run for `user.deactivated`, after the replica stores the user inactive, in the same
    ///     transaction (approvals moves the user's pending steps).
    public mutating func registerOrgReplica(
        _ replica: OrgReplica,
        record: (@Sendable (EventEnvelope, PostgresConnection) async throws -> Void)? = nil,
        deactivated: (@Sendable (UserSnapshot, EventEnvelope, PostgresConnection, Logger) async throws -> Void)? = nil
    ) {
        register(UserCreated.self) { event, envelope, connection, _ in
            try await record?(envelope, connection)
            try await replica.store(event.user, sequence: envelope.sequence, on: connection)
        }
        register(UserUpdated.self) { event, envelope, connection, _ in
            try await record?(envelope, connection)
            try await replica.store(event.user, sequence: envelope.sequence, on: connection)
        }
        register(UserDeactivated.self) { event, envelope, connection, logger in
            var user = event.user
            user.active = false
            try await record?(envelope, connection)
            try await replica.store(user, sequence: envelope.sequence, on: connection)
            try await deactivated?(user, envelope, connection, logger)
        }
    }
}
