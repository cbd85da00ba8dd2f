import AMQP
import Foundation
import Synchronization
import TestSupport
import Testing

/// Tests that close every broker connection or restart the broker application; the test command runs them alone.
@Suite("AMQP Disruptive", .serialized)
struct AMQPDisruptiveTests {
    @Test("after the broker closes all connections, consumers resume, unacked messages come back and acks of old deliveries are dropped")
    func recoveryAfterForcedClose() async throws {
        let queue = AMQPTest.unique("recover")
        let topology = AMQPTopology(queues: [.quorum(name: queue)])
        try await AMQPTest.withConnection(topology: topology) { connection in
            try await connection.publish(AMQPTest.message("before", id: "before"), exchange: "", routingKey: queue)
            try await withThrowingTaskGroup(of: Void.self) { group in
                defer { group.cancelAll() }
                // Holds deliveries without acking, so the one in hand at the loss must be redelivered.
                let received = Received.consuming(connection, queue: queue, ack: false, in: &group)
                #expect(await eventually(timeout: .seconds(10)) { received.count == 1 })
                let stale = try #require(received.all.first)

                try AMQPTest.closeAllConnections()
                #expect(await eventually(timeout: .seconds(10)) { !connection.isConnected })
                try await connection.waitUntilConnected(timeout: .seconds(90))

                // Dropped silently: its tag belongs to the closed channel.
                await connection.ack(stale)
                try await connection.publish(AMQPTest.message("after", id: "after"), exchange: "", routingKey: queue)
                #expect(
                    await eventually(timeout: .seconds(15)) {
                        Set(received.all.map { $0.message.messageID ?? "" }) == ["before", "after"] && received.count >= 3
                    }
                )
                let redelivered = received.all.dropFirst().first { $0.message.messageID == "before" }
                #expect(redelivered?.redelivered == true)
                for delivery in received.all.dropFirst() { await connection.ack(delivery) }
                #expect(connection.isConnected)
            }
        }
        try await AMQPTest.deleteQueues([queue])
    }

    @Test("a pending RPC call fails promptly with connectionLost when the broker closes the connection, and calls work again after")
    func pendingCallFailsOnLoss() async throws {
        let fixture = RPCFixture()
        let answering = Mutex(false)
        let handler: @Sendable (AMQPDelivery) async -> AMQPMessage = { delivery in
            // Until told otherwise the server sits on requests, so the first call is still pending at the loss.
            while !answering.withLock({ $0 }), !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
            return await RPCFixture.echo(delivery)
        }
        try await fixture.run(serve: handler) { client in
            let start = Mutex<ContinuousClock.Instant?>(nil)
            let call = Task {
                try await client.call(
                    AMQPMessage(body: Array("slow".utf8)),
                    exchange: fixture.exchange,
                    routingKey: fixture.queue,
                    timeout: .seconds(60)
                )
            }
            try await Task.sleep(for: .milliseconds(300))
            start.withLock { $0 = .now }
            try AMQPTest.closeAllConnections()
            let result = await call.result
            let elapsed = ContinuousClock.now - start.withLock { $0! }
            guard case .failure(let error) = result, case .connectionLost(let reason)? = error as? AMQPError else {
                Issue.record("expected connectionLost, got \(result)")
                return
            }
            #expect(reason.contains("320") || reason.contains("closed"))
            #expect(elapsed < .seconds(5))

            answering.withLock { $0 = true }
            try await client.waitUntilConnected(timeout: .seconds(90))
            #expect(
                await eventually(timeout: .seconds(30)) {
                    (try? await client.call(
                        AMQPMessage(body: Array("again".utf8)),
                        exchange: fixture.exchange,
                        routingKey: fixture.queue,
                        timeout: .seconds(2)
                    ))
                    .map { String(decoding: $0.body, as: UTF8.self) == "echo:again" } ?? false
                }
            )
        }
        try await AMQPTest.deleteQueues([fixture.queue])
    }

    @Test("after stop_app and start_app consumers resume, nothing confirmed is lost and pending calls fail promptly")
    func recoveryAfterBrokerRestart() async throws {
        let queue = AMQPTest.unique("restart")
        let topology = AMQPTopology(queues: [.quorum(name: queue)])
        let fixture = RPCFixture()
        let ids = (0..<10).map { "m-\($0)" }
        try await AMQPTest.withConnection(topology: topology) { connection in
            let results = await connection.publish(
                ids.prefix(5).map { AMQPOutgoingMessage(message: AMQPTest.message($0, id: $0), exchange: "", routingKey: queue) }
            )
            #expect(results.allSatisfy { if case .success = $0 { true } else { false } })

            try await withThrowingTaskGroup(of: Void.self) { group in
                defer { group.cancelAll() }
                let received = Received.consuming(connection, queue: queue, ack: true, in: &group)
                #expect(await eventually(timeout: .seconds(10)) { received.count >= 5 })

                try await fixture.run(serve: nil) { client in
                    let call = Task {
                        try await client.call(AMQPMessage(body: []), exchange: fixture.exchange, routingKey: fixture.queue, timeout: .seconds(60))
                    }
                    try await Task.sleep(for: .milliseconds(300))
                    let stopped = ContinuousClock.now
                    try TestEnvironment.rabbitmqctl("stop_app")
                    do {
                        let result = await call.result
                        let elapsed = ContinuousClock.now - stopped
                        guard case .failure(let error) = result, case .connectionLost? = error as? AMQPError else {
                            Issue.record("expected connectionLost, got \(result)")
                            throw CancellationError()
                        }
                        #expect(elapsed < .seconds(10))
                        #expect(!connection.isConnected)
                        await #expect(throws: AMQPError.notConnected) {
                            try await connection.publish(AMQPTest.message("down"), exchange: "", routingKey: queue)
                        }
                    } catch {
                        try TestEnvironment.rabbitmqctl("start_app")
                        throw error
                    }
                    try TestEnvironment.rabbitmqctl("start_app")
                    try await connection.waitUntilConnected(timeout: .seconds(60))
                    try await client.waitUntilConnected(timeout: .seconds(60))
                }

                let more = await connection.publish(
                    ids.suffix(5).map { AMQPOutgoingMessage(message: AMQPTest.message($0, id: $0), exchange: "", routingKey: queue) }
                )
                #expect(more.allSatisfy { if case .success = $0 { true } else { false } })
                #expect(await eventually(timeout: .seconds(20)) { Set(received.all.compactMap(\.message.messageID)) == Set(ids) })
            }
        }
        try await AMQPTest.deleteQueues([queue, fixture.queue])
    }
}
