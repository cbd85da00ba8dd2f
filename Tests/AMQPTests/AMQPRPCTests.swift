import AMQP
import Foundation
import TestSupport
import Testing

/// An RPC server and client wired to a fresh exchange and queue.
struct RPCFixture {
    let exchange = AMQPTest.unique("rpc")
    let queue = AMQPTest.unique("rpc")

    var topology: AMQPTopology {
        AMQPTopology(
            exchanges: [.init(name: exchange, kind: .direct, durable: false)],
            queues: [.init(name: queue, durable: false, autoDelete: false)],
            bindings: [.init(queue: queue, exchange: exchange, routingKey: queue)]
        )
    }

    /// Runs `body` with a connected client; `serve` decides whether an answering server runs on its own connection.
    func run(
        serve handler: (@Sendable (AMQPDelivery) async -> AMQPMessage)?,
        _ body: (AMQPRPCClient) async throws -> Void
    ) async throws {
        let serverConnection = AMQPConnection(
            configuration: try AMQPTest.configuration(name: "rpc-server"),
            topology: topology,
            logger: AMQPTest.logger
        )
        let client = AMQPRPCClient(configuration: try AMQPTest.configuration(name: "rpc-client"), topology: topology, logger: AMQPTest.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            defer { group.cancelAll() }
            group.addTask { try await serverConnection.run() }
            group.addTask { try await client.run() }
            if let handler {
                let server = AMQPRPCServer(connection: serverConnection, queue: queue, prefetch: 8, logger: AMQPTest.logger, handler: handler)
                group.addTask { try await server.run() }
            }
            try await serverConnection.waitUntilConnected(timeout: .seconds(90))
            try await client.waitUntilConnected(timeout: .seconds(90))
            try await body(client)
        }
    }

    static func echo(_ delivery: AMQPDelivery) async -> AMQPMessage {
        AMQPMessage(
            body: Array("echo:".utf8) + delivery.message.body,
            contentType: "text/plain",
            headers: ["x-status": "200", "x-seen-user": delivery.message.headers["x-user-id"] ?? ""],
            persistent: false
        )
    }
}

@Suite("AMQP RPC", .timeLimit(.minutes(2)))
struct AMQPRPCTests {
    @Test("a call gets the server's reply, with concurrent calls matched to their own replies")
    func roundTrip() async throws {
        let fixture = RPCFixture()
        try await fixture.run(serve: RPCFixture.echo) { client in
            let request = AMQPMessage(body: Array("ping".utf8), type: "test.ping", headers: ["x-user-id": "u-1"])
            let reply = try await client.call(request, exchange: fixture.exchange, routingKey: fixture.queue, timeout: .seconds(10))
            #expect(String(decoding: reply.body, as: UTF8.self) == "echo:ping")
            #expect(reply.headers["x-status"] == "200")
            #expect(reply.headers["x-seen-user"] == "u-1")

            try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for index in 0..<20 {
                    group.addTask {
                        let reply = try await client.call(
                            AMQPMessage(body: Array("\(index)".utf8)),
                            exchange: fixture.exchange,
                            routingKey: fixture.queue,
                            timeout: .seconds(10)
                        )
                        return (index, String(decoding: reply.body, as: UTF8.self))
                    }
                }
                for try await (index, text) in group { #expect(text == "echo:\(index)") }
            }
        }
        try await AMQPTest.deleteQueues([fixture.queue])
    }

    @Test("a call nobody answers fails with timeout at its deadline, never hangs")
    func timeout() async throws {
        let fixture = RPCFixture()
        try await fixture.run(serve: nil) { client in
            let start = ContinuousClock.now
            await #expect(throws: AMQPError.timeout) {
                _ = try await client.call(AMQPMessage(body: []), exchange: fixture.exchange, routingKey: fixture.queue, timeout: .seconds(1))
            }
            // It waited for its deadline; that it does not hang is the suite's time limit's to prove, not a clock's.
            #expect(ContinuousClock.now - start >= .seconds(1))
        }
        try await AMQPTest.deleteQueues([fixture.queue])
    }

    @Test("a call to a routing key without a queue fails as unroutable at once")
    func unroutableCall() async throws {
        let fixture = RPCFixture()
        try await fixture.run(serve: RPCFixture.echo) { client in
            // With a deadline far beyond the suite's time limit, failing with `unroutable` (not `timeout`) proves the
            // call failed when the broker returned the message, not at its deadline.
            await #expect(throws: AMQPError.unroutable(exchange: fixture.exchange, routingKey: "nobody.rpc")) {
                _ = try await client.call(AMQPMessage(body: []), exchange: fixture.exchange, routingKey: "nobody.rpc", timeout: .seconds(600))
            }
        }
        try await AMQPTest.deleteQueues([fixture.queue])
    }

    @Test("a call while the client is not running fails at once with notConnected")
    func callWhileDown() async throws {
        let client = AMQPRPCClient(configuration: try AMQPTest.configuration(), logger: AMQPTest.logger)
        await #expect(throws: AMQPError.notConnected) {
            _ = try await client.call(AMQPMessage(body: []), exchange: "x", routingKey: "y", timeout: .seconds(5))
        }
    }
}
