public import Foundation
public import Logging
public import PostgresNIO

/// The claims of wall-clock job occurrences: one row per job and occurrence, so that an occurrence runs once across
/// every instance of a service and every restart.
///
/// A job claims its occurrence with ``claim(job:occurrence:outcome:on:logger:)`` inside the transaction that writes
/// its effect (typically an outbox event): the primary key makes a second claim of the same occurrence — another
/// instance at the same moment, or this one after a restart — a no-op, and a rolled-back run leaves no claim behind.
public enum ScheduleRuns {
    /// The `schedule_runs` table (kit migration `kit_0006_schedule_runs`). `outcome` is `ran`, or `skipped` for an
    /// occurrence found too late to run (the service was down for longer than the job's catch-up window).
    static let tableSQL = """
        CREATE TABLE schedule_runs (
            job text NOT NULL,
            occurrence timestamptz NOT NULL,
            outcome text NOT NULL CHECK (outcome IN ('ran', 'skipped')),
            claimed_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (job, occurrence)
        );
        """

    /// How an occurrence was claimed.
    public enum Outcome: String, Sendable {
        /// The job ran for the occurrence.
        case ran
        /// The occurrence was found too late and was not run.
        case skipped
    }

    /// Claims an occurrence of a job, in the caller's transaction.
    /// - Parameters:
    ///   - job: the job's stable name, e.g. `customers.completeness_weekly_digest`.
    ///   - occurrence: the instant the occurrence was due.
    ///   - outcome: what the claim records.
    ///   - connection: the connection holding the job's transaction.
    ///   - logger: the job's logger.
    /// - Returns: `true` when this call claimed it; `false` when it had been claimed before (by anyone).
    public static func claim(
        job: String,
        occurrence: Date,
        outcome: Outcome,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Bool {
        let rows = try await connection.query(
            """
            INSERT INTO schedule_runs (job, occurrence, outcome) VALUES (\(job), \(occurrence), \(outcome.rawValue))
            ON CONFLICT (job, occurrence) DO NOTHING
            RETURNING 1
            """,
            logger: logger
        )
        for try await _ in rows { return true }
        return false
    }
}
