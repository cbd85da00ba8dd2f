import Foundation
import Synchronization
import TestSupport
import Testing

@testable import AMQP

@Suite("AMQP connection")
struct AMQPConnectionTests {
    @Test("a published message is confirmed and arrives with its properties and headers")
    func publishConfirmAndConsume() async throws {
        let queue = AMQPTest.unique("confirm")
        let topology = AMQPTopology(queues: [.init(name: queue, durable: false, autoDelete: true)])
        try await AMQPTest.withConnection(topology: topology) { connection in
            let stamp = Date(timeIntervalSince1970: 1_700_000_000)
            var message = AMQPTest.message("hello", id: "m-1", headers: ["x-user-id": "u-7", "traceparent": "00-abc"])
            message.correlationID = "c-1"
            message.timestamp = stamp
            message.appID = "tests"
            try await connection.publish(message, exchange: "", routingKey: queue)

            try await withThrowingTaskGroup(of: Void.self) { group in
                defer { group.cancelAll() }
                let received = Received.consuming(connection, queue: queue, ack: true, in: &group)
                #expect(await eventually(timeout: .seconds(10)) { received.count == 1 })
                let delivery = try #require(received.all.first)
                #expect(delivery.message.body == Array("hello".utf8))
                #expect(delivery.message.messageID == "m-1")
                #expect(delivery.message.correlationID == "c-1")
                #expect(delivery.message.contentType == "text/plain")
                #expect(delivery.message.type == "test.message")
                #expect(delivery.message.headers == ["x-user-id": "u-7", "traceparent": "00-abc"])
                #expect(delivery.message.persistent)
                #expect(delivery.message.timestamp == stamp)
                #expect(delivery.message.appID == "tests")
                #expect(delivery.routingKey == queue)
                #expect(!delivery.redelivered)
            }
        }
    }

    @Test("an idle connection outlives three heartbeat intervals")
    func idleHeartbeats() async throws {
        var configuration = try AMQPTest.configuration(name: "amqp-heartbeat")
        configuration.heartbeatSeconds = 1
        let queue = AMQPTest.unique("idle")
        let connection = AMQPConnection(
            configuration: configuration,
            topology: AMQPTopology(queues: [.init(name: queue, durable: false, autoDelete: true)]),
            logger: AMQPTest.logger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            defer { group.cancelAll() }
            group.addTask { try await connection.run() }
            try await connection.waitUntilConnected(timeout: .seconds(90))
            let lost = Mutex(false)
            connection.onLoss { _ in lost.withLock { $0 = true } }
            // The duration is the behaviour under test (the broker drops peers silent for 2 intervals), not a wait for an event.
            try await Task.sleep(for: .seconds(4))
            #expect(!lost.withLock { $0 })
            #expect(connection.isConnected)
            try await connection.publish(AMQPTest.message("still here"), exchange: "", routingKey: queue)
        }
    }

    @Test("a mandatory message to an exchange without bindings fails as unroutable")
    func unroutable() async throws {
        let exchange = AMQPTest.unique("nobody")
        let topology = AMQPTopology(exchanges: [.init(name: exchange, kind: .direct, durable: false)])
        try await AMQPTest.withConnection(topology: topology) { connection in
            await #expect(throws: AMQPError.unroutable(exchange: exchange, routingKey: "key")) {
                try await connection.publish(AMQPTest.message("lost"), exchange: exchange, routingKey: "key")
            }
            // Not mandatory: the broker drops it and still confirms.
            try await connection.publish(AMQPTest.message("dropped"), exchange: exchange, routingKey: "key", mandatory: false)
        }
    }

    @Test("a pipelined batch reports each message's own result, in order")
    func batchResults() async throws {
        let exchange = AMQPTest.unique("batch")
        let queue = AMQPTest.unique("batch")
        let topology = AMQPTopology(
            exchanges: [.init(name: exchange, kind: .direct, durable: false)],
            queues: [.init(name: queue, durable: false, autoDelete: true)],
            bindings: [.init(queue: queue, exchange: exchange, routingKey: "routed")]
        )
        try await AMQPTest.withConnection(topology: topology) { connection in
            let keys = (0..<50).map { $0 % 10 == 3 ? "unbound" : "routed" }
            let results = await connection.publish(
                keys.map { AMQPOutgoingMessage(message: AMQPTest.message($0), exchange: exchange, routingKey: $0) }
            )
            #expect(results.count == keys.count)
            for (key, result) in zip(keys, results) {
                switch result {
                case .success: #expect(key == "routed")
                case .failure(let error): #expect(key == "unbound" && error == .unroutable(exchange: exchange, routingKey: "unbound"))
                }
            }
        }
    }

    @Test("publishing to a missing exchange fails with channelClosed and the connection recovers")
    func missingExchange() async throws {
        let queue = AMQPTest.unique("after404")
        try await AMQPTest.withConnection(topology: AMQPTopology(queues: [.init(name: queue, durable: false, autoDelete: true)])) { connection in
            await #expect {
                try await connection.publish(AMQPTest.message("x"), exchange: AMQPTest.unique("missing"), routingKey: "k")
            } throws: { error in
                guard case .channelClosed(let code, _) = error as? AMQPError else { return false }
                return code == 404
            }
            try await connection.waitUntilConnected(timeout: .seconds(10))
            try await connection.publish(AMQPTest.message("y"), exchange: "", routingKey: queue)
        }
    }

    @Test("an acked message is gone; an unacked one is redelivered after its connection closes")
    func ackAndRedelivery() async throws {
        let queue = AMQPTest.unique("ack")
        let topology = AMQPTopology(queues: [.init(name: queue)])
        // First connection: acks "one", leaves "two" unacked, then closes.
        try await AMQPTest.withConnection(topology: topology) { connection in
            try await connection.publish(AMQPTest.message("one"), exchange: "", routingKey: queue)
            try await connection.publish(AMQPTest.message("two"), exchange: "", routingKey: queue)
            try await withThrowingTaskGroup(of: Void.self) { group in
                defer { group.cancelAll() }
                let consumer = connection.consume(queue: queue, prefetch: 10)
                var iterator = consumer.makeAsyncIterator()
                let first = try #require(try await iterator.next())
                #expect(String(decoding: first.message.body, as: UTF8.self) == "one")
                await connection.ack(first)
                let second = try #require(try await iterator.next())
                #expect(String(decoding: second.message.body, as: UTF8.self) == "two")
                #expect(!second.redelivered)
            }
        }
        // Second connection: only "two" comes back, marked redelivered; a marker published after it proves "one" is gone.
        try await AMQPTest.withConnection(topology: topology) { connection in
            try await connection.publish(AMQPTest.message("marker"), exchange: "", routingKey: queue)
            await withThrowingTaskGroup(of: Void.self) { group in
                defer { group.cancelAll() }
                let received = Received.consuming(connection, queue: queue, ack: true, in: &group)
                #expect(await eventually(timeout: .seconds(10)) { received.count == 2 })
                #expect(received.texts == ["two", "marker"])
                #expect(received.all.first?.redelivered == true)
            }
        }
        try await AMQPTest.deleteQueues([queue])
    }

    @Test("a rejected message lands in the quorum queue's dead-letter queue")
    func rejectDeadLetters() async throws {
        let dead = AMQPTest.unique("dead")
        let queue = AMQPTest.unique("work")
        let deadExchange = AMQPTest.unique("dlx")
        let topology = AMQPTopology(
            exchanges: [.init(name: deadExchange, kind: .direct, durable: false)],
            queues: [
                .quorum(name: queue, deadLetterExchange: deadExchange, deadLetterRoutingKey: dead, deliveryLimit: 5),
                .quorum(name: dead),
            ],
            bindings: [.init(queue: dead, exchange: deadExchange, routingKey: dead)]
        )
        try await AMQPTest.withConnection(topology: topology) { connection in
            try await connection.publish(AMQPTest.message("poison", id: "p-1"), exchange: "", routingKey: queue)
            let consumer = connection.consume(queue: queue, prefetch: 1)
            var iterator = consumer.makeAsyncIterator()
            let first = try #require(try await iterator.next())
            #expect(first.deliveryCount == 0)
            await connection.reject(first, requeue: true)
            let second = try #require(try await iterator.next())
            #expect(second.message.messageID == "p-1")
            #expect(second.deliveryCount == 1)
            await connection.reject(second, requeue: false)

            let deadConsumer = connection.consume(queue: dead, prefetch: 1)
            var deadIterator = deadConsumer.makeAsyncIterator()
            let parked = try #require(try await deadIterator.next())
            #expect(parked.message.messageID == "p-1")
            #expect(parked.message.body == Array("poison".utf8))
            await connection.ack(parked)
        }
        try await AMQPTest.deleteQueues([queue, dead])
    }
}

extension AMQPTest {
    /// Quorum and durable test queues outlive their connection; remove them so the broker does not fill up.
    static func deleteQueues(_ names: [String]) async throws {
        let url = try TestEnvironment.amqpURL()
        let vhost = try AMQPConfiguration(url: url).vhost
        for name in names { _ = try? TestEnvironment.rabbitmqctl("delete_queue", "-p", vhost, name) }
    }

    /// Makes the broker close every connection of the test vhost (without `--vhost` rabbitmqctl only looks at `/`).
    static func closeAllConnections() throws {
        let vhost = try AMQPConfiguration(url: try TestEnvironment.amqpURL()).vhost
        try TestEnvironment.rabbitmqctl("close_all_connections", "--vhost", vhost, "test")
    }
}
