import Foundation
import PostgresNIO
import Synchronization
import TestSupport
import Testing

@testable import Persistence

/// A door that work waits at, ignoring cancellation, until the test opens it: work that hangs the way a query on a
/// dead connection does.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// The last value some `@Sendable` work recorded.
final class Latest<Value: Sendable>: Sendable {
    private let state = Mutex<Value?>(nil)

    var value: Value? { state.withLock { $0 } }

    func set(_ value: Value) { state.withLock { $0 = value } }
}

@Suite("Deadlines")
struct DeadlineTests {
    @Test("withDeadline gives up on work that ignores cancellation, without waiting for it to finish")
    func abandonsStuckWork() async throws {
        let gate = Gate()
        let timedOut = Latest<Bool>()
        await #expect(throws: DeadlineExceeded.self) {
            try await withDeadline(
                .milliseconds(200),
                onTimeout: { timedOut.set(true) },
                operation: {
                    await gate.wait()
                    return 1
                }
            )
        }
        #expect(timedOut.value == true)
        gate.open()
        #expect(try await withDeadline(.seconds(30)) { 2 } == 2)
    }

    @Test("withDeadline passes on the result or the error of work that finishes in time")
    func passesResults() async throws {
        struct Expected: Error {}
        #expect(try await withDeadline(.seconds(30)) { "done" } == "done")
        await #expect(throws: Expected.self) { try await withDeadline(.seconds(30)) { () async throws -> Int in throw Expected() } }
    }

    @Test("a transaction stuck past its deadline fails, its connection is closed so its locks go, and the pool keeps working")
    func stuckTransactionReleasesItsConnection() async throws {
        try await TestDatabase.with { database in
            try await database.migrate()
            try await database.client.query("CREATE TABLE guarded (id int PRIMARY KEY)", logger: database.logger)
            try await database.client.query("INSERT INTO guarded VALUES (1)", logger: database.logger)
            let gate = Gate()
            let stuckPID = Latest<Int>()
            await #expect(throws: DeadlineExceeded.self) {
                try await database.client.withTransaction(deadline: .seconds(1), logger: database.logger) { connection in
                    let rows = try await connection.query("SELECT pg_backend_pid() FROM guarded WHERE id = 1 FOR UPDATE", logger: database.logger)
                    for try await pid in rows.decode(Int.self) { stuckPID.set(pid) }
                    // Stuck without a query in flight (a broker that never confirms, say): only closing the
                    // connection ends the transaction.
                    await gate.wait()
                }
            }
            let pid = try #require(stuckPID.value)
            try await eventually("the stuck session is gone from the server") {
                try await database.count("SELECT count(*)::int8 FROM pg_stat_activity WHERE pid = \(pid)") == 0
            }
            // The row lock went with the session: another transaction takes it without waiting.
            let relocked = try await database.client.withTransaction(deadline: .seconds(30), logger: database.logger) { connection in
                let rows = try await connection.query("SELECT id FROM guarded WHERE id = 1 FOR UPDATE NOWAIT", logger: database.logger)
                var ids: [Int] = []
                for try await id in rows.decode(Int.self) { ids.append(id) }
                return ids
            }
            #expect(relocked == [1])
            gate.open()
        }
    }

    @Test("a transaction whose connection closes under it fails at once, even while its work is stuck")
    func closedConnectionEndsTheTransaction() async throws {
        try await TestDatabase.with { database in
            try await database.migrate()
            let gate = Gate()
            let logger = database.logger
            await #expect(throws: ConnectionLost.self) {
                try await database.client.withTransaction(deadline: .seconds(60), logger: logger) { connection in
                    try await connection.close()
                    // Stuck like a query written to the closed channel, which nothing ever answers.
                    await gate.wait()
                }
            }
            gate.open()
            let answer = try await database.client.withTransaction(deadline: .seconds(30), logger: logger) { connection in
                let rows = try await connection.query("SELECT 7", logger: logger)
                var value = 0
                for try await decoded in rows.decode(Int.self) { value = decoded }
                return value
            }
            #expect(answer == 7)
        }
    }

    @Test("a query the server keeps running past the deadline does not hold the caller")
    func longQueryDoesNotHoldTheCaller() async throws {
        try await TestDatabase.with { database in
            try await database.migrate()
            await #expect(throws: DeadlineExceeded.self) {
                try await database.client.withTransaction(deadline: .seconds(1), logger: database.logger) { connection in
                    try await connection.query("SELECT pg_sleep(20)", logger: database.logger)
                }
            }
            let answer = try await database.client.withTransaction(deadline: .seconds(30), logger: database.logger) { connection in
                let rows = try await connection.query("SELECT 42", logger: database.logger)
                var value = 0
                for try await decoded in rows.decode(Int.self) { value = decoded }
                return value
            }
            #expect(answer == 42)
        }
    }

    /// PostgresNIO 1.33's own `withTransaction` hung in 3 of 15 such kills here: the pool lent the killed connection
    /// again and the `BEGIN` written to its closed channel was dropped. Without the check before `BEGIN` this test
    /// failed in 1 of 12 rounds; with it, every round must fail at once.
    @Test("a transaction whose connection the server kills mid-query fails at once, every time, without waiting for its deadline")
    func killedMidQueryFailsAtOnce() async throws {
        try await TestDatabase.with { database in
            try await database.migrate()
            let killerSettings = try PostgresSettings(url: try TestEnvironment.postgresURL(), schema: "public", applicationName: "killer")
            let logger = database.logger
            let client = database.client
            let applicationName = database.settings.applicationName
            try await withRunningClient(killerSettings) { killer in
                for round in 1...12 {
                    let killing = Task {
                        _ = try? await eventually(timeout: .seconds(10), interval: .milliseconds(20)) {
                            let rows = try? await killer.query(
                                """
                                SELECT pg_terminate_backend(pid)::int FROM pg_stat_activity
                                WHERE application_name = \(applicationName) AND query = 'SELECT pg_sleep(10)' AND state = 'active'
                                """,
                                logger: logger
                            )
                            var killed = 0
                            if let rows { for try await value in rows.decode(Int.self) { killed += value } }
                            return killed > 0
                        }
                    }
                    let outcome: String
                    do {
                        try await client.withTransaction(deadline: .seconds(20), logger: logger) { connection in
                            try await connection.query("SELECT pg_sleep(10)", logger: logger)
                        }
                        outcome = "committed"
                    } catch is DeadlineExceeded {
                        outcome = "waited for its deadline"
                    } catch {
                        outcome = "failed"
                    }
                    await killing.value
                    #expect(outcome == "failed", "round \(round)")
                }
            }
        }
    }

    @Test("a finished transaction leaves nothing of it behind on its pooled connection, nor in a timer")
    func finishedTransactionsLeaveNothingBehind() async throws {
        try await TestDatabase.with { database in
            try await database.migrate()
            let logger = database.logger
            // Whatever holds a call's race holds the call's tasks: a close callback per transaction on the pooled
            // connection (which outlives the test) or a timer that lingers after the call would keep it.
            let races = WeakObjects()
            try await DeadlineRaceProbe.$created.withValue({ races.add($0) }) {
                for _ in 1...3 {
                    try await database.client.withTransaction(deadline: .seconds(60), logger: logger) { connection in
                        try await connection.query("SELECT 1", logger: logger)
                    }
                }
            }
            #expect(races.count == 3)
            #expect(await eventually { races.alive == 0 }, "the finished transactions' races are released")
        }
    }
}

/// Weak references to objects, to see whether something still keeps them.
final class WeakObjects: Sendable {
    private struct Weak: @unchecked Sendable { weak var object: AnyObject? }
    private let objects = Mutex<[Weak]>([])

    func add(_ object: AnyObject) { objects.withLock { $0.append(Weak(object: object)) } }

    var count: Int { objects.withLock { $0.count } }

    var alive: Int { objects.withLock { $0.filter { $0.object != nil }.count } }
}
