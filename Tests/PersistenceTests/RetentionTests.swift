import AMQP
import Contracts
import Foundation
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@Suite("Retention")
struct RetentionTests {
    static let day: Double = 86_400

    /// An inbox row claimed `age` seconds ago.
    static func inboxRow(_ database: TestDatabase, age: Double) async throws -> UUID {
        let id = UUID()
        try await database.client.query(
            "INSERT INTO inbox (message_id, consumer, type, received_at) VALUES (\(id), 'tests', 'test.happened', now() - make_interval(secs => \(age)))",
            logger: database.logger
        )
        return id
    }

    static func idempotencyKey(_ database: TestDatabase, age: Double) async throws -> String {
        let key = UUID().uuidString
        try await database.client.query(
            """
            INSERT INTO idempotency_keys (caller, operation, key, request_hash, status, body, created_at)
            VALUES ('rep-1', 'tests.write', \(key), 'h', 200, ''::bytea, now() - make_interval(secs => \(age)))
            """,
            logger: database.logger
        )
        return key
    }

    /// An outbox row appended `age` seconds ago, published then when `published`.
    static func outboxRow(_ database: TestDatabase, age: Double, published: Bool) async throws -> UUID {
        let event = testEvent()
        try await database.client.withTransaction(logger: database.logger) { connection in
            try await Outbox.append(event, on: connection, logger: database.logger)
        }
        try await database.client.query(
            """
            UPDATE outbox SET created_at = now() - make_interval(secs => \(age)),
                published_at = CASE WHEN \(published) THEN now() - make_interval(secs => \(age)) END
            WHERE id = \(event.id)
            """,
            logger: database.logger
        )
        return event.id
    }

    func pruner(_ database: TestDatabase, _ policy: RetentionPolicy = RetentionPolicy()) -> RetentionPruner {
        RetentionPruner(client: database.client, schema: database.schema, policy: policy, logger: database.logger)
    }

    @Test("a pass deletes inbox rows, idempotency keys and published outbox rows past retention, and keeps the rest")
    func oldRowsGoRecentRowsStay() async throws {
        try await TestDatabase.with { database in
            try await database.migrate()
            let policy = RetentionPolicy()
            let oldInbox = try await Self.inboxRow(database, age: 31 * Self.day)
            let recentInbox = try await Self.inboxRow(database, age: 29 * Self.day)
            let oldKey = try await Self.idempotencyKey(database, age: 8 * Self.day)
            let recentKey = try await Self.idempotencyKey(database, age: 25 * 3600)
            let oldPublished = try await Self.outboxRow(database, age: 8 * Self.day, published: true)
            let recentPublished = try await Self.outboxRow(database, age: 6 * Self.day, published: true)
            let oldUnsent = try await Self.outboxRow(database, age: 60 * Self.day, published: false)

            let touched = try await pruner(database, policy).pass()
            #expect(touched == ["inbox": 1, "idempotency_keys": 1, "outbox": 1, "timers": 0])
            #expect(try await database.count("SELECT count(*)::int8 FROM inbox WHERE message_id = \(oldInbox)") == 0)
            #expect(try await database.count("SELECT count(*)::int8 FROM inbox WHERE message_id = \(recentInbox)") == 1)
            #expect(try await database.count("SELECT count(*)::int8 FROM idempotency_keys WHERE key = \(oldKey)") == 0)
            #expect(try await database.count("SELECT count(*)::int8 FROM idempotency_keys WHERE key = \(recentKey)") == 1)
            #expect(try await database.count("SELECT count(*)::int8 FROM outbox WHERE id = \(oldPublished)") == 0)
            #expect(try await database.count("SELECT count(*)::int8 FROM outbox WHERE id = \(recentPublished)") == 1)
            // An event the broker never confirmed is never pruned, however old.
            #expect(try await database.count("SELECT count(*)::int8 FROM outbox WHERE id = \(oldUnsent)") == 1)
        }
    }

    @Test("finished timers go after their retention; a pending timer stays however old it is")
    func finishedTimersArePruned() async throws {
        try await TestDatabase.with { database in
            try await database.migrate()
            try await database.client.query(
                """
                INSERT INTO timers (kind, key, due_at, status, attempt_at, finished_at) VALUES
                    ('test', 'done-old', now() - interval '100 days', 'done', now(), now() - interval '91 days'),
                    ('test', 'cancelled-old', now() - interval '100 days', 'cancelled', now(), now() - interval '91 days'),
                    ('test', 'done-recent', now() - interval '100 days', 'done', now(), now() - interval '89 days'),
                    ('test', 'pending-old', now() - interval '400 days', 'pending', now() - interval '400 days', NULL)
                """,
                logger: database.logger
            )
            #expect(try await pruner(database).pass()["timers"] == 2)
            let left = try await database.client.query("SELECT key FROM timers WHERE kind = 'test' ORDER BY key", logger: database.logger)
            var keys: [String] = []
            for try await key in left.decode(String.self) { keys.append(key) }
            #expect(keys == ["done-recent", "pending-old"])
        }
    }

    @Test("a second pass finds nothing more to prune and changes nothing")
    func passIsIdempotent() async throws {
        try await TestDatabase.with { database in
            try await database.migrate()
            for _ in 0..<3 { _ = try await Self.inboxRow(database, age: 40 * Self.day) }
            _ = try await Self.inboxRow(database, age: Self.day)
            let pruner = pruner(database)
            #expect(try await pruner.pass()["inbox"] == 3)
            #expect(try await pruner.pass() == ["inbox": 0, "idempotency_keys": 0, "outbox": 0, "timers": 0])
            #expect(try await database.count("SELECT count(*)::int8 FROM inbox") == 1)
        }
    }

    @Test("more expired rows than a batch are all pruned in one pass, a batch per statement")
    func prunesInBatches() async throws {
        try await TestDatabase.with { database in
            try await database.migrate()
            try await database.client.query(
                """
                INSERT INTO inbox (message_id, consumer, type, received_at)
                SELECT gen_random_uuid(), 'tests', 'test.happened', now() - interval '60 days' FROM generate_series(1, 25)
                """,
                logger: database.logger
            )
            let pruner = pruner(database, RetentionPolicy(batchSize: 4))
            #expect(try await pruner.pass()["inbox"] == 25)
            #expect(try await database.count("SELECT count(*)::int8 FROM inbox") == 0)
        }
    }

    @Test("replicas pruning at the same time share the rows and all of them go")
    func concurrentPassesShareTheWork() async throws {
        try await TestDatabase.with { database in
            try await database.migrate()
            try await database.client.query(
                """
                INSERT INTO inbox (message_id, consumer, type, received_at)
                SELECT gen_random_uuid(), 'tests', 'test.happened', now() - interval '60 days' FROM generate_series(1, 300)
                """,
                logger: database.logger
            )
            let policy = RetentionPolicy(batchSize: 10)
            let pruners = (0..<3).map { _ in pruner(database, policy) }
            let counts = try await withThrowingTaskGroup(of: Int.self) { group in
                for pruner in pruners { group.addTask { try await pruner.pass()["inbox"] ?? 0 } }
                var total = 0
                for try await count in group { total += count }
                return total
            }
            #expect(counts == 300)
            #expect(try await database.count("SELECT count(*)::int8 FROM inbox") == 0)
        }
    }

    @Test(
        "a message whose inbox row may be pruned is too old to apply; within the retention window it is recognised",
        arguments: [0.0, 1.0, 29.0, 29.99]
    )
    func inboxAgeLogic(receivedAfterDays: Double) async throws {
        // The inbox row of an event is written when the event is applied, never before it was created. Whenever the
        // pruner has removed that row, the consumer's age check must already refuse any copy of the event.
        let policy = RetentionPolicy()
        let created = Date(timeIntervalSince1970: 1_800_000_000)
        let received = created.addingTimeInterval(receivedAfterDays * Self.day)
        let inboxDays = RetentionPolicy.seconds(policy.inbox) / Self.day
        for laterDays in stride(from: 0.0, through: 2 * inboxDays, by: 0.25) {
            let now = received.addingTimeInterval(laterDays * Self.day)
            let rowPruned = now.timeIntervalSince(received) >= RetentionPolicy.seconds(policy.inbox)
            let refused = policy.isTooOldToDeduplicate(eventTime: created, now: now)
            #expect(!rowPruned || refused, "a copy arriving \(laterDays) days after the first delivery would be applied twice")
        }
        #expect(!policy.isTooOldToDeduplicate(eventTime: created, now: created.addingTimeInterval(29 * Self.day)))
        #expect(policy.isTooOldToDeduplicate(eventTime: created, now: created.addingTimeInterval(30 * Self.day)))
    }

    @Test("the pruner keeps the inbox row of a message the broker can still redeliver and recognise")
    func inboxRowOutlivesTheRedeliveryWindow() async throws {
        try await TestDatabase.with { database in
            try await database.migrate()
            let policy = RetentionPolicy()
            // Claimed 29 days ago: a copy arriving now is still young enough to be checked against the inbox, so the
            // row must survive the pass; claimed 30 days ago it may go, because a copy is now refused by its age.
            let young = try await Self.inboxRow(database, age: 29 * Self.day)
            let old = try await Self.inboxRow(database, age: 30 * Self.day + 60)
            try await pruner(database, policy).pass()
            #expect(try await database.count("SELECT count(*)::int8 FROM inbox WHERE message_id = \(young)") == 1)
            #expect(try await database.count("SELECT count(*)::int8 FROM inbox WHERE message_id = \(old)") == 0)
            #expect(!policy.isTooOldToDeduplicate(eventTime: Date().addingTimeInterval(-29 * Self.day), now: Date()))
            #expect(policy.isTooOldToDeduplicate(eventTime: Date().addingTimeInterval(-30 * Self.day - 60), now: Date()))
        }
    }

    @Test("an event older than the inbox retention is parked, not applied; a recent one is applied")
    func consumerParksEventsTooOldToDeduplicate() async throws {
        let broker = TestBroker()
        let connection = try broker.connection("too-old")
        try await TestDatabase.with { database in
            try await database.migrate([Migration(id: "0001_applied", sql: "CREATE TABLE applied (event_id uuid NOT NULL);")])
            var registry = EventHandlerRegistry()
            registry.register(broker.type("happened"), from: "tests") { envelope, connection, logger in
                try await connection.query("INSERT INTO applied (event_id) VALUES (\(envelope.id))", logger: logger)
            }
            let service = EventConsumerService(
                name: "tests",
                connection: connection,
                queue: broker.queue,
                client: database.client,
                registry: registry,
                retention: RetentionPolicy(),
                logger: database.logger
            )
            let stale = {
                var event = testEvent(broker.type("happened"), subject: "s-1")
                event.time = Date().addingTimeInterval(-31 * Self.day)
                return event
            }()
            let fresh = testEvent(broker.type("happened"), subject: "s-2")
            try await withBroker(broker, [connection]) {
                let collector = Collector()
                try await whileRunning([service, ClosureService { try await collector.consume(connection, queue: broker.deadQueue) }]) {
                    for envelope in [stale, fresh] {
                        try await connection.publish(
                            try AMQPOutboxPublisher.message(for: envelope),
                            exchange: broker.exchange,
                            routingKey: envelope.type
                        )
                    }
                    try await eventually("the stale event is parked") { collector.messageIDs == [stale.id.uuidString.lowercased()] }
                    try await eventually("the fresh event is applied") {
                        try await database.count("SELECT count(*)::int8 FROM applied WHERE event_id = \(fresh.id)") == 1
                    }
                }
                #expect(try await database.count("SELECT count(*)::int8 FROM applied WHERE event_id = \(stale.id)") == 0)
            }
        }
    }

    @Test("retention comes from configuration, and values under the safe floors are refused naming their key")
    func configuration() throws {
        let defaults = try RetentionPolicy(ServiceConfiguration(environment: [:]))
        #expect(defaults == RetentionPolicy())
        #expect(defaults.inbox == .seconds(30 * 86_400))
        #expect(defaults.idempotencyKeys == .seconds(168 * 3600))
        #expect(defaults.interval == .seconds(3600))

        let configured = try RetentionPolicy(
            ServiceConfiguration(environment: [
                "RETENTION_INBOX_DAYS": "14",
                "RETENTION_IDEMPOTENCY_KEYS_HOURS": "24",
                "RETENTION_OUTBOX_DAYS": "2",
                "RETENTION_LOGIN_FAILURES_DAYS": "3",
                "RETENTION_REFRESH_TOKENS_DAYS": "0",
                "RETENTION_EVENT_LOG_PERSONAL_DATA_DAYS": "365",
                "RETENTION_TIMERS_DAYS": "60",
                "RETENTION_INTERVAL_MINUTES": "5",
                "RETENTION_BATCH_SIZE": "50",
            ])
        )
        #expect(
            configured
                == RetentionPolicy(
                    inbox: .seconds(14 * 86_400),
                    idempotencyKeys: .seconds(24 * 3600),
                    publishedOutbox: .seconds(2 * 86_400),
                    loginFailures: .seconds(3 * 86_400),
                    expiredRefreshTokens: .zero,
                    eventLogPersonalData: .seconds(365 * 86_400),
                    finishedTimers: .seconds(60 * 86_400),
                    interval: .seconds(300),
                    batchSize: 50
                )
        )

        for (variable, value, key) in [
            ("RETENTION_INBOX_DAYS", "6", "retention.inbox.days"),
            ("RETENTION_IDEMPOTENCY_KEYS_HOURS", "23", "retention.idempotency_keys.hours"),
            ("RETENTION_LOGIN_FAILURES_DAYS", "0", "retention.login_failures.days"),
            ("RETENTION_TIMERS_DAYS", "44", "retention.timers.days"),
            ("RETENTION_INTERVAL_MINUTES", "soon", "retention.interval.minutes"),
        ] {
            #expect {
                try RetentionPolicy(ServiceConfiguration(environment: [variable: value]))
            } throws: { error in
                (error as? ConfigurationError)?.key == key
            }
        }
    }
}
