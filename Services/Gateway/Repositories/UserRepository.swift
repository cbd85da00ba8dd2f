import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO

/// Users and their reporting lines, in the gateway's schema.
struct UserRepository: Sendable {
    let logger: Logger

    private static let columns = """
        id, username, display_name, role, region, supervisor_id, mobile, wecom_user_id, active, version, created_at, updated_at
        """

    private func users(_ rows: PostgresRowSequence) async throws -> [User] {
        var users: [User] = []
        typealias Columns = (RecordID, String, String, String, String?, RecordID?, String?, String?, Bool, Int64, Date, Date)
        for try await row in rows.decode(Columns.self) {
            let role = try Role(stored: row.3, column: "users.role")
            users.append(
                User(
                    id: row.0,
                    username: row.1,
                    displayName: row.2,
                    role: role,
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

    func find(id: RecordID, on connection: PostgresConnection, forUpdate: Bool = false) async throws -> User? {
        let lock = forUpdate ? " FOR UPDATE" : ""
        return try await users(
            connection.query("SELECT \(unescaped: Self.columns) FROM users WHERE id = \(id)\(unescaped: lock)", logger: logger)
        ).first
    }

    /// The one user whose WeCom user id is `wecomUserID`; `nil` when none or several carry it (an admin's typo must
    /// not let one WeCom account in as someone else).
    func find(wecomUserID: String, on connection: PostgresConnection) async throws -> User? {
        let found = try await users(
            connection.query("SELECT \(unescaped: Self.columns) FROM users WHERE wecom_user_id = \(wecomUserID) LIMIT 2", logger: logger)
        )
        return found.count == 1 ? found[0] : nil
    }

    /// Locks the active admins' rows (in id order, so two callers never wait for each other) and returns their ids.
    ///
    /// Every change that can take an admin away (demote, deactivate) calls this first in its transaction: two admins
    /// deactivating each other at once then run one after the other, and the second sees it would leave none.
    func lockActiveAdmins(on connection: PostgresConnection) async throws -> [RecordID] {
        let rows = try await connection.query(
            "SELECT id FROM users WHERE role = \(Role.admin.rawValue) AND active ORDER BY id FOR UPDATE",
            logger: logger
        )
        var ids: [RecordID] = []
        for try await id in rows.decode(RecordID.self) { ids.append(id) }
        return ids
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
            connection.query("SELECT \(unescaped: Self.columns) FROM users WHERE lower(username) = lower(\(username))", logger: logger)
        )
        return found.first.map { ($0, hash) }
    }

    /// The user and the ids of their direct reports (active or not).
    func findWithTeam(id: RecordID, on connection: PostgresConnection) async throws -> (User, [RecordID])? {
        guard let user = try await find(id: id, on: connection) else { return nil }
        let rows = try await connection.query("SELECT id FROM users WHERE supervisor_id = \(id) ORDER BY id", logger: logger)
        var team: [RecordID] = []
        for try await member in rows.decode(RecordID.self) { team.append(member) }
        return (user, team)
    }

    /// Users ordered by username regardless of case, after the username `cursor`.
    func list(after cursor: String?, limit: Int, on connection: PostgresConnection) async throws -> [User] {
        try await users(
            connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM users
                WHERE lower(username) > lower(\(cursor ?? "")) ORDER BY lower(username) LIMIT \(limit)
                """,
                logger: logger
            )
        )
    }

    func count(on connection: PostgresConnection) async throws -> Int {
        var count = 0
        for try await value in try await connection.query("SELECT count(*)::int8 FROM users", logger: logger).decode(Int.self) {
            count = value
        }
        return count
    }

    func usernameTaken(_ username: String, except id: RecordID? = nil, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            "SELECT 1 FROM users WHERE lower(username) = lower(\(username)) AND id IS DISTINCT FROM \(id)",
            logger: logger
        )
        for try await _ in rows { return true }
        return false
    }

    /// Whether `candidate` reports, directly or not, to `user` (making them `user`'s supervisor would be a loop).
    func isBelow(_ candidate: RecordID, user: RecordID, on connection: PostgresConnection) async throws -> Bool {
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

    /// Writes every field of the user; the password hash only when one is given.
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
    func recordLogin(userID: RecordID, on connection: PostgresConnection) async throws -> Int64 {
        let rows = try await connection.query("UPDATE users SET logins = logins + 1 WHERE id = \(userID) RETURNING logins", logger: logger)
        var count: Int64 = 0
        for try await value in rows.decode(Int64.self) { count = value }
        return count
    }
}
