import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// Who logged in on which Asia/Shanghai business day (`daily_active_users`), for the daily-active KPI.
struct DailyActiveRepository: Sendable {
    let logger: Logger

    /// One day's figures within a scope.
    struct Day: Sendable, Equatable {
        var day: String
        var activeUsers: Int
        var activeReps: Int
    }

    /// Records that `userID` was active on `day`; a second login that day changes nothing.
    func recordLogin(userID: String, role: Role, region: String?, at time: Date, on connection: PostgresConnection) async throws {
        let day = BusinessCalendar.day(of: time).description
        try await connection.query(
            """
            INSERT INTO daily_active_users (user_id, day, role, region, first_login_at)
            VALUES (\(userID), \(day)::date, \(role.rawValue), \(region), \(time))
            ON CONFLICT (day, user_id) DO UPDATE SET first_login_at = least(daily_active_users.first_login_at, EXCLUDED.first_login_at)
            """,
            logger: logger
        )
    }

    /// Records that `userID` acted (any authenticated request, `user.active`) on `day` (`YYYY-MM-DD`); a day already
    /// counted, by a login or by activity, changes nothing.
    func recordActivity(userID: String, role: Role, region: String?, day: String, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO daily_active_users (user_id, day, role, region, first_login_at)
            VALUES (\(userID), \(day)::date, \(role.rawValue), \(region), NULL)
            ON CONFLICT (day, user_id) DO NOTHING
            """,
            logger: logger
        )
    }

    /// Every day from `first` through `last` (both inclusive, `YYYY-MM-DD`), with the distinct users and reps in
    /// `scope` that logged in that day; days without logins count zero.
    func days(from first: String, through last: String, scope: DataScope, on connection: PostgresConnection) async throws -> [Day] {
        let rows = try await connection.query(
            """
            SELECT days.day::date::text,
                count(active.user_id)::int8,
                count(active.user_id) FILTER (WHERE active.role = 'rep')::int8
            FROM generate_series(\(first)::date, \(last)::date, interval '1 day') AS days (day)
            LEFT JOIN daily_active_users active ON active.day = days.day::date
                AND (\(scope.ownerIDs)::text[] IS NULL OR active.user_id = ANY(\(scope.ownerIDs)))
                AND (\(scope.region)::text IS NULL OR active.region = \(scope.region))
            GROUP BY days.day
            ORDER BY days.day
            """,
            logger: logger
        )
        var days: [Day] = []
        for try await (day, users, reps) in rows.decode((String, Int64, Int64).self) {
            days.append(Day(day: day, activeUsers: Int(users), activeReps: Int(reps)))
        }
        return days
    }

    /// The active reps in `scope` now (the org replica): the denominator of the daily share.
    func activeReps(scope: DataScope, on connection: PostgresConnection) async throws -> Int {
        try await activeUsers(repsOnly: true, scope: scope, on: connection)
    }

    /// The active users (or only reps) in `scope` now (the org replica).
    func activeUsers(repsOnly: Bool, scope: DataScope, on connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.query(
            """
            SELECT count(*)::int8 FROM org_replica
            WHERE (NOT \(repsOnly) OR role = 'rep') AND active
              AND (\(scope.ownerIDs)::text[] IS NULL OR id = ANY(\(scope.ownerIDs)))
              AND (\(scope.region)::text IS NULL OR region = \(scope.region))
            """,
            logger: logger
        )
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }
}
