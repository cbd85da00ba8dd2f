public import AMQP
public import Contracts
import Foundation
public import Logging
public import Persistence

/// Publishes outbox batches to the events exchange with publisher confirms, for ``Persistence/OutboxRelay``.
///
/// Each envelope becomes a persistent message with routing key and AMQP `type` = the event type and `message_id` =
/// the event id. Messages are not `mandatory`: `sales.events` has an alternate exchange that keeps what no queue is
/// bound for, so an event nobody consumes yet is still confirmed rather than returned and retried forever.
public struct AMQPOutboxPublisher: OutboxPublisher {
    private let connection: AMQPConnection
    private let exchange: String
    private let logger: Logger

    /// Creates a publisher.
    /// - Parameters:
    ///   - connection: a connection with publisher confirms (the service's publishing connection).
    ///   - exchange: the events exchange; tests pass a prefixed name.
    ///   - logger: where encoding and publish failures are logged.
    public init(connection: AMQPConnection, exchange: String = "sales.events", logger: Logger = Logger(label: "salesdesk.outbox")) {
        self.connection = connection
        self.exchange = exchange
        self.logger = logger
    }

    /// Publishes the batch and waits for the broker's confirms.
    /// - Returns: per envelope, `true` when the broker confirmed it.
    public func publish(_ envelopes: [EventEnvelope]) async -> [Bool] {
        var confirmed = [Bool](repeating: false, count: envelopes.count)
        var outgoing: [AMQPOutgoingMessage] = []
        var positions: [Int] = []
        for (index, envelope) in envelopes.enumerated() {
            do {
                outgoing.append(
                    AMQPOutgoingMessage(message: try Self.message(for: envelope), exchange: exchange, routingKey: envelope.type, mandatory: false)
                )
                positions.append(index)
            } catch {
                logger.error("cannot encode event", metadata: ["event": "\(envelope.id)", "error": "\(error)"])
            }
        }
        guard !outgoing.isEmpty else { return confirmed }
        let results = await connection.publish(outgoing)
        for (position, result) in zip(positions, results) {
            switch result {
            case .success:
                confirmed[position] = true
            case .failure(let error):
                logger.debug("event not confirmed", metadata: ["event": "\(envelopes[position].id)", "error": "\(error)"])
            }
        }
        return confirmed
    }

    /// The AMQP message for an event envelope.
    /// - Parameter envelope: the event.
    /// - Throws: an encoding error.
    public static func message(for envelope: EventEnvelope) throws -> AMQPMessage {
        var headers: [String: String] = [:]
        if let traceparent = envelope.traceparent { headers["traceparent"] = traceparent }
        return AMQPMessage(
            body: try envelope.encoded(),
            contentType: "application/json",
            messageID: envelope.id.uuidString.lowercased(),
            type: envelope.type,
            headers: headers,
            persistent: true,
            timestamp: envelope.time,
            appID: envelope.source
        )
    }
}
