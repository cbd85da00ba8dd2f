import AMQP
import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import Synchronization
import TestSupport
import Testing

extension AMQPConnection: ServiceLike {}
extension EventConsumerService: ServiceLike {}

/// Broker names of one test. It declares no exchange: events go to the built-in `amq.topic` with event types
/// unique to the test, parked messages to `amq.direct`; its queues expire a minute after their last use, so a test
/// leaves nothing behind on the shared broker.
struct TestBroker: Sendable {
    let suffix = TestEnvironment.uniqueSuffix()
    let exchange = "amq.topic"
    let deadExchange = "amq.direct"
    var queue: String { "t.\(suffix).events" }
    var deadQueue: String { "t.\(suffix).events.dead" }

    /// An event type only this test uses.
    func type(_ fact: String) -> String { "t\(suffix).\(fact)" }

    var topology: AMQPTopology {
        AMQPTopology(
            queues: [
                .init(
                    name: queue,
                    arguments: [
                        "x-dead-letter-exchange": .string(deadExchange),
                        "x-dead-letter-routing-key": .string(deadQueue),
                        "x-expires": .int(60_000),
                    ]
                ),
                .init(name: deadQueue, arguments: ["x-expires": .int(60_000)]),
            ],
            bindings: [
                .init(queue: queue, exchange: exchange, routingKey: type("#")),
                .init(queue: deadQueue, exchange: deadExchange, routingKey: deadQueue),
            ]
        )
    }

    /// A consumer named `tests` of this test's queue, applying events to `database`.
    func consumer(
        _ connection: AMQPConnection,
        _ database: TestDatabase,
        _ registry: EventHandlerRegistry,
        prefetch: UInt16 = 32,
        maxAttempts: Int = 5,
        retryBaseDelay: Duration = .milliseconds(200)
    ) -> EventConsumerService {
        EventConsumerService(
            name: "tests",
            connection: connection,
            queue: queue,
            client: database.client,
            registry: registry,
            prefetch: prefetch,
            maxAttempts: maxAttempts,
            retryBaseDelay: retryBaseDelay,
            logger: database.logger
        )
    }

    func connection(_ name: String) throws -> AMQPConnection {
        AMQPConnection(
            configuration: try AMQPConfiguration(url: try TestEnvironment.amqpURL(), connectionName: "persistence-tests-\(name)"),
            topology: topology,
            logger: PersistenceTestEnvironment.logger
        )
    }
}

/// Collects the ids of the messages consumed from a queue, acking each.
final class Collector: Sendable {
    private let ids = Mutex<[String]>([])
    var messageIDs: [String] { ids.withLock { $0 } }

    func consume(_ connection: AMQPConnection, queue: String) async throws {
        for try await delivery in connection.consume(queue: queue, prefetch: 200) {
            ids.withLock { $0.append(delivery.message.messageID ?? "") }
            await connection.ack(delivery)
        }
    }
}

@Suite("Outbox and consumer over RabbitMQ")
struct MessagingTests {
    @Test("two relays with real publishers deliver each of 500 events to the queue exactly once")
    func relaysOverBroker() async throws {
        let broker = TestBroker()
        let publishers = [try broker.connection("relay-1"), try broker.connection("relay-2")]
        let consumer = try broker.connection("consumer")
        try await TestDatabase.with { database in
            try await database.migrate()
            try await withBroker(broker, [consumer] + publishers) {
                let relays = publishers.map { connection in
                    database.relay(
                        AMQPOutboxPublisher(connection: connection, exchange: broker.exchange, logger: database.logger),
                        batchSize: 40,
                        pollInterval: .milliseconds(200)
                    )
                }
                let collector = Collector()
                try await whileRunning(relays) {
                    var appended: Set<String> = []
                    for chunk in 0..<50 {
                        try await database.client.withTransaction(logger: database.logger) { connection in
                            for index in 0..<10 {
                                let event = testEvent(broker.type("happened"), subject: "c\(chunk)", sequence: Int64(index + 1))
                                appended.insert(event.id.uuidString.lowercased())
                                try await Outbox.append(event, on: connection, logger: database.logger)
                            }
                        }
                    }
                    try await eventually("the outbox is fully published") {
                        try await database.count("SELECT count(*)::int8 FROM outbox WHERE published_at IS NOT NULL") == 500
                    }
                    // Every confirmed event is in the queue now; a sentinel published after them marks the end.
                    try await consumer.publish(
                        AMQPMessage(body: [], messageID: "sentinel"),
                        exchange: broker.exchange,
                        routingKey: broker.type("sentinel")
                    )
                    try await whileRunning([ClosureService { try await collector.consume(consumer, queue: broker.queue) }]) {
                        try await eventually("the sentinel arrives") { collector.messageIDs.last == "sentinel" }
                    }
                    let ids = collector.messageIDs.dropLast()
                    #expect(ids.count == 500)
                    #expect(Set(ids) == appended)
                }
            }
        }
    }

    @Test("an event delivered twice is applied once")
    func redeliveryAppliedOnce() async throws {
        let broker = TestBroker()
        let connection = try broker.connection("inbox")
        try await TestDatabase.with { database in
            try await database.migrate([Migration(id: "0001_applied", sql: "CREATE TABLE applied (event_id uuid NOT NULL, type text NOT NULL);")])
            var registry = EventHandlerRegistry()
            for type in [broker.type("happened"), broker.type("marker")] {
                registry.register(type, from: "tests") { envelope, connection, logger in
                    try await connection.query("INSERT INTO applied (event_id, type) VALUES (\(envelope.id), \(envelope.type))", logger: logger)
                }
            }
            // prefetch 1: deliveries are handled in queue order, so once the marker is applied both copies were handled.
            let service = broker.consumer(connection, database, registry, prefetch: 1)
            try await withBroker(broker, [connection]) {
                let event = testEvent(broker.type("happened"))
                let marker = testEvent(broker.type("marker"))
                for envelope in [event, event, marker] {
                    try await connection.publish(try AMQPOutboxPublisher.message(for: envelope), exchange: broker.exchange, routingKey: envelope.type)
                }
                try await whileRunning([service]) {
                    try await eventually("the marker is applied") {
                        try await database.count("SELECT count(*)::int8 FROM applied WHERE event_id = \(marker.id)") == 1
                    }
                }
                #expect(try await database.count("SELECT count(*)::int8 FROM applied WHERE event_id = \(event.id)") == 1)
                #expect(try await database.count("SELECT count(*)::int8 FROM inbox WHERE message_id = \(event.id) AND consumer = 'tests'") == 1)
            }
        }
    }

    @Test("a handler that keeps failing parks its event in the dead-letter queue and the next event is still applied")
    func poisonIsParked() async throws {
        let broker = TestBroker()
        let connection = try broker.connection("dead")
        try await TestDatabase.with { database in
            try await database.migrate([Migration(id: "0001_applied", sql: "CREATE TABLE applied (event_id uuid NOT NULL);")])
            let attempts = AttemptCounts()
            var registry = EventHandlerRegistry()
            registry.register(broker.type("poison"), from: "tests") { envelope, connection, logger in
                // The write is rolled back with the failed attempt: the event must leave no trace.
                try await connection.query("INSERT INTO applied (event_id) VALUES (\(envelope.id))", logger: logger)
                attempts.withLock { $0["poison", default: 0] += 1 }
                throw UnprocessableHere()
            }
            registry.register(broker.type("flaky"), from: "tests") { envelope, connection, logger in
                let attempt = attempts.withLock { state -> Int in
                    state["flaky", default: 0] += 1
                    return state["flaky"]!
                }
                if attempt <= 2 { throw UnprocessableHere() }
                try await connection.query("INSERT INTO applied (event_id) VALUES (\(envelope.id))", logger: logger)
            }
            registry.register(broker.type("fine"), from: "tests") { envelope, connection, logger in
                try await connection.query("INSERT INTO applied (event_id) VALUES (\(envelope.id))", logger: logger)
            }
            let service = broker.consumer(connection, database, registry, maxAttempts: 4, retryBaseDelay: .seconds(1))
            let poison = testEvent(broker.type("poison"))
            let flaky = testEvent(broker.type("flaky"))
            let fine = testEvent(broker.type("fine"))
            try await withBroker(broker, [connection]) {
                let collector = Collector()
                try await whileRunning([service, ClosureService { try await collector.consume(connection, queue: broker.deadQueue) }]) {
                    for envelope in [poison, flaky, fine] {
                        try await connection.publish(
                            try AMQPOutboxPublisher.message(for: envelope),
                            exchange: broker.exchange,
                            routingKey: envelope.type
                        )
                    }
                    // The poison message retries for 1 + 2 + 4 s; the next event must not wait for it, so it is applied
                    // while the poison is still retrying (the bound is that, not a speed claim).
                    try await eventually("the event after the poison is applied", timeout: .seconds(6)) {
                        try await database.count("SELECT count(*)::int8 FROM applied WHERE event_id = \(fine.id)") == 1
                    }
                    #expect(collector.messageIDs.isEmpty, "the poison was parked before the next event was applied")
                    try await eventually("the poison event is parked") { collector.messageIDs == [poison.id.uuidString.lowercased()] }
                    try await eventually("the flaky event is applied on its third attempt") {
                        try await database.count("SELECT count(*)::int8 FROM applied WHERE event_id = \(flaky.id)") == 1
                    }
                }
                #expect(attempts.withLock { $0["poison"] } == 4)
                #expect(attempts.withLock { $0["flaky"] } == 3)
                #expect(try await database.count("SELECT count(*)::int8 FROM applied WHERE event_id = \(poison.id)") == 0)
                #expect(try await database.count("SELECT count(*)::int8 FROM inbox WHERE message_id = \(poison.id)") == 0)
            }
        }
    }

    @Test("an event whose transaction is stuck past its deadline is rolled back, retried and applied once")
    func stuckTransactionIsRetried() async throws {
        let broker = TestBroker()
        let connection = try broker.connection("stuck")
        try await TestDatabase.with { database in
            try await database.migrate([Migration(id: "0001_applied", sql: "CREATE TABLE applied (event_id uuid NOT NULL);")])
            let attempts = AttemptCounts()
            let gate = Gate()
            var registry = EventHandlerRegistry()
            registry.register(broker.type("stuck"), from: "tests") { envelope, connection, logger in
                try await connection.query("INSERT INTO applied (event_id) VALUES (\(envelope.id))", logger: logger)
                let attempt = attempts.withLock { state -> Int in
                    state["stuck", default: 0] += 1
                    return state["stuck"]!
                }
                // The first attempt hangs like a query on a connection that never answers, ignoring cancellation.
                if attempt == 1 { await gate.wait() }
            }
            let service = EventConsumerService(
                name: "tests",
                connection: connection,
                queue: broker.queue,
                client: database.client,
                registry: registry,
                maxAttempts: 3,
                transactionDeadline: .seconds(1),
                logger: database.logger
            )
            let event = testEvent(broker.type("stuck"))
            try await withBroker(broker, [connection]) {
                try await whileRunning([service]) {
                    try await connection.publish(try AMQPOutboxPublisher.message(for: event), exchange: broker.exchange, routingKey: event.type)
                    try await eventually("the event is applied by a later attempt") {
                        try await database.count("SELECT count(*)::int8 FROM inbox WHERE message_id = \(event.id) AND consumer = 'tests'") == 1
                    }
                }
                gate.open()
                // At least one retry after the stuck attempt (a loaded machine may need more than one within the 1 s
                // deadline); whatever the count, the effect is applied exactly once.
                #expect((attempts.withLock { $0["stuck"] } ?? 0) >= 2)
                #expect(try await database.count("SELECT count(*)::int8 FROM applied WHERE event_id = \(event.id)") == 1)
            }
        }
    }

    @Test("an event whose source is not the service that owns its type is parked and never applied")
    func forgedSourceIsParked() async throws {
        let broker = TestBroker()
        let connection = try broker.connection("forged")
        try await TestDatabase.with { database in
            try await database.migrate([Migration(id: "0001_applied", sql: "CREATE TABLE applied (event_id uuid NOT NULL);")])
            var registry = EventHandlerRegistry()
            registry.register(broker.type("owned"), from: "tests") { envelope, connection, logger in
                try await connection.query("INSERT INTO applied (event_id) VALUES (\(envelope.id))", logger: logger)
            }
            let service = EventConsumerService(
                name: "tests",
                connection: connection,
                queue: broker.queue,
                client: database.client,
                registry: registry,
                logger: database.logger
            )
            let forged = {
                var event = testEvent(broker.type("owned"))
                event.source = "intruder"
                return event
            }()
            let genuine = testEvent(broker.type("owned"), subject: "s-2")
            try await withBroker(broker, [connection]) {
                let collector = Collector()
                try await whileRunning([service, ClosureService { try await collector.consume(connection, queue: broker.deadQueue) }]) {
                    for envelope in [forged, genuine] {
                        try await connection.publish(
                            try AMQPOutboxPublisher.message(for: envelope),
                            exchange: broker.exchange,
                            routingKey: envelope.type
                        )
                    }
                    try await eventually("the forged event is parked") { collector.messageIDs == [forged.id.uuidString.lowercased()] }
                    try await eventually("the genuine event is applied") {
                        try await database.count("SELECT count(*)::int8 FROM applied WHERE event_id = \(genuine.id)") == 1
                    }
                }
                #expect(try await database.count("SELECT count(*)::int8 FROM applied WHERE event_id = \(forged.id)") == 0)
                #expect(try await database.count("SELECT count(*)::int8 FROM inbox WHERE message_id = \(forged.id)") == 0)
            }
        }
    }

    @Test("a typed handler refuses its event from any service but the type's owner, before decoding it")
    func typedHandlerChecksOwner() async throws {
        try await TestDatabase.with { database in
            try await database.migrate()
            let applied = AttemptCounts()
            var registry = EventHandlerRegistry()
            registry.register(UserCreated.self) { _, _, _, _ in applied.withLock { $0["user.created", default: 0] += 1 } }
            let handler = try #require(registry.handler(for: UserCreated.eventType))
            let user = UserSnapshot(
                id: "u-1",
                username: "mallory",
                displayName: "Mallory",
                role: .admin,
                region: nil,
                supervisorID: nil,
                mobile: nil,
                wecomUserID: nil,
                active: true,
                version: 1
            )
            let forged = try EventEnvelope(UserCreated(user: user), source: "customers", subject: user.id, sequence: 1)
            let genuine = try EventEnvelope(UserCreated(user: user), source: "gateway", subject: user.id, sequence: 1)
            try await database.client.withConnection { connection in
                await #expect(throws: UnprocessableEvent.self) { try await handler(forged, connection, database.logger) }
                #expect(applied.withLock { $0["user.created"] } == nil)
                try await handler(genuine, connection, database.logger)
                #expect(applied.withLock { $0["user.created"] } == 1)
            }
        }
    }
}

/// Runs `body` while `connections` run and are connected (each declares the test topology).
func withBroker<T: Sendable>(_ broker: TestBroker, _ connections: [AMQPConnection], _ body: @Sendable () async throws -> T) async throws -> T {
    try await whileRunning(connections) {
        for connection in connections { try await connection.waitUntilConnected(timeout: .seconds(90)) }
        return try await body()
    }
}

struct UnprocessableHere: Error {}

/// Attempts per handler, shared with `@Sendable` handlers.
final class AttemptCounts: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func withLock<T>(_ body: (inout [String: Int]) -> T) -> T { counts.withLock { body(&$0) } }
}

/// A `run()` made from a closure, for background consumers in tests.
struct ClosureService: ServiceLike {
    let body: @Sendable () async throws -> Void
    init(_ body: @escaping @Sendable () async throws -> Void) { self.body = body }
    func run() async throws { try await body() }
}
