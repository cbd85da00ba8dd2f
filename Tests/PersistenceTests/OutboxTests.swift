import Contracts
import Foundation
import Persistence
import PostgresNIO
import Synchronization
import TestSupport
import Testing

/// Records what it is asked to publish; while `failing`, confirms nothing.
final class RecordingPublisher: OutboxPublisher {
    private let state = Mutex<(published: [UUID], calls: Int, failing: Bool)>(([], 0, false))
    private let delay: Duration

    init(failing: Bool = false, delay: Duration = .zero) {
        self.delay = delay
        state.withLock { $0.failing = failing }
    }

    var published: [UUID] { state.withLock { $0.published } }
    var calls: Int { state.withLock { $0.calls } }

    func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }

    func publish(_ envelopes: [EventEnvelope]) async -> [Bool] {
        if delay > .zero { try? await Task.sleep(for: delay) }
        return state.withLock { state in
            state.calls += 1
            guard !state.failing else { return envelopes.map { _ in false } }
            state.published.append(contentsOf: envelopes.map(\.id))
            return envelopes.map { _ in true }
        }
    }
}

@Suite("Outbox")
struct OutboxTests {
    @Test("events appended in a committed transaction are published; a rolled-back one never is")
    func publishesCommittedOnly() async throws {
        try await TestDatabase.with { database in
            try await database.migrate()
            let kept = testEvent(subject: "kept")
            try await database.client.withTransaction(logger: database.logger) { connection in
                try await Outbox.append(kept, on: connection, logger: database.logger)
            }
            struct Abort: Error {}
            await #expect(throws: PostgresTransactionError.self) {
                try await database.client.withTransaction(logger: database.logger) { connection in
                    try await Outbox.append(testEvent(subject: "discarded"), on: connection, logger: database.logger)
                    throw Abort()
                }
            }
            let publisher = RecordingPublisher()
            let relay = database.relay(publisher)
            let result = try await relay.publishPending()
            #expect(result == .init(published: 1, failed: 0))
            #expect(publisher.published == [kept.id])
            #expect(try await relay.publishPending() == .init(published: 0, failed: 0))
        }
    }

    @Test("events of one transaction are published in the order they were appended")
    func keepsOrder() async throws {
        try await TestDatabase.with { database in
            try await database.migrate()
            let events = (1...20).map { testEvent(subject: "order", sequence: Int64($0)) }
            try await database.client.withTransaction(logger: database.logger) { connection in
                for event in events { try await Outbox.append(event, on: connection, logger: database.logger) }
            }
            let publisher = RecordingPublisher()
            let relay = database.relay(publisher, batchSize: 7)
            #expect(try await relay.publishPending().published == 20)
            #expect(publisher.published == events.map(\.id))
        }
    }

    @Test("a committed event whose publish failed is published once the broker confirms again")
    func retriesFailedPublish() async throws {
        try await TestDatabase.with { database in
            try await database.migrate()
            let publisher = RecordingPublisher(failing: true)
            let relay = database.relay(publisher, pollInterval: .milliseconds(200))
            let event = testEvent()
            try await whileRunning([relay]) {
                try await database.client.withTransaction(logger: database.logger) { connection in
                    try await Outbox.append(event, on: connection, logger: database.logger)
                }
                try await eventually("the failed publish is recorded") {
                    try await database.count(
                        "SELECT count(*)::int8 FROM outbox WHERE attempts > 0 AND last_error IS NOT NULL AND published_at IS NULL"
                    ) == 1
                }
                #expect(publisher.published.isEmpty)
                publisher.setFailing(false)
                try await eventually("the event is published") {
                    try await database.count("SELECT count(*)::int8 FROM outbox WHERE published_at IS NOT NULL") == 1
                }
            }
            #expect(publisher.published == [event.id])
        }
    }

    @Test("a notification wakes the relay long before its poll interval")
    func wakesOnNotify() async throws {
        try await TestDatabase.with { database in
            try await database.migrate()
            let publisher = RecordingPublisher()
            let relay = database.relay(publisher, pollInterval: .seconds(600))
            try await whileRunning([relay]) {
                // Round 1 may be picked up by the pass the relay makes when its LISTEN starts; rounds 2 and 3 need NOTIFY.
                for round in 1...3 {
                    try await database.client.withTransaction(logger: database.logger) { connection in
                        try await Outbox.append(testEvent(sequence: Int64(round)), on: connection, logger: database.logger)
                    }
                    try await eventually("event \(round) is published", timeout: .seconds(10)) { publisher.published.count == round }
                }
            }
        }
    }

    @Test("two relays on one schema publish each of 500 events exactly once")
    func competingRelays() async throws {
        try await TestDatabase.with { database in
            try await database.migrate()
            let publisher = RecordingPublisher(delay: .milliseconds(5))
            let relays = (0..<2).map { _ in
                database.relay(publisher, batchSize: 25, pollInterval: .milliseconds(100))
            }
            try await whileRunning(relays) {
                for chunk in 0..<50 {
                    try await database.client.withTransaction(logger: database.logger) { connection in
                        for index in 0..<10 {
                            try await Outbox.append(
                                testEvent(subject: "c\(chunk)", sequence: Int64(index + 1)),
                                on: connection,
                                logger: database.logger
                            )
                        }
                    }
                }
                try await eventually("500 events are published") {
                    try await database.count("SELECT count(*)::int8 FROM outbox WHERE published_at IS NOT NULL") == 500
                }
            }
            let published = publisher.published
            #expect(published.count == 500)
            #expect(Set(published).count == 500)
        }
    }
}

/// Kills database connections under a running relay (only this test's: they carry its own `application_name`).
///
/// It was disabled because PostgresNIO 1.33's `withTransaction` could wait forever after the server killed a
/// connection: the pool could lend the killed connection once more, and the `BEGIN` written to its closed channel was
/// dropped by NIO without failing the query. The relay's transactions now never send to a closed connection and run
/// under a watchdog (``PostgresClient/withTransaction(deadline:logger:_:)``); `DeadlineTests` shows the hang.
@Suite("Disruptive outbox", .timeLimit(.minutes(3)))
struct DisruptiveOutboxTests {
    @Test("the relay keeps working after its database connections are killed")
    func survivesLostConnections() async throws {
        try await TestDatabase.with { database in
            try await database.migrate()
            let publisher = RecordingPublisher()
            let relay = database.relay(publisher, pollInterval: .milliseconds(300), transactionDeadline: .seconds(10))
            let logger = database.logger
            try await whileRunning([relay]) {
                try await database.client.withTransaction(deadline: .seconds(10), logger: logger) { connection in
                    try await Outbox.append(testEvent(sequence: 1), on: connection, logger: logger)
                }
                try await eventually("the first event is published") { publisher.published.count == 1 }
                // Kill every connection of this test's pool, including the relay's LISTEN connection, from another client.
                let killerSettings = try PostgresSettings(
                    url: try TestEnvironment.postgresURL(),
                    schema: "public",
                    applicationName: "killer"
                )
                try await withRunningClient(killerSettings) { killer in
                    _ = try await killer.query(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = \(database.settings.applicationName)",
                        logger: database.logger
                    )
                }
                try await eventually("a new event can be appended again") {
                    do {
                        try await database.client.withTransaction(deadline: .seconds(10), logger: logger) { connection in
                            try await Outbox.append(testEvent(sequence: 2), on: connection, logger: logger)
                        }
                        return true
                    } catch {
                        return false
                    }
                }
                try await eventually("the second event is published") { publisher.published.count == 2 }
            }
        }
    }
}

@Suite("Inbox")
struct InboxTests {
    @Test("a message id is claimed once per consumer, and a rolled-back claim does not count")
    func claimsOnce() async throws {
        try await TestDatabase.with { database in
            try await database.migrate()
            let id = UUID()
            func claim(_ consumer: String) async throws -> Bool {
                try await database.client.withTransaction(logger: database.logger) { connection in
                    try await Inbox.claim(messageID: id, type: "test.happened", consumer: consumer, on: connection, logger: database.logger)
                }
            }
            struct Abort: Error {}
            _ = try? await database.client.withTransaction(logger: database.logger) { connection in
                _ = try await Inbox.claim(messageID: id, type: "test.happened", consumer: "a", on: connection, logger: database.logger)
                throw Abort()
            }
            #expect(try await claim("a"))
            #expect(try await claim("a") == false)
            #expect(try await claim("b"))
        }
    }
}
