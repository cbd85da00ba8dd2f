import AMQP
import Foundation
import Logging
import ServiceRuntime
import Synchronization
import TestSupport

/// One poison message to each consumer queue (a body that is not an event), and what the services parked.
final class PoisonMessages: Sendable {
    /// A message found in a parking queue.
    struct Parked: Sendable {
        var queue: String
        var messageID: String?
        /// The reason the consumer recorded (``ServiceRuntime/ParkingQueue/errorHeader``).
        var error: String?
    }

    private let sent = Mutex<[String: String]>([:])

    /// The id of the poison message sent to each service's queue.
    var ids: [String: String] { sent.withLock { $0 } }

    /// Runs `body` with a connection to the system's vhost as the broker's admin user.
    static func withConnection<T: Sendable>(
        _ system: SalesDeskSystem,
        _ broker: PrivateRabbitMQ,
        logger: Logger,
        _ body: @Sendable (AMQPConnection) async throws -> T
    ) async throws -> T {
        let url = "amqp://salesdesk:salesdesk-local@127.0.0.1:\(broker.port)/\(system.vhost)"
        let connection = AMQPConnection(configuration: try AMQPConfiguration(url: url, connectionName: "soak"), logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await connection.run() }
            defer { group.cancelAll() }
            try await connection.waitUntilConnected(timeout: .seconds(60))
            return try await body(connection)
        }
    }

    /// Publishes one poison message straight into each consumer's event queue.
    func deliver(to system: SalesDeskSystem, broker: PrivateRabbitMQ, consumers: [String], logger: Logger) async throws {
        try await Self.withConnection(system, broker, logger: logger) { connection in
            for service in consumers {
                let id = UUID().uuidString.lowercased()
                let message = AMQPMessage(body: Array("soak poison: not an event \(id)".utf8), contentType: "application/json", messageID: id)
                try await connection.publish(message, exchange: "", routingKey: SalesDeskTopology.eventQueue(of: service))
                sent.withLock { $0[service] = id }
            }
        }
    }

    /// How many consumers' parking queues hold at least one message.
    func parkedCount(on system: SalesDeskSystem, broker: PrivateRabbitMQ, logger: Logger) async -> Int {
        let services = Array(ids.keys)
        return
            (try? await Self.withConnection(system, broker, logger: logger) { connection in
                var count = 0
                for service in services {
                    let parked = (try? await connection.messageCount(queue: SalesDeskTopology.deadLetterQueue(of: service))) ?? 0
                    if parked > 0 { count += 1 }
                }
                return count
            }) ?? 0
    }

    /// Takes every message out of each consumer's parking queue (the run is over; nobody replays them).
    static func drainParked(_ system: SalesDeskSystem, _ broker: PrivateRabbitMQ, consumers: [String], logger: Logger) async throws -> [Parked] {
        try await withConnection(system, broker, logger: logger) { connection in
            var parked: [Parked] = []
            for service in consumers {
                let queue = SalesDeskTopology.deadLetterQueue(of: service)
                let count = try await connection.messageCount(queue: queue)
                guard count > 0 else { continue }
                let deliveries = connection.consume(queue: queue, prefetch: UInt16(min(count, 1000)))
                let taken = try await withThrowingTaskGroup(of: [Parked]?.self) { group in
                    group.addTask {
                        var taken: [Parked] = []
                        for try await delivery in deliveries {
                            let message = delivery.message
                            taken.append(Parked(queue: queue, messageID: message.messageID, error: message.headers[ParkingQueue.errorHeader]))
                            await connection.ack(delivery)
                            if taken.count >= count { break }
                        }
                        return taken
                    }
                    group.addTask {
                        try await Task.sleep(for: .seconds(30))
                        return nil
                    }
                    defer { group.cancelAll() }
                    return try await group.next() ?? nil
                }
                deliveries.stop()
                parked += taken ?? [Parked(queue: queue, messageID: nil, error: "could not read the \(count) parked messages within 30 s")]
            }
            return parked
        }
    }
}
