public import Contracts
public import Logging
public import PostgresNIO

/// A service's copy of the org chart: the users it needs (owners, approvers, people to @-mention, display names),
/// in its own schema's `org_replica` table, kept from the gateway's `user.*` events.
///
/// The table is a kit migration (`kit_0004_org_replica`), so every schema has it; the gateway, which owns the users,
/// leaves its copy empty. Events reach it through `EventHandlerRegistry.registerOrgReplica` (ServiceRuntime).
public struct OrgReplica: Sendable {
    /// The `org_replica` table. `role` is `NULL` only for rows carried over from a replica that did not keep roles;
    /// such a user is unknown to ``user(id:on:)`` until their next event.
    static let tableSQL = """
        CREATE TABLE org_replica (
            id text PRIMARY KEY,
            username text NOT NULL DEFAULT '',
            display_name text NOT NULL DEFAULT '',
            role text,
            region text,
            supervisor_id text,
            mobile text,
            wecom_user_id text,
            active boolean NOT NULL,
            sequence bigint NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX org_replica_supervisor_idx ON org_replica (supervisor_id);
        """

    let logger: Logger

    /// A replica that logs its queries to `logger`.
    public init(logger: Logger) {
        self.logger = logger
    }

    /// Stores `user` unless a newer version of them is already kept: `sequence` is the user's version, so a late,
    /// older event changes nothing.
    public func store(_ user: UserSnapshot, sequence: Int64, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO org_replica (id, username, display_name, role, region, supervisor_id, mobile, wecom_user_id, active, sequence)
            VALUES (\(user.id), \(user.username), \(user.displayName), \(user.role.rawValue), \(user.region), \(user.supervisorID),
                    \(user.mobile), \(user.wecomUserID), \(user.active), \(sequence))
            ON CONFLICT (id) DO UPDATE SET username = EXCLUDED.username, display_name = EXCLUDED.display_name, role = EXCLUDED.role,
                region = EXCLUDED.region, supervisor_id = EXCLUDED.supervisor_id, mobile = EXCLUDED.mobile,
                wecom_user_id = EXCLUDED.wecom_user_id, active = EXCLUDED.active, sequence = EXCLUDED.sequence, updated_at = now()
            WHERE org_replica.sequence < EXCLUDED.sequence
            """,
            logger: logger
        )
    }

    /// A user by id; `nil` when no event about them has arrived yet.
    public func user(id: String, on connection: PostgresConnection) async throws -> UserSnapshot? {
        try await users(
            connection.query("SELECT \(unescaped: Self.columns) FROM org_replica WHERE id = \(id) AND role IS NOT NULL", logger: logger)
        ).first
    }

    /// Every user whose role is known (an SMB org chart is a few hundred rows at most).
    public func users(on connection: PostgresConnection) async throws -> [UserSnapshot] {
        try await users(connection.query("SELECT \(unescaped: Self.columns) FROM org_replica WHERE role IS NOT NULL ORDER BY id", logger: logger))
    }

    private static let columns = "id, username, display_name, role, region, supervisor_id, mobile, wecom_user_id, active, sequence"

    private func users(_ rows: PostgresRowSequence) async throws -> [UserSnapshot] {
        var users: [UserSnapshot] = []
        typealias Columns = (String, String, String, String, String?, String?, String?, String?, Bool, Int64)
        for try await (id, username, displayName, role, region, supervisorID, mobile, wecomUserID, active, sequence) in rows.decode(Columns.self) {
            users.append(
                UserSnapshot(
                    id: id,
                    username: username,
                    displayName: displayName,
                    role: try Role(stored: role, column: "org_replica.role"),
                    region: region,
                    supervisorID: supervisorID,
                    mobile: mobile,
                    wecomUserID: wecomUserID,
                    active: active,
                    version: sequence
                )
            )
        }
        return users
    }
}
