public import Contracts
public import Foundation
public import Logging
public import PostgresNIO

/// Durable one-shot timers: rows with a due time in the service's own `timers` table (kit migration `kit_0007_timers`).
///
/// A timer is named by its `kind` (what fires, e.g. `approvals.step_reminder`; a ``TimerRunner`` has one handler per
/// kind) and its `key` (which one, e.g. the step's id): scheduling the same kind and key again keeps the first row, so
/// a retried request or a redelivered event schedules once. A runner takes due rows with `FOR UPDATE SKIP LOCKED` and
/// marks a row done in the transaction of its handler's writes; so a timer fires once across any number of replicas,
/// and a process killed mid-handler leaves the row pending for the next taker (see ``TimerRunner``).
public enum Timers {
    /// The `timers` table. `attempt_at` is when the row may next be taken: its due time, later after a failure.
    static let tableSQL = """
        CREATE TABLE timers (
            kind text NOT NULL,
            key text NOT NULL,
            due_at timestamptz NOT NULL,
            payload jsonb NOT NULL DEFAULT 'null',
            status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'skipped', 'cancelled')),
            attempt_at timestamptz NOT NULL,
            attempts integer NOT NULL DEFAULT 0,
            last_error text,
            created_at timestamptz NOT NULL DEFAULT now(),
            finished_at timestamptz,
            PRIMARY KEY (kind, key)
        );
        CREATE INDEX timers_pending ON timers (attempt_at) WHERE status = 'pending';
        """

    /// The claims of ``ScheduleRuns`` (kit migration `kit_0006`) become finished timers of the job's kind, keyed by the
    /// occurrence as ``key(for:)`` writes it, so an occurrence run before the upgrade does not run again after it.
    static let scheduleRunsSQL = """
        INSERT INTO timers (kind, key, due_at, status, attempt_at, attempts, created_at, finished_at)
        SELECT job, to_char(occurrence AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), occurrence,
            CASE outcome WHEN 'ran' THEN 'done' ELSE 'skipped' END, occurrence, 1, claimed_at, claimed_at
        FROM schedule_runs
        """

    /// The `NOTIFY` channel that wakes a schema's runners when a timer is scheduled.
    public static func channel(schema: String) -> String { "\(schema)_timers" }

    /// The key of a timer that stands for an instant, e.g. a recurring job's occurrence: `2026-11-30T01:00:00Z`.
    public static func key(for instant: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        return formatter.string(from: instant)
    }

    /// Schedules a one-shot timer, in the caller's transaction (it exists if and only if the caller's change commits),
    /// and wakes the schema's runners at commit.
    /// - Parameters:
    ///   - kind: what fires: the handler's kind, `<service>.<rule>`.
    ///   - key: which one; a second schedule of the same kind and key keeps the first row (its due time and payload).
    ///   - due: when it fires.
    ///   - payload: what the handler gets; JSON.
    ///   - connection: the connection holding the caller's transaction.
    ///   - logger: the caller's logger.
    /// - Returns: `true` when this call created the timer; `false` when it existed already (in any state).
    @discardableResult
    public static func schedule(
        kind: String,
        key: String,
        at due: Date,
        payload: JSONValue = .null,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Bool {
        let json = String(decoding: try JSONCoding.encoder.encode(payload), as: UTF8.self)
        let rows = try await connection.query(
            """
            WITH scheduled AS (
                INSERT INTO timers (kind, key, due_at, payload, attempt_at) VALUES (\(kind), \(key), \(due), \(json)::jsonb, \(due))
                ON CONFLICT (kind, key) DO NOTHING
                RETURNING 1
            )
            SELECT pg_notify(current_schema() || '_timers', '') FROM scheduled
            """,
            logger: logger
        )
        for try await _ in rows { return true }
        return false
    }

    /// Cancels a pending timer, in the caller's transaction (a decided approval step cancels its reminder).
    /// - Returns: `true` when a pending timer was cancelled; `false` when there was none, or it had fired.
    @discardableResult
    public static func cancel(kind: String, key: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            """
            UPDATE timers SET status = 'cancelled', finished_at = now()
            WHERE kind = \(kind) AND key = \(key) AND status = 'pending'
            RETURNING 1
            """,
            logger: logger
        )
        for try await _ in rows { return true }
        return false
    }

    /// A timer's state as stored.
    public static func status(kind: String, key: String, on connection: PostgresConnection, logger: Logger) async throws -> DueTimer.Status? {
        let rows = try await connection.query("SELECT status FROM timers WHERE kind = \(kind) AND key = \(key)", logger: logger)
        for try await status in rows.decode(String.self) { return try DueTimer.Status(stored: status, column: "timers.status") }
        return nil
    }

    /// Locks a pending timer, if it is not locked by another transaction, for the caller's transaction to fire.
    /// - Returns: the timer; `nil` when there is no such pending timer or another transaction holds it.
    public static func take(kind: String, key: String, on connection: PostgresConnection, logger: Logger) async throws -> DueTimer? {
        try await timers(
            connection.query(
                """
                SELECT \(unescaped: columns) FROM timers WHERE kind = \(kind) AND key = \(key) AND status = 'pending'
                FOR UPDATE SKIP LOCKED
                """,
                logger: logger
            )
        ).first
    }

    /// Locks the earliest pending timer of `kinds` whose attempt time is at or before `now`, skipping rows other
    /// transactions hold.
    public static func takeDue(kinds: [String], now: Date, on connection: PostgresConnection, logger: Logger) async throws -> DueTimer? {
        try await timers(
            connection.query(
                """
                SELECT \(unescaped: columns) FROM timers
                WHERE status = 'pending' AND attempt_at <= \(now) AND kind = ANY(\(kinds))
                ORDER BY attempt_at, kind, key
                LIMIT 1
                FOR UPDATE SKIP LOCKED
                """,
                logger: logger
            )
        ).first
    }

    /// Marks a taken timer finished, in the transaction that took it.
    public static func finish(
        _ timer: DueTimer,
        as status: DueTimer.Status,
        at now: Date,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        try await connection.query(
            """
            UPDATE timers SET status = \(status.rawValue), finished_at = \(now), attempts = attempts + 1
            WHERE kind = \(timer.kind) AND key = \(timer.key)
            """,
            logger: logger
        )
    }

    /// Records a failed attempt and puts the next one off until `retryAt` (its own transaction: the failed one rolled back).
    public static func recordFailure(
        kind: String,
        key: String,
        error: String,
        retryAt: Date,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        try await connection.query(
            """
            UPDATE timers SET attempts = attempts + 1, last_error = \(String(error.prefix(2_000))), attempt_at = \(retryAt)
            WHERE kind = \(kind) AND key = \(key) AND status = 'pending'
            """,
            logger: logger
        )
    }

    /// The earliest attempt time among the pending timers of `kinds`; `nil` when there is none.
    public static func nextAttempt(kinds: [String], on connection: PostgresConnection, logger: Logger) async throws -> Date? {
        let rows = try await connection.query(
            "SELECT min(attempt_at) FROM timers WHERE status = 'pending' AND kind = ANY(\(kinds))",
            logger: logger
        )
        for try await next in rows.decode(Date?.self) { return next }
        return nil
    }

    private static let columns = "kind, key, due_at, payload::text, attempts"

    private static func timers(_ rows: PostgresRowSequence) async throws -> [DueTimer] {
        var timers: [DueTimer] = []
        for try await (kind, key, due, payload, attempts) in rows.decode((String, String, Date, String, Int32).self) {
            let value = try JSONCoding.decoder.decode(JSONValue.self, from: Data(payload.utf8))
            timers.append(DueTimer(kind: kind, key: key, dueAt: due, payload: value, attempts: Int(attempts)))
        }
        return timers
    }
}

/// A timer taken to fire.
public struct DueTimer: Sendable, Equatable {
    /// A timer's state.
    public enum Status: String, Sendable, Equatable {
        /// Not fired yet.
        case pending
        /// Its handler ran and committed.
        case done
        /// Its handler decided not to act (a recurring job's occurrence found too late).
        case skipped
        /// Cancelled before it fired.
        case cancelled
    }

    public var kind: String
    public var key: String
    /// When it was due (not when it is taken: a runner that was down takes it late).
    public var dueAt: Date
    public var payload: JSONValue
    /// Earlier attempts that failed.
    public var attempts: Int

    public init(kind: String, key: String, dueAt: Date, payload: JSONValue, attempts: Int) {
        self.kind = kind
        self.key = key
        self.dueAt = dueAt
        self.payload = payload
        self.attempts = attempts
    }
}
