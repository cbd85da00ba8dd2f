import Foundation
import Logging
import PostgresNIO

/// Failed logins, counted per username and per client address for the lockout (ADR 0003).
///
/// A login attempt is counted as a failure *before* its password is checked, in the same transaction as the check
/// of the lock and under advisory locks on the username and on the address, so parallel guesses cannot all pass the
/// check before any of them is recorded. A right password then takes its attempt back (``forgive(username:address:on:)``).
struct LoginFailureRepository: Sendable {
    let logger: Logger

    /// What ``attempt(username:address:policy:on:)`` decided.
    enum Attempt: Sendable, Equatable {
        /// Counted as a failure until the password proves right.
        case counted
        /// Refused without checking the password until this time.
        case locked(until: Date)
    }

    /// Checks the locks and, when none applies, records the attempt as a failure; one atomic step.
    ///
    /// - The address's lock comes first: `addressLimit` failures from one address (any usernames) lock that address
    ///   for every username.
    /// - A username's lock (`userLimit` failures from any addresses) holds only for addresses that took part in it
    ///   (a failure for this username within the window), so nobody can lock a user out of an address they never
    ///   guessed from. An unknown address (`nil`, never the case behind a socket) is one address.
    ///
    /// Either limit reached within ``LockoutPolicy/window`` locks for a window after the failure that reached it.
    /// Failures are not recorded while locked, so the lock does not grow while someone keeps trying.
    /// - Parameter connection: a connection inside a transaction; the advisory locks are released when it ends.
    func attempt(username: String, address: String?, policy: LockoutPolicy, on connection: PostgresConnection) async throws -> Attempt {
        // Always the username's lock before the address's, so two attempts never wait for each other in a cycle. The
        // two-key form has its own key space, and the schema keeps tests on other schemas apart.
        try await connection.query(
            """
            SELECT pg_advisory_xact_lock(8001, hashtext(current_schema() || ':' || lower(\(username)))),
                   pg_advisory_xact_lock(8002, hashtext(current_schema() || ':' || coalesce(\(address), '')))
            """,
            logger: logger
        )
        let window = "\(Int(policy.window)) seconds"
        let rows = try await connection.query(
            """
            WITH recent AS (
                SELECT at, lower(username) = lower(\(username)) AS same_user, address IS NOT DISTINCT FROM \(address) AS same_address
                FROM login_failures
                WHERE (lower(username) = lower(\(username)) OR address IS NOT DISTINCT FROM \(address))
                  AND at > now() - 2 * \(window)::interval
            ), counted AS (
                SELECT at, same_user, same_address,
                       count(*) FILTER (WHERE same_user) OVER w AS user_n,
                       count(*) FILTER (WHERE same_address) OVER w AS address_n
                FROM recent
                WINDOW w AS (ORDER BY at RANGE BETWEEN \(window)::interval PRECEDING AND CURRENT ROW)
            )
            SELECT max(at) + \(window)::interval FROM counted
            WHERE (same_address AND address_n >= \(policy.addressLimit))
               OR (same_user AND user_n >= \(policy.userLimit)
                   AND EXISTS (SELECT 1 FROM recent WHERE same_user AND same_address AND at > now() - \(window)::interval))
            HAVING max(at) + \(window)::interval > now()
            """,
            logger: logger
        )
        for try await until in rows.decode(Date?.self) {
            if let until { return .locked(until: until) }
        }
        try await connection.query(
            "INSERT INTO login_failures (username, address) VALUES (lower(\(username)), \(address))",
            logger: logger
        )
        return .counted
    }

    /// Takes back the attempt counted for a right password, and with it the earlier failures of this username from
    /// this address. Failures from other addresses stay: whoever guessed there is still locked.
    func forgive(username: String, address: String?, on connection: PostgresConnection) async throws {
        try await connection.query(
            "DELETE FROM login_failures WHERE lower(username) = lower(\(username)) AND address IS NOT DISTINCT FROM \(address)",
            logger: logger
        )
    }

    /// Forgets every failure for the username (an admin's unlock); returns how many there were. The addresses keep
    /// their own counts.
    func clear(username: String, on connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.query(
            "WITH gone AS (DELETE FROM login_failures WHERE lower(username) = lower(\(username)) RETURNING 1) SELECT count(*)::int8 FROM gone",
            logger: logger
        )
        var count = 0
        for try await value in rows.decode(Int.self) { count = value }
        return count
    }
}
