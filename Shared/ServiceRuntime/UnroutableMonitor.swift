public import AMQP
public import Logging
import Metrics
public import ServiceLifecycle

/// Publishes the depth of the `sales.unroutable` queue as the gauge `salesdesk_unroutable_messages`, so an alert
/// (deploy/prometheus/alerts.yml) fires when events are published that no service consumes.
///
/// The queue is bounded by a broker policy (deploy/rabbitmq/policies), so the gauge never passes the limit; a value
/// near it means the oldest unroutable events are being dropped. Every service samples it on its publishing
/// connection; the figure is the broker's, so replicas report the same value.
public final class UnroutableMonitor: Service, Sendable {
    private let connection: AMQPConnection
    private let queue: String
    private let interval: Duration
    private let logger: Logger
    private let gauge: Gauge

    /// Creates a monitor.
    /// - Parameters:
    ///   - connection: a connection of the service (the publisher's).
    ///   - queue: the queue to watch, `sales.unroutable` unless a test says otherwise.
    ///   - interval: the pause between samples.
    ///   - logger: where failed samples are logged (at debug: the connection reports outages itself).
    public init(connection: AMQPConnection, queue: String = SalesDeskTopology.unroutableExchange, interval: Duration = .seconds(60), logger: Logger) {
        self.connection = connection
        self.queue = queue
        self.interval = interval
        self.logger = logger
        self.gauge = Gauge(label: "salesdesk_unroutable_messages", dimensions: [("queue", queue)])
    }

    /// Samples every `interval` until graceful shutdown or cancellation.
    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                _ = try await sample()
            } catch {
                logger.debug("could not read the unroutable queue's depth", metadata: ["error": "\(error)"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            } catch {
                return
            }
        }
    }

    /// Reads the queue's depth now and records it in the gauge.
    /// - Returns: the number of messages in the queue.
    @discardableResult
    public func sample() async throws -> Int {
        let count = try await connection.messageCount(queue: queue)
        gauge.record(count)
        return count
    }
}
