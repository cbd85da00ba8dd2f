import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import Synchronization

/// Records that a user acted on an Asia/Shanghai business day (issue 12: the daily-active ratio counts any
/// authenticated action, not only a login) and publishes `user.active` the first time per user and day.
///
/// A set in this process's memory sits in front of the `user_activity` table, so only a user's first authenticated
/// request of the day (per gateway replica) touches the database; the table's primary key then makes the day count
/// once across replicas and restarts, and only the insert that created the row appends the event, in the same
/// transaction. The set keeps today's users only: it is emptied when the business day changes.
final class UserActivityRecorder: Sendable {
    let postgres: PostgresClient
    let logger: Logger
    private let seen = Mutex<Seen>(Seen())

    private struct Seen {
        var day: CalendarDay?
        var users: Set<RecordID> = []
    }

    init(postgres: PostgresClient, logger: Logger) {
        self.postgres = postgres
        self.logger = logger
    }

    /// Notes that `user` made an authenticated request at `time`.
    /// - Returns: whether this call wrote the day's row (and so published `user.active`).
    @discardableResult
    func record(_ user: User, at time: Date = Date(), traceparent: String? = nil) async throws -> Bool {
        let day = BusinessCalendar.day(of: time)
        let known = seen.withLock { seen in
            if seen.day != day { seen = Seen(day: day) }
            return seen.users.contains(user.id)
        }
        guard !known else { return false }
        let created = try await postgres.withTransaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO user_activity (user_id, day) VALUES (\(user.id), \(day.description)::date)
                ON CONFLICT DO NOTHING RETURNING user_id
                """,
                logger: logger
            )
            var inserted = false
            for try await _ in rows { inserted = true }
            guard inserted else { return false }
            // One event per user and day, so the day (days since 1970) orders the user's activity stream.
            let sequence = Int64((BusinessCalendar.start(of: day).timeIntervalSince1970 / 86_400).rounded(.down)) + 1
            let event = try EventEnvelope(
                UserActive(userID: user.id.description, role: user.role, region: user.region, day: day.description),
                source: GatewayService.name,
                subject: user.id.description,
                sequence: sequence,
                traceparent: traceparent
            )
            try await Outbox.append(event, on: connection, logger: logger)
            return true
        }
        seen.withLock { seen in
            if seen.day == day { seen.users.insert(user.id) }
        }
        return created
    }
}
