import Foundation
import Logging
import PostgresNIO

/// Failed logins, counted per username and per client address for the lockout.
struct LoginFailureRepository: Sendable {
    let logger: Logger

    func record(username: String, address: String?, on connection: PostgresConnection) async throws {
        try await connection.query(
            "INSERT INTO login_failures (username, address) VALUES (lower(\(username)), \(address))",
            logger: logger
        )
    }

    /// Forgets the username's failures after a successful login.
    func clear(username: String, on connection: PostgresConnection) async throws {
        try await connection.query("DELETE FROM login_failures WHERE username = lower(\(username))", logger: logger)
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
