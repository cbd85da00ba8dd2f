public import AMQP
public import Contracts
import Foundation
public import Logging
public import Persistence
import Telemetry

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
    ///
    /// Each event is published in a producer span (issue 13) that continues the event's `traceparent` and lasts until
    /// the broker's verdict; when a tracer records it, the message's `traceparent` (envelope and header) names the span,
    /// so the consumers' spans are its children. An event the broker did not confirm marks its span failed.
    /// - Returns: per envelope, `true` when the broker confirmed it.
    public func publish(_ envelopes: [EventEnvelope]) async -> [Bool] {
        var confirmed = [Bool](repeating: false, count: envelopes.count)
        var outgoing: [AMQPOutgoingMessage] = []
        var positions: [Int] = []
        var spans: [TraceSpan] = []
        for (index, envelope) in envelopes.enumerated() {
            let span = Spans.start(
                "publish \(envelope.type)",
                kind: .producer,
                continuing: envelope.traceparent,
                attributes: [
                    "messaging.system": "rabbitmq",
                    "messaging.operation.type": "send",
                    "messaging.destination.name": exchange,
                    "messaging.rabbitmq.destination.routing_key": envelope.type,
                    "messaging.message.id": envelope.id.uuidString.lowercased(),
                    "salesdesk.event.type": envelope.type,
                    "salesdesk.event.source": envelope.source,
                ]
            )
            var traced = envelope
            if span.isTraced { traced.traceparent = span.trace.traceparent }
            do {
                outgoing.append(
                    AMQPOutgoingMessage(message: try Self.message(for: traced), exchange: exchange, routingKey: envelope.type, mandatory: false)
                )
                positions.append(index)
                spans.append(span)
            } catch {
                logger.error("cannot encode event", metadata: ["event": "\(envelope.id)", "error": "\(error)"])
                span.recordError(error)
                span.end()
            }
        }
        guard !outgoing.isEmpty else { return confirmed }
        let results = await connection.publish(outgoing)
        for (offset, position) in positions.enumerated() {
            let span = spans[offset]
            defer { span.end() }
            guard offset < results.count else {
                span.fail("the broker gave no verdict")
                continue
            }
            switch results[offset] {
            case .success:
                confirmed[position] = true
            case .failure(let error):
                span.recordError(error)
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
