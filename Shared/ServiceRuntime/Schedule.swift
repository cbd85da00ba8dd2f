public import Contracts
public import Foundation
public import Logging
public import Persistence
public import PostgresNIO
public import ServiceLifecycle

/// A wall-clock recurrence: "every Monday at 09:00 in Asia/Shanghai", "every day at 18:00".
///
/// Occurrences are computed with Foundation's `Calendar` in the schedule's time zone, from the local date and time,
/// so a zone with daylight saving keeps its local 09:00 across the change (Shanghai has none today, but nothing here
/// assumes it). A local time that does not exist on a day (skipped by a DST change) falls on the next valid time.
public struct Schedule: Sendable, Equatable, CustomStringConvertible {
    /// Which days an occurrence falls on.
    public enum Days: Sendable, Equatable {
        /// Every day.
        case daily
        /// One day of the week.
        case weekly(Weekday)
    }

    /// A day of the week, numbered as Foundation's Gregorian calendar numbers them (Sunday 1 … Saturday 7).
    public enum Weekday: Int, Sendable, CaseIterable {
        case sunday = 1
        case monday, tuesday, wednesday, thursday, friday, saturday
    }

    public var days: Days
    /// Local hour, 0–23.
    public var hour: Int
    /// Local minute, 0–59.
    public var minute: Int
    public var timeZone: TimeZone

    /// A schedule.
    /// - Parameters:
    ///   - days: every day, or one day of the week.
    ///   - hour: local hour, 0–23.
    ///   - minute: local minute, 0–59.
    ///   - timeZone: the zone the time is read in; the business zone (``Contracts/BusinessCalendar/timeZone``) by default.
    public init(_ days: Days, hour: Int, minute: Int = 0, timeZone: TimeZone = BusinessCalendar.timeZone) {
        precondition((0...23).contains(hour) && (0...59).contains(minute), "a schedule's time is hh:mm")
        self.days = days
        self.hour = hour
        self.minute = minute
        self.timeZone = timeZone
    }

    public var description: String {
        let time = "\(hour < 10 ? "0" : "")\(hour):\(minute < 10 ? "0" : "")\(minute) \(timeZone.identifier)"
        switch days {
        case .daily: return "daily at \(time)"
        case .weekly(let weekday): return "every \(weekday) at \(time)"
        }
    }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// The latest occurrence at or before `instant`.
    public func latestOccurrence(atOrBefore instant: Date) -> Date? {
        let calendar = self.calendar
        let today = calendar.startOfDay(for: instant)
        for offset in 0...8 {
            guard let day = calendar.date(byAdding: .day, value: -offset, to: today), let occurrence = occurrence(on: day, calendar)
            else { continue }
            if occurrence <= instant { return occurrence }
        }
        return nil
    }

    /// The first occurrence strictly after `instant`.
    public func nextOccurrence(after instant: Date) -> Date? {
        let calendar = self.calendar
        let today = calendar.startOfDay(for: instant)
        for offset in 0...8 {
            guard let day = calendar.date(byAdding: .day, value: offset, to: today), let occurrence = occurrence(on: day, calendar)
            else { continue }
            if occurrence > instant { return occurrence }
        }
        return nil
    }

    /// The occurrence on the local day that starts at `day`, if the schedule has one that day.
    private func occurrence(on day: Date, _ calendar: Calendar) -> Date? {
        if case .weekly(let weekday) = days, calendar.component(.weekday, from: day) != weekday.rawValue { return nil }
        var parts = calendar.dateComponents([.year, .month, .day], from: day)
        parts.hour = hour
        parts.minute = minute
        parts.second = 0
        return calendar.date(from: parts)
    }
}

/// A job that runs once per occurrence of a ``Schedule``, across every instance of the service and every restart.
///
/// ``runIfDue(now:client:transactionDeadline:logger:)`` claims the latest due occurrence in `schedule_runs`
/// (``Persistence/ScheduleRuns``) in the same transaction as the job's work, so the work (say, appending an outbox
/// event) happens exactly once, or not at all if it fails (then the next attempt claims it again). An occurrence found
/// more than ``catchUpWindow`` late — the service was down at the time — is recorded as skipped and logged, not run.
public struct ScheduledJob: Sendable {
    /// The work for one occurrence, inside the transaction that claimed it.
    public typealias Work = @Sendable (_ occurrence: Date, _ connection: PostgresConnection, _ logger: Logger) async throws -> Void

    /// The job's stable name, the key of its claims: `<service>.<job>`.
    public var name: String
    public var schedule: Schedule
    /// How late an occurrence may still run (a service started after 09:00 still sends the 09:00 digest).
    public var catchUpWindow: Duration
    public var work: Work

    /// A job.
    /// - Parameters:
    ///   - name: `<service>.<job>`, stable across releases (it keys the claims).
    ///   - schedule: when it is due.
    ///   - catchUpWindow: how late an occurrence may still run; 12 hours by default.
    ///   - work: what one occurrence does, on the claiming transaction's connection.
    public init(name: String, schedule: Schedule, catchUpWindow: Duration = .seconds(12 * 3600), work: @escaping Work) {
        self.name = name
        self.schedule = schedule
        self.catchUpWindow = catchUpWindow
        self.work = work
    }

    /// What ``runIfDue(now:client:transactionDeadline:logger:)`` did.
    public enum Outcome: Sendable, Equatable {
        /// The schedule has no occurrence at or before now.
        case notDue
        /// This call ran the occurrence.
        case ran(Date)
        /// The occurrence had been claimed before (another instance, or before a restart): nothing done.
        case alreadyClaimed(Date)
        /// The occurrence was too late to run; this call recorded it as skipped.
        case skipped(Date)
    }

    /// Runs the latest occurrence at or before `now` unless it was claimed already.
    /// - Parameters:
    ///   - now: the current wall-clock time (tests pass a controlled one).
    ///   - client: the service's client; the claim goes to its schema's `schedule_runs`.
    ///   - transactionDeadline: the watchdog on the claiming transaction.
    ///   - logger: the service's logger.
    @discardableResult
    public func runIfDue(
        now: Date,
        client: PostgresClient,
        transactionDeadline: Duration = PostgresSettings.defaultTransactionDeadline,
        logger: Logger
    ) async throws -> Outcome {
        guard let occurrence = schedule.latestOccurrence(atOrBefore: now) else { return .notDue }
        let logger = {
            var logger = logger
            logger[metadataKey: "job"] = "\(self.name)"
            logger[metadataKey: "occurrence"] = "\(occurrence)"
            return logger
        }()
        let lateness = now.timeIntervalSince(occurrence)
        let window = Double(catchUpWindow.components.seconds)
        let (name, work) = (self.name, self.work)
        if lateness > window {
            let claimed = try await client.withTransaction(deadline: transactionDeadline, logger: logger) { connection in
                try await ScheduleRuns.claim(job: name, occurrence: occurrence, outcome: .skipped, on: connection, logger: logger)
            }
            guard claimed else { return .alreadyClaimed(occurrence) }
            logger.warning("scheduled occurrence missed by more than its catch-up window; skipped", metadata: ["lateSeconds": "\(Int(lateness))"])
            return .skipped(occurrence)
        }
        let ran = try await client.withTransaction(deadline: transactionDeadline, logger: logger) { connection in
            guard try await ScheduleRuns.claim(job: name, occurrence: occurrence, outcome: .ran, on: connection, logger: logger) else {
                return false
            }
            try await work(occurrence, connection, logger)
            return true
        }
        if ran { logger.info("scheduled job ran") }
        return ran ? .ran(occurrence) : .alreadyClaimed(occurrence)
    }
}

/// Runs ``ScheduledJob``s as a `Service`: each job at start (to catch up an occurrence missed while the service was
/// down) and then at each next occurrence, waking at least every `recheckInterval` so a wall-clock change is noticed.
public struct ScheduleRunner: Service {
    let client: PostgresClient
    let jobs: [ScheduledJob]
    let now: @Sendable () -> Date
    let transactionDeadline: Duration
    let recheckInterval: Duration
    let logger: Logger

    /// A runner.
    /// - Parameters:
    ///   - client: the service's client.
    ///   - jobs: the jobs to run.
    ///   - now: the wall clock; the system's by default.
    ///   - transactionDeadline: the watchdog on each claiming transaction.
    ///   - recheckInterval: the longest sleep between checks.
    ///   - logger: the service's logger.
    public init(
        client: PostgresClient,
        jobs: [ScheduledJob],
        now: @escaping @Sendable () -> Date = { Date() },
        transactionDeadline: Duration = PostgresSettings.defaultTransactionDeadline,
        recheckInterval: Duration = .seconds(300),
        logger: Logger
    ) {
        self.client = client
        self.jobs = jobs
        self.now = now
        self.transactionDeadline = transactionDeadline
        self.recheckInterval = recheckInterval
        self.logger = logger
    }

    /// Runs every job until graceful shutdown or cancellation.
    public func run() async throws {
        await withDiscardingTaskGroup { group in
            for job in jobs {
                group.addTask { await self.loop(job) }
            }
        }
    }

    private func loop(_ job: ScheduledJob) async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var pause = recheckInterval
            do {
                try await job.runIfDue(now: now(), client: client, transactionDeadline: transactionDeadline, logger: logger)
                if let next = job.schedule.nextOccurrence(after: now()) {
                    // A second past the occurrence, so a wake a little early does not find the previous one.
                    let untilNext = Duration.milliseconds(Int64((next.timeIntervalSince(now()) + 1) * 1000))
                    pause = min(max(untilNext, .seconds(1)), recheckInterval)
                }
            } catch {
                logger.error("scheduled job failed; retrying", metadata: ["job": "\(job.name)", "error": "\(String(reflecting: error))"])
                pause = min(.seconds(30), recheckInterval)
            }
            let sleep = pause
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: sleep) }
            } catch {
                return
            }
        }
    }
}
