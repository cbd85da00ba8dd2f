public import Contracts
public import Foundation
public import Logging
public import Persistence
public import PostgresNIO
public import ServiceLifecycle

/// A wall-clock recurrence: "every Monday at 09:00 in Asia/Shanghai", "every day at 18:00", "every working day at 09:00".
///
/// Occurrences are computed with Foundation's `Calendar` in the schedule's time zone, from the local date and time,
/// so a zone with daylight saving keeps its local 09:00 across the change (Shanghai has none today, but nothing here
/// assumes it). A local time that does not exist on a day (skipped by a DST change) falls on the next valid time.
/// ``Days/workingDays`` asks a ``Contracts/WorkingCalendar`` which days are worked (holidays off, 调休 weekends on);
/// a ``ScheduledJob`` reads it from the service's ``Persistence/CalendarReplica``.
public struct Schedule: Sendable, Equatable, CustomStringConvertible {
    /// Which days an occurrence falls on.
    public enum Days: Sendable, Equatable {
        /// Every day.
        case daily
        /// One day of the week.
        case weekly(Weekday)
        /// Every working day of the holiday calendar (Monday–Friday unless a holiday, and make-up workdays).
        case workingDays
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
    ///   - days: every day, one day of the week, or every working day.
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
        case .workingDays: return "every working day at \(time)"
        }
    }

    /// Whether occurrences depend on the holiday calendar.
    public var needsCalendar: Bool { days == .workingDays }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// The longest run of days without an occurrence to look through: a week, or a long holiday (春节 with its weekends).
    private static let horizon = 40

    /// The latest occurrence at or before `instant`.
    /// - Parameter working: the working days, for ``Days/workingDays``; weekends only by default.
    public func latestOccurrence(atOrBefore instant: Date, working: WorkingCalendar = WorkingCalendar()) -> Date? {
        let calendar = self.calendar
        let today = calendar.startOfDay(for: instant)
        for offset in 0...Self.horizon {
            guard let day = calendar.date(byAdding: .day, value: -offset, to: today),
                let occurrence = occurrence(on: day, calendar, working)
            else { continue }
            if occurrence <= instant { return occurrence }
        }
        return nil
    }

    /// The first occurrence strictly after `instant`.
    /// - Parameter working: the working days, for ``Days/workingDays``; weekends only by default.
    public func nextOccurrence(after instant: Date, working: WorkingCalendar = WorkingCalendar()) -> Date? {
        let calendar = self.calendar
        let today = calendar.startOfDay(for: instant)
        for offset in 0...Self.horizon {
            guard let day = calendar.date(byAdding: .day, value: offset, to: today),
                let occurrence = occurrence(on: day, calendar, working)
            else { continue }
            if occurrence > instant { return occurrence }
        }
        return nil
    }

    /// The occurrence on the local day that starts at `day`, if the schedule has one that day.
    private func occurrence(on day: Date, _ calendar: Calendar, _ working: WorkingCalendar) -> Date? {
        var parts = calendar.dateComponents([.year, .month, .day], from: day)
        switch days {
        case .daily: break
        case .weekly(let weekday): if calendar.component(.weekday, from: day) != weekday.rawValue { return nil }
        case .workingDays:
            let local = CalendarDay(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1)
            if !working.isWorkingDay(local) { return nil }
        }
        parts.hour = hour
        parts.minute = minute
        parts.second = 0
        return calendar.date(from: parts)
    }
}

/// A job that runs once per occurrence of a ``Schedule``, across every instance of the service and every restart.
///
/// Each occurrence is a durable timer (``Persistence/Timers``) of kind ``name``, keyed by the occurrence's instant.
/// Firing it runs the job's work, marks the timer done and schedules the next occurrence, all in one transaction: the
/// work (say, appending an outbox event) happens exactly once, or not at all if it fails (then the next attempt takes
/// the timer again). An occurrence found more than ``catchUpWindow`` late — the service was down at the time — is
/// marked skipped and logged, not run, and the next occurrence scheduled is then the latest one due, so a service
/// that was down for a month does not walk through every missed day.
public struct ScheduledJob: Sendable {
    /// The work for one occurrence, inside the transaction that claimed it.
    public typealias Work = @Sendable (_ occurrence: Date, _ connection: PostgresConnection, _ logger: Logger) async throws -> Void

    /// The job's stable name, the kind of its timers: `<service>.<job>`.
    public var name: String
    public var schedule: Schedule
    /// How late an occurrence may still run (a service started after 09:00 still sends the 09:00 digest).
    public var catchUpWindow: Duration
    public var work: Work

    /// A job.
    /// - Parameters:
    ///   - name: `<service>.<job>`, stable across releases (it keys the timers).
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

    /// Runs the latest occurrence at or before `now` unless it was claimed already (its timer is scheduled first if
    /// it was not). ``ScheduleRunner`` calls it at start; tests call it with a controlled clock.
    /// - Parameters:
    ///   - now: the current wall-clock time (tests pass a controlled one).
    ///   - client: the service's client; the timers are its schema's.
    ///   - transactionDeadline: the watchdog on the claiming transaction.
    ///   - logger: the service's logger.
    @discardableResult
    public func runIfDue(
        now: Date,
        client: PostgresClient,
        transactionDeadline: Duration = PostgresSettings.defaultTransactionDeadline,
        logger: Logger
    ) async throws -> Outcome {
        let job = self
        return try await client.withTransaction(deadline: transactionDeadline, logger: logger) { connection in
            let working = try await job.workingCalendar(on: connection, logger: logger)
            guard let occurrence = job.schedule.latestOccurrence(atOrBefore: now, working: working) else { return .notDue }
            let key = Timers.key(for: occurrence)
            try await Timers.schedule(kind: job.name, key: key, at: occurrence, on: connection, logger: logger)
            guard let timer = try await Timers.take(kind: job.name, key: key, on: connection, logger: logger) else {
                // Fired before, or firing in another transaction (which schedules the next one too). A claim carried
                // over from `schedule_runs` has no next occurrence yet: without this the chain would stop there.
                if let next = job.schedule.nextOccurrence(after: occurrence, working: working) {
                    try await Timers.schedule(kind: job.name, key: Timers.key(for: next), at: next, on: connection, logger: logger)
                }
                return .alreadyClaimed(occurrence)
            }
            let status = try await job.fire(timer, now: now, working: working, on: connection, logger: logger)
            try await Timers.finish(timer, as: status, at: now, on: connection, logger: logger)
            return status == .done ? .ran(occurrence) : .skipped(occurrence)
        }
    }

    /// The job as a ``Persistence/TimerHandler``, for a ``Persistence/TimerRunner``.
    public var timerHandler: TimerHandler {
        let job = self
        return TimerHandler(kind: name) { timer, now, connection, logger in
            let working = try await job.workingCalendar(on: connection, logger: logger)
            return try await job.fire(timer, now: now, working: working, on: connection, logger: logger)
        }
    }

    private func workingCalendar(on connection: PostgresConnection, logger: Logger) async throws -> WorkingCalendar {
        guard schedule.needsCalendar else { return WorkingCalendar() }
        return try await CalendarReplica(logger: logger).calendar(on: connection)
    }

    /// Runs (or, when too late, skips) the occurrence of a taken timer and schedules the next one, on its transaction.
    private func fire(
        _ timer: DueTimer,
        now: Date,
        working: WorkingCalendar,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> DueTimer.Status {
        let occurrence = timer.dueAt
        var logger = logger
        logger[metadataKey: "job"] = "\(name)"
        logger[metadataKey: "occurrence"] = "\(occurrence)"
        let lateness = now.timeIntervalSince(occurrence)
        let late = lateness > Double(catchUpWindow.components.seconds)
        if late {
            logger.warning("scheduled occurrence missed by more than its catch-up window; skipped", metadata: ["lateSeconds": "\(Int(lateness))"])
        } else {
            try await work(occurrence, connection, logger)
            logger.info("scheduled job ran")
        }
        if var next = schedule.nextOccurrence(after: occurrence, working: working) {
            if let latest = schedule.latestOccurrence(atOrBefore: now, working: working), latest > next { next = latest }
            try await Timers.schedule(kind: name, key: Timers.key(for: next), at: next, on: connection, logger: logger)
        }
        return late ? .skipped : .done
    }
}

/// Runs ``ScheduledJob``s as a `Service`: each job once at start (to catch up an occurrence missed while the service
/// was down, and to schedule its next occurrence), then a ``Persistence/TimerRunner`` fires their timers as they fall
/// due, waking at least every `recheckInterval` so a wall-clock change is noticed.
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
        for job in jobs {
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                do {
                    try await job.runIfDue(now: now(), client: client, transactionDeadline: transactionDeadline, logger: logger)
                    break
                } catch {
                    logger.error(
                        "scheduled job failed at start; retrying",
                        metadata: ["job": "\(job.name)", "error": "\(String(reflecting: error))"]
                    )
                    do {
                        try await cancelWhenGracefulShutdown { try await Task.sleep(for: min(.seconds(30), recheckInterval)) }
                    } catch {
                        return
                    }
                }
            }
        }
        let runner = TimerRunner(
            client: client,
            handlers: jobs.map(\.timerHandler),
            now: now,
            transactionDeadline: transactionDeadline,
            recheckInterval: recheckInterval,
            logger: logger
        )
        try await runner.run()
    }
}
