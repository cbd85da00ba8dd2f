public import Contracts
public import Logging
public import PostgresNIO
public import ServiceRuntime

/// The approvals service's copy of the org chart (`org_users`), kept from `user.*` events.
public protocol OrgReplicaRepository: UserReplicaStore {
    /// Stores a user's state unless a newer version (`sequence`) is already kept, so late events change nothing.
    func upsert(_ user: UserSnapshot, sequence: Int64, on connection: PostgresConnection) async throws
    /// The whole replica (an SMB org chart is a few hundred rows at most).
    func chart(on connection: PostgresConnection) async throws -> OrgChart
}

extension OrgReplicaRepository {
    /// Keeps the replica from `user.*` events (see ``ServiceRuntime/UserReplicaStore``).
    public func store(_ user: UserSnapshot, from envelope: EventEnvelope, on connection: PostgresConnection) async throws {
        try await upsert(user, sequence: envelope.sequence, on: connection)
    }
}

/// The PostgreSQL implementation.
public struct PostgresOrgReplicaRepository: OrgReplicaRepository {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func upsert(_ user: UserSnapshot, sequence: Int64, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO org_users (id, role, region, supervisor_id, display_name, mobile, active, sequence)
            VALUES (\(user.id), \(user.role.rawValue), \(user.region), \(user.supervisorID), \(user.displayName), \(user.mobile),
                \(user.active), \(sequence))
            ON CONFLICT (id) DO UPDATE SET role = EXCLUDED.role, region = EXCLUDED.region, supervisor_id = EXCLUDED.supervisor_id,
                display_name = EXCLUDED.display_name, mobile = EXCLUDED.mobile, active = EXCLUDED.active,
                sequence = EXCLUDED.sequence, updated_at = now()
            WHERE org_users.sequence < EXCLUDED.sequence
            """,
            logger: logger
        )
    }

    public func chart(on connection: PostgresConnection) async throws -> OrgChart {
        let rows = try await connection.query(
            "SELECT id, role, region, supervisor_id, display_name, mobile, active FROM org_users",
            logger: logger
        )
        var users: [OrgUser] = []
        for try await (id, role, region, supervisorID, name, mobile, active) in rows.decode(
            (String, String, String?, String?, String, String?, Bool).self
        ) {
            // A role this build does not know approves nothing; leaving the user out fails closed.
            guard let role = Role(rawValue: role) else { continue }
            users.append(OrgUser(id: id, role: role, region: region, supervisorID: supervisorID, displayName: name, mobile: mobile, active: active))
        }
        return OrgChart(users: users)
    }
}
