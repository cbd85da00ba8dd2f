import AMQP
import Foundation
import Logging
import Synchronization
import TestSupport

/// Shared set-up for the AMQP tests: connections to the test broker and names no other test uses.
enum AMQPTest {
    static func configuration(name: String = "amqp-tests") throws -> AMQPConfiguration {
        try AMQPConfiguration(url: try TestEnvironment.amqpURL(), connectionName: name)
    }

    static func unique(_ prefix: String) -> String { "test.\(prefix).\(TestEnvironment.uniqueSuffix())" }

    static var logger: Logger {
        var logger = Logger(label: "amqp-tests")
        logger.logLevel = .info
        return logger
    }

    /// Runs `body` with a running, connected connection, and stops it afterwards.
    static func withConnection<T: Sendable>(
        topology: AMQPTopology = .init(),
        name: String = "amqp-tests",
        _ body: (AMQPConnection) async throws -> T
    ) async throws -> T {
        let connection = AMQPConnection(configuration: try configuration(name: name), topology: topology, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await connection.run() }
            defer { group.cancelAll() }
            try await connection.waitUntilConnected(timeout: .seconds(90))
            return try await body(connection)
        }
    }

    static func message(_ text: String, id: String = UUID().uuidString, headers: [String: String] = [:]) -> AMQPMessage {
        AMQPMessage(body: Array(text.utf8), contentType: "text/plain", messageID: id, type: "test.message", headers: headers)
    }
}

/// Collects what a consumer receives so tests can poll for it.
final class Received: Sendable {
    private let deliveries = Mutex<[AMQPDelivery]>([])

    var all: [AMQPDelivery] { deliveries.withLock { $0 } }
    var count: Int { deliveries.withLock { $0.count } }
    var texts: [String] { all.map { String(decoding: $0.message.body, as: UTF8.self) } }

    func append(_ delivery: AMQPDelivery) { deliveries.withLock { $0.append(delivery) } }

    /// Consumes `queue` in a child task of `group` until the group is cancelled, acking each delivery when `ack`.
    static func consuming(
        _ connection: AMQPConnection,
        queue: String,
        ack: Bool,
        in group: inout ThrowingTaskGroup<Void, any Error>
    ) -> Received {
        let received = Received()
        let consumer = connection.consume(queue: queue, prefetch: 10)
        group.addTask {
            for try await delivery in consumer {
                received.append(delivery)
                if ack { await connection.ack(delivery) }
            }
        }
        return received
    }
}
