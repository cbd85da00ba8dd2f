/// The claims of wall-clock job occurrences (kit migration `kit_0006_schedule_runs`), superseded by ``Timers``.
///
/// A recurring job's occurrence is now a timer of the job's kind (`ScheduledJob` in ServiceRuntime); kit migration
/// `kit_0007_timers` copied these claims into `timers`, so an occurrence claimed here before the upgrade is not run
/// again. The table stays because landed migrations are never edited; nothing writes to it any more.
enum ScheduleRuns {
    /// The `schedule_runs` table. `outcome` is `ran`, or `skipped` for an occurrence found too late to run.
    static let tableSQL = """
        CREATE TABLE schedule_runs (
            job text NOT NULL,
            occurrence timestamptz NOT NULL,
            outcome text NOT NULL CHECK (outcome IN ('ran', 'skipped')),
            claimed_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (job, occurrence)
        );
        """
}
