public import AMQP
public import Contracts
import Foundation
public import Logging
import Metrics
public import Persistence
public import PostgresNIO
public import ServiceLifecycle
import Telemetry

/// The event handlers of a service, by event type; registered in one place and given to ``EventConsumerService``.
///
/// A handler runs inside the transaction that also records the event in the ``Persistence/Inbox``: whatever it
/// writes through the connection commits together with that record, or not at all.
public struct EventHandlerRegistry: Sendable {
    /// Applies one event inside the consumer's transaction.
    public typealias Handler = @Sendable (EventEnvelope, PostgresConnection, Logger) async throws -> Void

    private var handlers: [String: Handler] = [:]

    /// An empty registry.
    public init() {}

    /// Registers the handler for an event type, replacing any earlier one.
    ///
    /// The handler sees only events whose envelope names `source` as their publisher. Any other source is forged or
    /// misrouted: the event is an ``UnprocessableEvent``, parked at once and never applied.
    /// - Parameters:
    ///   - type: the event type (routing key), e.g. `customer.created`.
    ///   - source: the service that owns the event type, e.g. `customers`.
    ///   - handler: applies the event.
    public mutating func register(_ type: String, from source: String, handler: @escaping Handler) {
        handlers[type] = { envelope, connection, logger in
            guard envelope.source == source else {
                logger.error(
                    "event from a service that does not own its type, refusing it",
                    metadata: ["source": "\(envelope.source)", "expectedSource": "\(source)"]
                )
                throw UnprocessableEvent(reason: "\(type) comes only from \(source), not from \(envelope.source)")
            }
            try await handler(envelope, connection, logger)
        }
    }

    /// Registers a handler that receives the typed payload, for events from the type's owner
    /// (``Contracts/DomainEvent/source``) only.
    ///
    /// A payload that does not decode can never succeed, so it is parked at once (``UnprocessableEvent``), and so is an
    /// event whose envelope names another source.
    /// - Parameters:
    ///   - event: the payload type; its ``Contracts/DomainEvent/eventType`` is the key.
    ///   - handler: applies the event; it also gets the envelope (subject, sequence, time).
    public mutating func register<Event: DomainEvent>(
        _ event: Event.Type,
        handler: @escaping @Sendable (Event, EventEnvelope, PostgresConnection, Logger) async throws -> Void
    ) {
        register(Event.eventType, from: Event.source) { envelope, connection, logger in
            let payload: Event
            do {
                payload = try envelope.decodeData(as: Event.self)
            } catch {
                throw UnprocessableEvent(reason: "payload of \(Event.eventType) does not decode: \(error)")
            }
            try await handler(payload, envelope, connection, logger)
        }
    }

    /// The registered event types, sorted: the routing keys the service's queue is bound to.
    public var eventTypes: [String] { handlers.keys.sorted() }

    /// The handler for an event type, if one is registered.
    public func handler(for type: String) -> Handler? { handlers[type] }
}

extension EventConsumerService {
    /// Whether `error` says the database could not be reached or dropped the connection, rather than that the
    /// handler's work failed.
    static func isDatabaseUnavailable(_ error: any Error) -> Bool {
        if let transaction = error as? PostgresTransactionError {
            if transaction.beginError != nil || transaction.commitError != nil { return true }
            return transaction.closureError.map(isDatabaseUnavailable) ?? false
        }
        if error is ConnectionLost { return true }
        guard let error = error as? PSQLError else { return false }
        let lostConnection: [PSQLError.Code] = [.serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown, .poolClosed]
        if lostConnection.contains(error.code) { return true }
        // SQLSTATE class 08 is "connection exception"; 57P01–57P03 are admin/crash shutdown and "cannot connect now".
        guard let state = error.serverInfo?[.sqlState] else { return false }
        return state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state)
    }
}

/// Thrown by a handler for an event that can never be applied (malformed payload, broken invariant): the consumer
/// parks it in the dead-letter queue at once instead of retrying.
public struct UnprocessableEvent: Error, CustomStringConvertible, Sendable {
    /// Why the event cannot be applied.
    public var reason: String

    /// Creates the error.
    public init(reason: String) { self.reason = reason }

    /// The reason.
    public var description: String { reason }
}

/// Consumes a service's event queue and applies each event exactly once.
///
/// For each delivery: an undecodable body is rejected without requeue (the queue dead-letters it to
/// `<service>.events.dead`); an event type without a handler is acked; an event older than the inbox retention is
/// parked (its inbox row may be gone); otherwise one transaction claims the event id
/// in the ``Persistence/Inbox`` and, the first time, runs the handler, and the delivery is acked after the commit. A
/// redelivery finds its claim and is acked without effect. A failing handler (or an unreachable database) is retried
/// in process after `retryBaseDelay × 2ⁿ`; after `maxAttempts` the message is rejected and parked. Up to `prefetch`
/// deliveries are processed at once, so a slow or failing message never holds up the rest of the queue.
///
/// Each event's transaction runs under a watchdog (`transactionDeadline`, see
/// ``Persistence/PostgresSettings/transactionDeadline``): one that has not committed in time is abandoned, its
/// connection closed, and the attempt counts as a failed one. A connection that stops answering therefore costs one
/// attempt, never the consumer.
public final class EventConsumerService: Service, Sendable {
    private let name: String
    private let connection: AMQPConnection
    private let queue: String
    private let client: PostgresClient
    private let registry: EventHandlerRegistry
    private let prefetch: UInt16
    private let maxAttempts: Int
    private let retryBaseDelay: Duration
    private let retention: RetentionPolicy?
    private let transactionDeadline: Duration
    private let parking: ParkingQueue?
    private let logger: Logger
    private let handledCounter: Counter
    private let duplicateCounter: Counter
    private let failedCounter: Counter
    private let deadLetteredCounter: Counter

    /// Creates a consumer.
    /// - Parameters:
    ///   - name: the consumer's name, recorded in the inbox (the service name, e.g. `reporting`).
    ///   - connection: the consuming AMQP connection (declared topology includes `queue`).
    ///   - queue: the queue to consume, e.g. `reporting.events`.
    ///   - client: the service's PostgreSQL client.
    ///   - registry: the handlers.
    ///   - prefetch: unacknowledged deliveries the broker hands out at once, and the processing concurrency.
    ///   - maxAttempts: attempts per delivery before it is parked.
    ///   - retryBaseDelay: the pause after the first failed attempt; it doubles with each further one.
    ///   - retention: when given, an event older than its inbox retention is parked, not applied: its inbox row may be
    ///     pruned already, so a copy of an applied event could not be recognised
    ///     (``Persistence/RetentionPolicy/isTooOldToDeduplicate(eventTime:now:)``).
    ///   - transactionDeadline: the longest one event's transaction may take before it is abandoned and retried.
    ///   - parking: when given, a parked event is published there with the reason in its ``ParkingQueue/errorHeader``
    ///     header (so `salesdesk-admin dead-letters` can show it) and then acked; without it, or when that publish fails,
    ///     the delivery is rejected and the broker dead-letters it without a reason.
    ///   - logger: the consumer's logger.
    public init(
        name: String,
        connection: AMQPConnection,
        queue: String,
        client: PostgresClient,
        registry: EventHandlerRegistry,
        prefetch: UInt16 = 32,
        maxAttempts: Int = 5,
        retryBaseDelay: Duration = .milliseconds(200),
        retention: RetentionPolicy? = nil,
        transactionDeadline: Duration = PostgresSettings.defaultTransactionDeadline,
        parking: ParkingQueue? = nil,
        logger: Logger
    ) {
        self.name = name
        self.connection = connection
        self.queue = queue
        self.client = client
        self.registry = registry
        self.prefetch = max(prefetch, 1)
        self.maxAttempts = max(maxAttempts, 1)
        self.retryBaseDelay = retryBaseDelay
        self.retention = retention
        self.transactionDeadline = transactionDeadline
        self.parking = parking
        var logger = logger
        logger[metadataKey: "queue"] = "\(queue)"
        self.logger = logger
        let dimensions = [("consumer", name)]
        self.handledCounter = Counter(label: "salesdesk_events_handled_total", dimensions: dimensions)
        self.duplicateCounter = Counter(label: "salesdesk_events_duplicates_total", dimensions: dimensions)
        self.failedCounter = Counter(label: "salesdesk_events_failed_attempts_total", dimensions: dimensions)
        self.deadLetteredCounter = Counter(label: "salesdesk_events_dead_lettered_total", dimensions: dimensions)
    }

    /// Consumes until graceful shutdown or cancellation.
    ///
    /// A graceful shutdown drains: the consumer is cancelled at the broker (nothing more is prefetched), the events
    /// being applied finish (one waiting for a retry goes back instead), and the deliveries received but not yet
    /// started are rejected with requeue, so they are applied by another instance or after the restart.
    public func run() async throws {
        let deliveries = connection.consume(queue: queue, prefetch: prefetch)
        let limit = Int(prefetch)
        let logger = self.logger
        try await withThrowingTaskGroup(of: Void.self) { group in
            var inFlight = 0
            var returned = 0
            try await withGracefulShutdownHandler {
                for try await delivery in deliveries {
                    if deliveries.isStopped {
                        await connection.reject(delivery, requeue: true)
                        returned += 1
                        continue
                    }
                    if inFlight >= limit {
                        try await group.next()
                        inFlight -= 1
                    }
                    group.addTask { await self.traced(delivery) }
                    inFlight += 1
                }
            } onGracefulShutdown: {
                logger.info("drain: event consumer stops taking deliveries")
                deliveries.stop()
            }
            try await group.waitForAll()
            if deliveries.isStopped {
                logger.info("drain: event consumer finished the events in hand", metadata: ["requeued": "\(returned)"])
            }
        }
    }

    /// Processes a delivery in a consumer span (issue 13) that continues the trace of the event (its envelope's
    /// `traceparent`, else the message header): the handler's log lines and the events it writes continue the span.
    /// The span names the event type and the consuming service; failed attempts are recorded on it, and an event
    /// parked marks it failed.
    private func traced(_ delivery: AMQPDelivery) async {
        let envelope = try? EventEnvelope.decode(from: delivery.message.body)
        let traceparent = envelope?.traceparent ?? delivery.message.headers[RPC.Header.traceparent]
        let type = envelope?.type ?? delivery.routingKey
        var attributes = [
            "messaging.system": "rabbitmq",
            "messaging.operation.type": "process",
            "messaging.destination.name": queue,
            "messaging.consumer.group.name": name,
            "messaging.rabbitmq.destination.routing_key": delivery.routingKey,
            "salesdesk.event.type": type,
            "salesdesk.service": name,
        ]
        if let envelope { attributes["messaging.message.id"] = envelope.id.uuidString.lowercased() }
        await Spans.run("process \(type)", kind: .consumer, continuing: traceparent, attributes: attributes) { _ in
            await process(delivery)
        }
    }

    private func process(_ delivery: AMQPDelivery) async {
        let envelope: EventEnvelope
        do {
            envelope = try EventEnvelope.decode(from: delivery.message.body)
        } catch {
            logger.error(
                "undecodable event, parking it",
                metadata: ["messageID": "\(delivery.message.messageID ?? "none")", "routingKey": "\(delivery.routingKey)", "error": "\(error)"]
            )
            await park(delivery, reason: "undecodable event: \(error)")
            return
        }
        var logger = self.logger
        logger[metadataKey: "event"] = "\(envelope.id)"
        logger[metadataKey: "eventType"] = "\(envelope.type)"
        if let traceparent = envelope.traceparent { logger[metadataKey: "traceparent"] = "\(traceparent)" }
        guard let handler = registry.handler(for: envelope.type) else {
            logger.debug("no handler for event type, acking")
            TraceSpan.current?.set("salesdesk.event.outcome", "no handler")
            await connection.ack(delivery)
            return
        }
        if let retention, retention.isTooOldToDeduplicate(eventTime: envelope.time, now: Date()) {
            logger.error(
                "event older than the inbox retention, parking it: a copy of an applied event could no longer be recognised",
                metadata: ["eventTime": "\(envelope.time)", "inboxRetention": "\(retention.inbox)"]
            )
            await park(
                delivery,
                reason: "event older than the inbox retention (\(retention.inbox)): a copy of an applied event could no longer be recognised"
            )
            return
        }

        // Handlers stamp the event's `traceparent` on the events they write in turn: when spans are recorded, make it
        // this hop's (the consumer span's), so those events' spans are children of it rather than of the publisher's.
        let continued = {
            guard let span = TraceSpan.current, span.isTraced else { return envelope }
            var continued = envelope
            continued.traceparent = span.trace.traceparent
            return continued
        }()
        let consumer = name
        let transactionLogger = logger
        var attempt = 1
        var outageRetries = 0
        while true {
            do {
                let applied = try await client.withTransaction(deadline: transactionDeadline, logger: transactionLogger) { connection in
                    let logger = transactionLogger
                    guard try await Inbox.claim(messageID: envelope.id, type: envelope.type, consumer: consumer, on: connection, logger: logger)
                    else { return false }
                    try await handler(continued, connection, logger)
                    return true
                }
                (applied ? handledCounter : duplicateCounter).increment()
                TraceSpan.current?.set("salesdesk.event.outcome", applied ? "applied" : "duplicate")
                logger.debug(applied ? "event applied" : "event already applied, acking redelivery")
                await connection.ack(delivery)
                return
            } catch {
                failedCounter.increment()
                let cause = (error as? PostgresTransactionError).flatMap { $0.closureError ?? $0.beginError ?? $0.commitError } ?? error
                TraceSpan.current?.recordError(cause, failing: false)
                let delay: Duration
                if Self.isDatabaseUnavailable(error) {
                    // An outage is not the event's fault: parking every event in flight during a database restart
                    // would need an operator to replay them all. Keep retrying (the prefetch bounds what is held)
                    // until the database is back or the service shuts down.
                    outageRetries += 1
                    delay = min(retryBaseDelay * (1 << min(outageRetries - 1, 20)), .seconds(10))
                    logger.warning(
                        "database unavailable, retrying event",
                        metadata: ["retryIn": "\(delay)", "error": "\(String(reflecting: cause))"]
                    )
                } else if cause is UnprocessableEvent || attempt >= maxAttempts {
                    logger.error(
                        "event handler failed, parking the event",
                        metadata: ["attempts": "\(attempt)", "error": "\(String(reflecting: cause))"]
                    )
                    await park(delivery, reason: "after \(attempt) attempt(s): \(String(reflecting: cause))")
                    return
                } else {
                    delay = retryBaseDelay * (1 << min(attempt - 1, 20))
                    attempt += 1
                    logger.warning(
                        "event handler failed, retrying",
                        metadata: ["attempt": "\(attempt - 1)", "retryIn": "\(delay)", "error": "\(String(reflecting: cause))"]
                    )
                }
                do {
                    // A drain does not wait out a retry: the delivery goes back to the queue for the next consumer.
                    guard !Task.isShuttingDownGracefully else { throw CancellationError() }
                    try await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
                } catch {
                    TraceSpan.current?.set("salesdesk.event.outcome", "requeued")
                    await connection.reject(delivery, requeue: true)
                    return
                }
            }
        }
    }

    /// Parks a delivery: a copy carrying `reason` goes to the parking queue and the original is acked, or, without a
    /// parking queue (or when the copy cannot be published), the delivery is rejected for the broker to dead-letter.
    private func park(_ delivery: AMQPDelivery, reason: String) async {
        deadLetteredCounter.increment()
        TraceSpan.current?.set("salesdesk.event.outcome", "parked")
        TraceSpan.current?.fail("parked: \(reason.prefix(ParkingQueue.maximumErrorLength))")
        guard let parking else {
            await connection.reject(delivery, requeue: false)
            return
        }
        var message = delivery.message
        message.headers["x-delivery-count"] = nil
        message.headers[ParkingQueue.errorHeader] = String(reason.prefix(ParkingQueue.maximumErrorLength))
        message.headers[ParkingQueue.queueHeader] = queue
        message.headers[ParkingQueue.routingKeyHeader] = delivery.routingKey
        message.headers[ParkingQueue.parkedAtHeader] = Date().formatted(.iso8601)
        do {
            try await connection.publish(message, exchange: parking.exchange, routingKey: parking.queue)
            await connection.ack(delivery)
        } catch {
            logger.warning("could not publish the parked copy, rejecting the delivery instead", metadata: ["error": "\(error)"])
            await connection.reject(delivery, requeue: false)
        }
    }
}

/// Where an ``EventConsumerService`` parks the events it gives up on, with the reason in a header.
public struct ParkingQueue: Sendable, Equatable {
    /// The header holding why the event was parked (the handler's error, at most ``maximumErrorLength`` characters).
    public static let errorHeader = "x-salesdesk-error"
    /// The header naming the queue the event was consumed from.
    public static let queueHeader = "x-salesdesk-queue"
    /// The header holding the routing key (event type) the event was delivered with.
    public static let routingKeyHeader = "x-salesdesk-routing-key"
    /// The header holding when the event was parked (ISO 8601).
    public static let parkedAtHeader = "x-salesdesk-parked-at"
    /// The longest reason kept in ``errorHeader``.
    public static let maximumErrorLength = 2_000

    /// The exchange the parked copy is published to.
    public var exchange: String
    /// The parking queue, used as the routing key.
    public var queue: String

    /// Creates a parking destination.
    public init(exchange: String, queue: String) {
        self.exchange = exchange
        self.queue = queue
    }
}
