public import Contracts
public import Logging
public import PostgresNIO
public import ServiceRuntime

/// The customers service's copy of the org chart (`user_replica`), kept from `user.*` events.
public protocol UserReplicaRepository: UserReplicaStore {
    /// Stores a user's state unless a newer version (`sequence`) is already kept, so late events change nothing.
    func upsert(_ user: UserSnapshot, sequence: Int64, on connection: PostgresConnection) async throws
    /// A user by id, `nil` when no event about them has arrived.
    func find(id: String, on connection: PostgresConnection) async throws -> ReplicatedUser?
}

extension UserReplicaRepository {
    /// Keeps the replica from `user.*` events (see ``ServiceRuntime/UserReplicaStore``).
    public func store(_ user: UserSnapshot, from envelope: EventEnvelope, on connection: PostgresConnection) async throws {
        try await upsert(user, sequence: envelope.sequence, on: connection)
    }
}

/// The PostgreSQL implementation.
public struct PostgresUserReplicaRepository: UserReplicaRepository {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func upsert(_ user: UserSnapshot, sequence: Int64, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO user_replica (id, role, region, supervisor_id, active, sequence)
            VALUES (\(user.id), \(user.role.rawValue), \(user.region), \(user.supervisorID), \(user.active), \(sequence))
            ON CONFLICT (id) DO UPDATE SET role = EXCLUDED.role, region = EXCLUDED.region, supervisor_id = EXCLUDED.supervisor_id,
                active = EXCLUDED.active, sequence = EXCLUDED.sequence, updated_at = now()
            WHERE user_replica.sequence < EXCLUDED.sequence
            """,
            logger: logger
        )
    }

    public func find(id: String, on connection: PostgresConnection) async throws -> ReplicatedUser? {
        let rows = try await connection.query(
            "SELECT id, role, region, supervisor_id, active FROM user_replica WHERE id = \(id)",
            logger: logger
        )
        for try await (id, role, region, supervisorID, active) in rows.decode((String, String, String?, String?, Bool).self) {
            // A role this build does not know can own nothing here; treating the user as unknown fails closed.
            guard let role = Role(rawValue: role) else { return nil }
            return ReplicatedUser(id: id, role: role, region: region, supervisorID: supervisorID, active: active)
        }
        return nil
    }
}
