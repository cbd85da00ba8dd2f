public import Logging
public import PostgresNIO

/// The regions customers may be placed in: the `region_replica` table, kept from the gateway's `region.created`.
///
/// A region any replicated user belongs to exists as well: the gateway accepts a user's region only when it exists,
/// so regions created before `region.created` was published are known through their users.
public struct RegionReplica: Sendable {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    /// Stores a region (a redelivery or a later name changes only the name).
    public func store(code: String, name: String, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO region_replica (code, name) VALUES (\(code), \(name))
            ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, updated_at = now()
            """,
            logger: logger
        )
    }

    /// Whether the region exists.
    public func exists(_ code: String, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            """
            SELECT EXISTS (SELECT 1 FROM region_replica WHERE code = \(code))
                OR EXISTS (SELECT 1 FROM org_replica WHERE region = \(code))
            """,
            logger: logger
        )
        for try await exists in rows.decode(Bool.self) { return exists }
        return false
    }
}
