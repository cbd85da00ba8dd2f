import AMQP
import Admin
import ArgumentParser
import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import Synchronization
import TestSupport
import Testing

/// A handler that fails while the flag is up, as a handler with a bug does until it is fixed.
/// Whether the handler fails, shared with the consumer's tasks.
final class FailingSwitch: Sendable {
    let on = Mutex(true)
}

struct ImportFailed: Error, CustomStringConvertible {
    var description: String { "customer code 客户-0042 is taken" }
}

@Suite("salesdesk-admin dead-letters", .timeLimit(.minutes(5)))
struct DeadLetterCommandTests {
    static let eventType = "admintest.imported"

    /// Runs the reporting service's real consumer (one attempt per event, parking with the reason) on the fixture's
    /// `reporting` schema, with a handler that records each application in `admintest_applied`.
    static func withFailingConsumer(
        _ fixture: AdminFixture,
        failing: FailingSwitch,
        _ body: @Sendable (AMQPConnection, PostgresClient) async throws -> Void
    ) async throws {
        _ = try await fixture.migrate()
        let service = try ServiceEntry.named("reporting")
        let logger = Logger(label: "admin-tests")
        let topology = SalesDeskTopology.exchanges.merging(SalesDeskTopology.eventQueue(service: service.name, eventTypes: [eventType]))
        let connection = AMQPConnection(
            configuration: try AMQPConfiguration(url: fixture.amqpURL, connectionName: "admin-tests-consumer"),
            topology: topology,
            logger: logger
        )
        try await (try fixture.postgres).withClient(schema: service.name) { client in
            try await client.query("CREATE TABLE admintest_applied (event_id uuid NOT NULL)", logger: logger)
            var registry = EventHandlerRegistry()
            registry.register(eventType, from: "tests") { envelope, connection, logger in
                if failing.on.withLock({ $0 }) { throw ImportFailed() }
                try await connection.query("INSERT INTO admintest_applied (event_id) VALUES (\(envelope.id))", logger: logger)
            }
            let consumer = EventConsumerService(
                name: service.name,
                connection: connection,
                queue: service.eventQueue,
                client: client,
                registry: registry,
                maxAttempts: 1,
                parking: ParkingQueue(exchange: SalesDeskTopology.deadLetterExchange, queue: service.deadLetterQueue),
                logger: logger
            )
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await connection.run() }
                defer { group.cancelAll() }
                try await connection.waitUntilConnected(timeout: .seconds(60))
                group.addTask { try await consumer.run() }
                try await body(connection, client)
            }
        }
    }

    static func publish(_ envelope: EventEnvelope, on connection: AMQPConnection) async throws {
        try await connection.publish(
            try AMQPOutboxPublisher.message(for: envelope),
            exchange: SalesDeskTopology.eventsExchange,
            routingKey: envelope.type
        )
    }

    static func applied(_ id: UUID, _ client: PostgresClient) async throws -> (applied: Int, inbox: Int) {
        let rows = try await client.query(
            """
            SELECT (SELECT count(*) FROM admintest_applied WHERE event_id = \(id))::int8,
                   (SELECT count(*) FROM inbox WHERE message_id = \(id))::int8
            """,
            logger: AdminLog.logger
        )
        for try await (applied, inbox) in rows.decode((Int, Int).self) { return (applied, inbox) }
        return (0, 0)
    }

    @Test("a failing handler's event is parked with its error; list and show it; replayed after the fix it is applied once")
    func parkListShowReplay() async throws {
        try await AdminFixture.with { fixture in
            let failing = FailingSwitch()
            try await Self.withFailingConsumer(fixture, failing: failing) { connection, client in
                let event = EventEnvelope(type: Self.eventType, source: "tests", subject: "c-42", sequence: 1, data: .object([:]))
                let id = event.id.uuidString.lowercased()
                try await Self.publish(event, on: connection)

                var list = try DeadLetters.List.parse(["--service", "reporting"])
                list.broker = try fixture.broker
                #expect(
                    try await eventually { (try await list.letters()["reporting"] ?? []).contains { $0.id == id } },
                    "the failing event is parked"
                )
                let parked = try #require((try await list.letters()["reporting"] ?? []).first { $0.id == id })
                #expect(parked.type == Self.eventType)
                #expect(parked.queue == "reporting.events")
                #expect(parked.error.contains("customer code 客户-0042 is taken"))
                #expect(parked.parkedAt != nil)
                // Listing leaves it parked.
                #expect((try await list.letters()["reporting"] ?? []).map(\.id) == [id])

                var show = try DeadLetters.Show.parse(["--service", "reporting", id])
                show.broker = try fixture.broker
                let shown = try #require(try await show.letter())
                #expect(shown.body.lowercased().contains(id))
                #expect(try await Self.applied(event.id, client) == (0, 0))

                failing.on.withLock { $0 = false }
                var replay = try DeadLetters.Replay.parse(["--service", "reporting", id])
                replay.broker = try fixture.broker
                #expect(try await replay.replay() == [id])
                #expect(try await eventually { try await Self.applied(event.id, client) == (1, 1) }, "the replayed event is applied")
                #expect((try await list.letters()["reporting"] ?? []).isEmpty)

                // The same event parked and replayed again (an operator replaying twice) is not applied a second time.
                var copy = try AMQPOutboxPublisher.message(for: event)
                copy.headers[ParkingQueue.errorHeader] = "a copy"
                try await connection.publish(copy, exchange: SalesDeskTopology.deadLetterExchange, routingKey: "reporting.events.dead")
                var replayAll = try DeadLetters.Replay.parse(["--service", "reporting", "--all"])
                replayAll.broker = try fixture.broker
                #expect(try await replayAll.replay() == [id])
                #expect(
                    try await eventually {
                        let waiting = try await connection.messageCount(queue: "reporting.events")
                        let parkedNow = try await list.letters()["reporting"] ?? []
                        return waiting == 0 && parkedNow.isEmpty
                    },
                    "the copy is consumed"
                )
                #expect(try await Self.applied(event.id, client) == (1, 1))
            }
        }
    }

    @Test("drop deletes only the named parked event; an unknown id drops nothing")
    func dropOne() async throws {
        try await AdminFixture.with { fixture in
            let failing = FailingSwitch()
            try await Self.withFailingConsumer(fixture, failing: failing) { connection, client in
                let events = (1...2).map { EventEnvelope(type: Self.eventType, source: "tests", subject: "c-\($0)", sequence: 1, data: .object([:])) }
                for event in events { try await Self.publish(event, on: connection) }
                let ids = events.map { $0.id.uuidString.lowercased() }
                var list = try DeadLetters.List.parse([])
                list.broker = try fixture.broker
                #expect(try await eventually { Set((try await list.letters()["reporting"] ?? []).map(\.id)) == Set(ids) }, "both are parked")

                var unknown = try DeadLetters.Drop.parse(["--service", "reporting", UUID().uuidString.lowercased()])
                unknown.broker = try fixture.broker
                #expect(try await unknown.drop().isEmpty)

                var drop = try DeadLetters.Drop.parse(["--service", "reporting", ids[0]])
                drop.broker = try fixture.broker
                #expect(try await drop.drop() == [ids[0]])
                #expect((try await list.letters()["reporting"] ?? []).map(\.id) == [ids[1]])
                #expect(try await Self.applied(events[0].id, client) == (0, 0))
            }
        }
    }

    @Test("replay and drop need ids or --all, and an unknown service is refused")
    func parsing() throws {
        #expect(throws: (any Error).self) { try DeadLetters.Replay.parse(["--service", "reporting"]) }
        #expect(throws: (any Error).self) { try DeadLetters.Drop.parse(["--service", "reporting", "--all", "x"]) }
        #expect(throws: (any Error).self) { try ServiceEntry.named("billing") }
        #expect(try SalesDeskAdmin.parseAsRoot(["dead-letters", "list"]) is DeadLetters.List)
    }
}
