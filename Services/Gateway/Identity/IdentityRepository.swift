import Contracts
import Foundation
import Logging
import PostgresNIO

/// SQL for users, regions, refresh tokens and failed logins, in the gateway's schema.
struct IdentityRepository: Sendable {
    let logger: Logger

    private static let userColumns = """
        id, username, display_name, role, region, supervisor_id, mobile, wecom_user_id, active, version, created_at, updated_at
        """

    private func users(_ rows: PostgresRowSequence) async throws -> [User] {
        var users: [User] = []
        typealias Columns = (UUID, String, String, String, String?, UUID?, String?, String?, Bool, Int64, Date, Date)
        for try await row in rows.decode(Columns.self) {
            users.append(
                User(
                    id: row.0,
                    username: row.1,
                    displayName: row.2,
                    role: Role(rawValue: row.3) ?? .rep,
                    region: row.4,
                    supervisorId: row.5,
                    mobile: row.6,
                    wecomUserId: row.7,
                    active: row.8,
                    version: row.9,
                    createdAt: row.10,
                    updatedAt: row.11
                )
            )
        }
        return users
    }

    // MARK: Users

    func user(id: UUID, on connection: PostgresConnection, forUpdate: Bool = false) async throws -> User? {
        let lock = forUpdate ? " FOR UPDATE" : ""
        return try await users(
            connection.query("SELECT \(unescaped: Self.userColumns) FROM users WHERE id = \(id)\(unescaped: lock)", logger: logger)
        ).first
    }

    /// The user and their bcrypt hash, looked up by username regardless of case.
    func credentials(username: String, on connection: PostgresConnection) async throws -> (User, String)? {
        let rows = try await connection.query(
            "SELECT password_hash FROM users WHERE lower(username) = lower(\(username))",
            logger: logger
        )
        var hash: String?
        for try await (value) in rows.decode(String.self) { hash = value }
        guard let hash else { return nil }
        let found = try await users(
            connection.query("SELECT \(unescaped: Self.userColumns) FROM users WHERE lower(username) = lower(\(username))", logger: logger)
        )
        return found.first.map { ($0, hash) }
    }

    /// The user and the ids of their direct reports (active or not), in one round trip.
    func userWithTeam(id: UUID, on connection: PostgresConnection) async throws -> (User, [UUID])? {
        guard let user = try await user(id: id, on: connection) else { return nil }
        let rows = try await connection.query("SELECT id FROM users WHERE supervisor_id = \(id) ORDER BY id", logger: logger)
        var team: [UUID] = []
        for try await member in rows.decode(UUID.self) { team.append(member) }
        return (user, team)
    }

    func list(after cursor: String?, limit: Int, on connection: PostgresConnection) async throws -> [User] {
        try await users(
            connection.query(
                """
                SELECT \(unescaped: Self.userColumns) FROM users
                WHERE lower(username) > lower(\(cursor ?? "")) ORDER BY lower(username) LIMIT \(limit)
                """,
                logger: logger
            )
        )
    }

    func countUsers(on connection: PostgresConnection) async throws -> Int {
        var count = 0
        for try await value in try await connection.query("SELECT count(*)::int8 FROM users", logger: logger).decode(Int.self) {
            count = value
        }
        return count
    }

    func usernameTaken(_ username: String, except id: UUID? = nil, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            "SELECT 1 FROM users WHERE lower(username) = lower(\(username)) AND id IS DISTINCT FROM \(id)",
            logger: logger
        )
        for try await _ in rows { return true }
        return false
    }

    /// Whether `candidate` reports, directly or not, to `user` (making them `user`'s supervisor would be a loop).
    func isBelow(_ candidate: UUID, user: UUID, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            """
            WITH RECURSIVE below(id) AS (
                SELECT id FROM users WHERE supervisor_id = \(user)
                UNION SELECT u.id FROM users u JOIN below b ON u.supervisor_id = b.id
            )
            SELECT 1 FROM below WHERE id = \(candidate)
            """,
            logger: logger
        )
        for try await _ in rows { return true }
        return false
    }

    func insert(_ user: User, passwordHash: String, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO users (id, username, display_name, role, region, supervisor_id, mobile, wecom_user_id, active,
                               password_hash, version, created_at, updated_at)
            VALUES (\(user.id), \(user.username), \(user.displayName), \(user.role.rawValue), \(user.region), \(user.supervisorId),
                    \(user.mobile), \(user.wecomUserId), \(user.active), \(passwordHash), \(user.version), \(user.createdAt),
                    \(user.updatedAt))
            """,
            logger: logger
        )
    }

    func update(_ user: User, passwordHash: String?, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE users SET username = \(user.username), display_name = \(user.displayName), role = \(user.role.rawValue),
                region = \(user.region), supervisor_id = \(user.supervisorId), mobile = \(user.mobile),
                wecom_user_id = \(user.wecomUserId), active = \(user.active), version = \(user.version),
                updated_at = \(user.updatedAt), password_hash = coalesce(\(passwordHash), password_hash)
            WHERE id = \(user.id)
            """,
            logger: logger
        )
    }

    /// Counts a successful login; returns the new count (the `sequence` of its `user.logged_in`).
    func recordLogin(userID: UUID, on connection: PostgresConnection) async throws -> Int64 {
        let rows = try await connection.query("UPDATE users SET logins = logins + 1 WHERE id = \(userID) RETURNING logins", logger: logger)
        var count: Int64 = 0
        for try await value in rows.decode(Int64.self) { count = value }
        return count
    }

    func audit(actor: UUID?, action: String, subject: String, changes: JSONValue, on connection: PostgresConnection) async throws {
        let json = String(decoding: try JSONCoding.encoder.encode(changes), as: UTF8.self)
        try await connection.query(
            "INSERT INTO admin_audit (actor_id, action, subject, changes) VALUES (\(actor), \(action), \(subject), \(json)::jsonb)",
            logger: logger
        )
    }

    // MARK: Regions

    func regions(on connection: PostgresConnection) async throws -> [Region] {
        var regions: [Region] = []
        let rows = try await connection.query("SELECT code, name, created_at FROM regions ORDER BY code", logger: logger)
        for try await (code, name, createdAt) in rows.decode((String, String, Date).self) {
            regions.append(Region(code: code, name: name, createdAt: createdAt))
        }
        return regions
    }

    func regionExists(_ code: String, on connection: PostgresConnection) async throws -> Bool {
        for try await _ in try await connection.query("SELECT 1 FROM regions WHERE code = \(code)", logger: logger) { return true }
        return false
    }

    /// Inserts the region; `false` when the code is taken.
    func insert(_ region: Region, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            """
            INSERT INTO regions (code, name, created_at) VALUES (\(region.code), \(region.name), \(region.createdAt))
            ON CONFLICT (code) DO NOTHING RETURNING 1
            """,
            logger: logger
        )
        for try await _ in rows { return true }
        return false
    }

    // MARK: Refresh tokens

    func storeRefreshToken(hash: String, userID: UUID, expiresAt: Date, on connection: PostgresConnection) async throws {
        try await connection.query(
            "INSERT INTO refresh_tokens (token_hash, user_id, expires_at) VALUES (\(hash), \(userID), \(expiresAt))",
            logger: logger
        )
    }

    /// What presenting a refresh token finds.
    enum RefreshLookup {
        /// Valid: it is now revoked (used up) and belonged to this user.
        case consumed(UUID)
        /// Already used or revoked: presenting it again suggests it was stolen.
        case reused(UUID)
        case unknownOrExpired
    }

    /// Uses up a refresh token: the row is revoked in the same statement that checks it, so two concurrent
    /// refreshes with one token cannot both succeed.
    func consumeRefreshToken(hash: String, on connection: PostgresConnection) async throws -> RefreshLookup {
        let consumed = try await connection.query(
            """
            UPDATE refresh_tokens SET revoked_at = now()
            WHERE token_hash = \(hash) AND revoked_at IS NULL AND expires_at > now()
            RETURNING user_id
            """,
            logger: logger
        )
        for try await userID in consumed.decode(UUID.self) { return .consumed(userID) }
        let revoked = try await connection.query(
            "SELECT user_id FROM refresh_tokens WHERE token_hash = \(hash) AND revoked_at IS NOT NULL",
            logger: logger
        )
        for try await userID in revoked.decode(UUID.self) { return .reused(userID) }
        return .unknownOrExpired
    }

    /// Revokes one of the user's refresh tokens, or all of them when `hash` is `nil`.
    func revokeRefreshTokens(userID: UUID, hash: String? = nil, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE refresh_tokens SET revoked_at = now()
            WHERE user_id = \(userID) AND revoked_at IS NULL AND (\(hash)::text IS NULL OR token_hash = \(hash))
            """,
            logger: logger
        )
    }

    // MARK: Lockout

    func recordFailure(username: String, address: String?, on connection: PostgresConnection) async throws {
        try await connection.query(
            "INSERT INTO login_failures (username, address) VALUES (lower(\(username)), \(address))",
            logger: logger
        )
    }

    /// Until when logins are refused, if they are now: `limit` failures within `window` lock for `window` after
    /// the failure that reached the limit. Failures are not recorded while locked, so the lock does not grow
    /// while someone keeps trying.
    func lockedUntil(username: String, address: String?, policy: LockoutPolicy, on connection: PostgresConnection) async throws -> Date? {
        let window = "\(Int(policy.window)) seconds"
        let rows = try await connection.query(
            """
            SELECT max(at) + \(window)::interval FROM (
                SELECT at, count(*) OVER (ORDER BY at RANGE BETWEEN \(window)::interval PRECEDING AND CURRENT ROW) AS n,
                       'user' AS key
                FROM login_failures WHERE lower(username) = lower(\(username)) AND at > now() - 2 * \(window)::interval
                UNION ALL
                SELECT at, count(*) OVER (ORDER BY at RANGE BETWEEN \(window)::interval PRECEDING AND CURRENT ROW) AS n,
                       'address' AS key
                FROM login_failures WHERE address = \(address) AND at > now() - 2 * \(window)::interval
            ) failures
            WHERE (key = 'user' AND n >= \(policy.userLimit)) OR (key = 'address' AND n >= \(policy.addressLimit))
            HAVING max(at) + \(window)::interval > now()
            """,
            logger: logger
        )
        for try await until in rows.decode(Date?.self) { return until }
        return nil
    }
}

/// How many failed logins lock whom, and for how long.
struct LockoutPolicy: Sendable {
    /// Failures for one username within ``window`` that lock it.
    var userLimit: Int = 5
    /// Failures from one client address (any usernames) within ``window`` that lock the address. Several people
    /// behind one office NAT share an address, so this is higher than the per-user limit.
    var addressLimit: Int = 20
    /// The counting window and the lock's duration, in seconds.
    var window: TimeInterval = 15 * 60
}
