import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime
import Synchronization
import TestSupport
import Testing

@testable import Persistence

@Suite("Durable timers", .timeLimit(.minutes(3)))
struct TimerTests {
    static let start = Date(timeIntervalSince1970: 1_790_000_000)

    /// A table the handlers write to, with no key: a timer fired twice leaves two rows.
    static func prepare(_ database: TestDatabase) async throws {
        try await database.migrate()
        try await database.client.query("CREATE TABLE fired (kind text NOT NULL, key text NOT NULL, runner text NOT NULL)", logger: database.logger)
    }

    static func schedule(
        _ database: TestDatabase,
        kind: String = "tests.ping",
        key: String,
        at due: Date,
        payload: JSONValue = .null
    ) async throws -> Bool {
        try await database.client.withTransaction(logger: database.logger) { connection in
            try await Timers.schedule(kind: kind, key: key, at: due, payload: payload, on: connection, logger: database.logger)
        }
    }

    /// A handler that records the firing, in the firing transaction, as `runner`.
    static func recording(_ runner: String, kind: String = "tests.ping", slow: Bool = false) -> TimerHandler {
        TimerHandler(kind: kind) { timer, _, connection, logger in
            try await connection.query("INSERT INTO fired (kind, key, runner) VALUES (\(timer.kind), \(timer.key), \(runner))", logger: logger)
            // Widens the window in which a second runner could take the same row if the lock did not hold it.
            if slow { try await connection.query("SELECT pg_sleep(0.005)", logger: logger) }
            return .done
        }
    }

    static func status(_ database: TestDatabase, _ key: String, kind: String = "tests.ping") async throws -> DueTimer.Status? {
        try await database.client.withConnection { try await Timers.status(kind: kind, key: key, on: $0, logger: database.logger) }
    }

    @Test("scheduling the same kind and key twice keeps one row, with the first due time and payload")
    func idempotentScheduling() async throws {
        try await TestDatabase.with { database in
            try await Self.prepare(database)
            #expect(try await Self.schedule(database, key: "step-1", at: Self.start, payload: .object(["step": .integer(1)])))
            #expect(!(try await Self.schedule(database, key: "step-1", at: Self.start.addingTimeInterval(3_600), payload: .string("other"))))
            #expect(try await database.count("SELECT count(*)::int FROM timers") == 1)
            let payloads = Payloads()
            let runner = TimerRunner(
                client: database.client,
                handlers: [
                    TimerHandler(kind: "tests.ping") { timer, _, _, _ in
                        payloads.values.withLock { $0.append(timer.payload) }
                        return .done
                    }
                ],
                logger: database.logger
            )
            #expect(try await runner.runDue(now: Self.start.addingTimeInterval(-1)) == .init(fired: 0, failed: 0), "not due yet")
            #expect(try await runner.runDue(now: Self.start) == .init(fired: 1, failed: 0))
            #expect(payloads.values.withLock { $0 } == [.object(["step": .integer(1)])])
            #expect(try await runner.runDue(now: Self.start.addingTimeInterval(7_200)) == .init(fired: 0, failed: 0), "fired once")
            #expect(!(try await Self.schedule(database, key: "step-1", at: Self.start)), "a fired timer is not scheduled again")
            #expect(try await Self.status(database, "step-1") == .done)
        }
    }

    @Test("two runners on one table (two replicas) fire each of 60 timers exactly once")
    func twoReplicasFireOnce() async throws {
        try await TestDatabase.with { database in
            try await Self.prepare(database)
            for index in 0..<60 {
                try await Self.schedule(database, key: "t-\(index)", at: Self.start.addingTimeInterval(Double(index % 3)))
            }
            // A second client: another replica's own connections.
            try await withRunningClient(database.settings) { other in
                let first = TimerRunner(client: database.client, handlers: [Self.recording("a", slow: true)], logger: database.logger)
                let second = TimerRunner(client: other, handlers: [Self.recording("b", slow: true)], logger: database.logger)
                async let a = first.runDue(now: Self.start.addingTimeInterval(10))
                async let b = second.runDue(now: Self.start.addingTimeInterval(10))
                let (ra, rb) = try await (a, b)
                #expect(ra.fired + rb.fired == 60 && ra.failed + rb.failed == 0)
            }
            #expect(try await database.count("SELECT count(*)::int FROM fired") == 60)
            #expect(try await database.count("SELECT count(DISTINCT key)::int FROM fired") == 60)
            #expect(try await database.count("SELECT count(*)::int FROM timers WHERE status = 'done'") == 60)
        }
    }

    @Test("a handler that fails after writing leaves no write and the timer pending; it fires once on a later pass")
    func failingHandlerIsRetried() async throws {
        try await TestDatabase.with { database in
            try await Self.prepare(database)
            try await Self.schedule(database, key: "k", at: Self.start)
            let failing = TimerRunner(
                client: database.client,
                handlers: [
                    TimerHandler(kind: "tests.ping") { timer, _, connection, logger in
                        try await connection.query("INSERT INTO fired (kind, key, runner) VALUES (\(timer.kind), \(timer.key), 'x')", logger: logger)
                        throw TimedOut(description: "the handler failed after its write")
                    }
                ],
                retryDelay: .seconds(30),
                logger: database.logger
            )
            #expect(try await failing.runDue(now: Self.start) == .init(fired: 0, failed: 1))
            #expect(try await database.count("SELECT count(*)::int FROM fired") == 0, "the handler's write rolled back")
            #expect(try await Self.status(database, "k") == .pending)
            #expect(try await database.count("SELECT attempts FROM timers WHERE key = 'k' AND last_error LIKE '%failed after its write%'") == 1)

            let working = TimerRunner(client: database.client, handlers: [Self.recording("ok")], logger: database.logger)
            #expect(try await working.runDue(now: Self.start.addingTimeInterval(29)) == .init(fired: 0, failed: 0), "put off by the retry delay")
            #expect(try await working.runDue(now: Self.start.addingTimeInterval(30)) == .init(fired: 1, failed: 0))
            #expect(try await working.runDue(now: Self.start.addingTimeInterval(90)) == .init(fired: 0, failed: 0))
            #expect(try await database.count("SELECT count(*)::int FROM fired") == 1)
        }
    }

    @Test("a runner whose connection dies between the take and the commit (as under kill -9) leaves the timer to the next pass")
    func connectionDroppedMidHandler() async throws {
        try await TestDatabase.with { database in
            try await Self.prepare(database)
            try await Self.schedule(database, key: "k", at: Self.start)
            try await Self.schedule(database, key: "later", at: Self.start.addingTimeInterval(60))
            let dying = TimerRunner(
                client: database.client,
                handlers: [
                    TimerHandler(kind: "tests.ping") { timer, _, connection, logger in
                        try await connection.query(
                            "INSERT INTO fired (kind, key, runner) VALUES (\(timer.kind), \(timer.key), 'dying')",
                            logger: logger
                        )
                        // The server ends this backend: the open transaction, its write and its row lock go with it.
                        try await connection.query("SELECT pg_terminate_backend(pg_backend_pid())", logger: logger)
                        return .done
                    }
                ],
                logger: database.logger
            )
            let result = try await dying.runDue(now: Self.start)
            #expect(result.fired == 0)
            #expect(try await database.count("SELECT count(*)::int FROM fired") == 0)
            #expect(try await Self.status(database, "k") == .pending)

            try await withRunningClient(database.settings) { other in
                let survivor = TimerRunner(client: other, handlers: [Self.recording("survivor")], logger: database.logger)
                let result = try await survivor.runDue(now: Self.start.addingTimeInterval(3_600))
                #expect(result.fired == 2)
            }
            #expect(try await database.count("SELECT count(*)::int FROM fired WHERE runner = 'survivor'") == 2)
            #expect(try await Self.status(database, "k") == .done)
        }
    }

    @Test("a cancelled timer does not fire; a runner takes only the kinds it has handlers for")
    func cancelAndKinds() async throws {
        try await TestDatabase.with { database in
            try await Self.prepare(database)
            try await Self.schedule(database, key: "cancelled", at: Self.start)
            try await Self.schedule(database, kind: "tests.other", key: "x", at: Self.start)
            let cancelled = try await database.client.withConnection {
                try await Timers.cancel(kind: "tests.ping", key: "cancelled", on: $0, logger: database.logger)
            }
            #expect(cancelled)
            let runner = TimerRunner(client: database.client, handlers: [Self.recording("r")], logger: database.logger)
            #expect(try await runner.runDue(now: Self.start.addingTimeInterval(60)).fired == 0)
            #expect(try await Self.status(database, "cancelled") == .cancelled)
            #expect(try await Self.status(database, "x", kind: "tests.other") == .pending)
        }
    }

    @Test("a running runner is woken by the schedule's notification, not by its recheck")
    func wokenByNotification() async throws {
        try await TestDatabase.with { database in
            try await Self.prepare(database)
            let runner = TimerRunner(
                client: database.client,
                handlers: [Self.recording("service")],
                recheckInterval: .seconds(600),
                logger: database.logger
            )
            try await whileRunning([runner]) {
                // Let the first pass find nothing and go to sleep for the recheck interval.
                try await Task.sleep(for: .milliseconds(300))
                try await Self.schedule(database, key: "now", at: Date().addingTimeInterval(-1))
                try await eventually("the timer fired") { try await database.count("SELECT count(*)::int FROM fired") == 1 }
            }
        }
    }

    @Test("a recurring job on working days fires through the runner and schedules its next occurrence across 国庆 (from the replica)")
    func recurringAcrossHoliday() async throws {
        try await TestDatabase.with { database in
            try await Self.prepare(database)
            let shanghai = WorkingTimeTests.shanghai
            let job = ScheduledJob(name: "tests.daily_check", schedule: Schedule(.workingDays, hour: 9)) { occurrence, connection, logger in
                try await connection.query(
                    "INSERT INTO fired (kind, key, runner) VALUES ('tests.daily_check', \(Timers.key(for: occurrence)), 'job')",
                    logger: logger
                )
            }
            #expect(
                try await job.runIfDue(now: shanghai("2026-09-30 09:01"), client: database.client, logger: database.logger)
                    == .ran(shanghai("2026-09-30 09:00"))
            )
            let next = Timers.key(for: shanghai("2026-10-08 09:00"))
            #expect(try await Self.status(database, next, kind: job.name) == .pending, "the next working day after 30 Sep is 8 Oct")

            let runner = TimerRunner(client: database.client, handlers: [job.timerHandler], logger: database.logger)
            #expect(try await runner.runDue(now: shanghai("2026-10-07 23:00")).fired == 0, "nothing during the holiday")
            #expect(try await runner.runDue(now: shanghai("2026-10-08 09:00")).fired == 1)
            #expect(try await runner.runDue(now: shanghai("2026-10-09 09:00")).fired == 1)
            // An admin makes Monday 12 Oct a holiday; the replica has it before the 调休 Saturday's occurrence computes the next one.
            try await database.client.withConnection { connection in
                try await CalendarReplica(logger: database.logger).store(
                    CalendarOverride(day: CalendarDay(year: 2026, month: 10, day: 12), kind: .holiday, name: "测试假日"),
                    sequence: 1,
                    on: connection
                )
            }
            #expect(try await runner.runDue(now: shanghai("2026-10-10 09:05")).fired == 1, "the 调休 Saturday")
            let thirteenth = Timers.key(for: shanghai("2026-10-13 09:00"))
            #expect(try await Self.status(database, thirteenth, kind: job.name) == .pending, "Monday 12 Oct is now a holiday")
            #expect(try await Self.status(database, Timers.key(for: shanghai("2026-10-12 09:00")), kind: job.name) == nil)

            // Down from Tuesday morning to Wednesday 10:00: Tuesday's occurrence is past its 12-hour window and skipped,
            // Wednesday's (an hour late) runs.
            #expect(try await runner.runDue(now: shanghai("2026-10-14 10:00")).fired == 2)
            #expect(try await Self.status(database, thirteenth, kind: job.name) == .skipped)
            let ran = try await database.client.withConnection { connection in
                var keys: [String] = []
                for try await key in try await connection.query("SELECT key FROM fired ORDER BY key", logger: database.logger).decode(String.self) {
                    keys.append(key)
                }
                return keys
            }
            #expect(ran == ["2026-09-30", "2026-10-08", "2026-10-09", "2026-10-10", "2026-10-14"].map { Timers.key(for: shanghai("\($0) 09:00")) })
            #expect(
                try await job.runIfDue(now: shanghai("2026-10-14 10:30"), client: database.client, logger: database.logger)
                    == .alreadyClaimed(shanghai("2026-10-14 09:00"))
            )
        }
    }
}

/// What a test handler saw.
final class Payloads: Sendable {
    let values = Mutex<[JSONValue]>([])
}

extension TimerRunner: ServiceLike {}

@Suite("Durable timers: the upgrade from schedule_runs", .timeLimit(.minutes(3)))
struct ScheduleRunsUpgradeTests {
    @Test("a claim in schedule_runs becomes a finished timer with the key the job uses; the job does not run it again and goes on")
    func claimsCarryOver() async throws {
        try await TestDatabase.with { database in
            try await TimerTests.prepare(database)
            let shanghai = WorkingTimeTests.shanghai
            let monday = shanghai("2026-11-30 09:00")
            try await database.client.query(
                "INSERT INTO schedule_runs (job, occurrence, outcome) VALUES ('tests.weekly', \(monday), 'ran')",
                logger: database.logger
            )
            // What kit_0007 did to the claims of a schema upgraded with them.
            try await database.client.query(PostgresQuery(unsafeSQL: Timers.scheduleRunsSQL), logger: database.logger)
            #expect(try await TimerTests.status(database, Timers.key(for: monday), kind: "tests.weekly") == .done)

            let job = ScheduledJob(name: "tests.weekly", schedule: Schedule(.weekly(.monday), hour: 9)) { occurrence, connection, logger in
                try await connection.query(
                    "INSERT INTO fired (kind, key, runner) VALUES ('tests.weekly', \(Timers.key(for: occurrence)), 'job')",
                    logger: logger
                )
            }
            let outcome = try await job.runIfDue(now: shanghai("2026-11-30 10:00"), client: database.client, logger: database.logger)
            #expect(outcome == .alreadyClaimed(monday))
            #expect(try await database.count("SELECT count(*)::int FROM fired") == 0)
            let nextMonday = shanghai("2026-12-07 09:00")
            #expect(try await TimerTests.status(database, Timers.key(for: nextMonday), kind: "tests.weekly") == .pending, "the chain goes on")
            let runner = TimerRunner(client: database.client, handlers: [job.timerHandler], logger: database.logger)
            #expect(try await runner.runDue(now: nextMonday).fired == 1)
            #expect(try await database.count("SELECT count(*)::int FROM fired") == 1)
        }
    }
}
