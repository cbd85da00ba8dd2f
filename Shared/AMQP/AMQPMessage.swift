public import Foundation

/// A message as published or delivered: body plus the AMQP basic properties SalesDesk uses.
public struct AMQPMessage: Sendable, Equatable {
    /// The payload.
    public var body: [UInt8]
    /// MIME type of ``body``, e.g. `application/json`.
    public var contentType: String?
    /// Application message id; consumers deduplicate with it.
    public var messageID: String?
    /// Ties an RPC reply to its request.
    public var correlationID: String?
    /// Where an RPC reply should go (a queue name, or direct reply-to's pseudo queue).
    public var replyTo: String?
    /// Application message type: the event type or RPC operation.
    public var type: String?
    /// Per-message TTL in milliseconds, as a decimal string (AMQP's own encoding).
    public var expiration: String?
    /// Application headers. Published as long strings; delivered integers arrive as their decimal string.
    public var headers: [String: String]
    /// Whether the broker writes the message to disk (delivery mode 2).
    public var persistent: Bool
    /// When the message was created (second precision on the wire).
    public var timestamp: Date?
    /// The publishing application.
    public var appID: String?

    /// Creates a message.
    /// - Parameters:
    ///   - body: the payload.
    ///   - contentType: MIME type of the payload.
    ///   - messageID: application message id.
    ///   - correlationID: RPC correlation id.
    ///   - replyTo: RPC reply address.
    ///   - type: message type (event type or operation).
    ///   - expiration: TTL in milliseconds as a decimal string.
    ///   - headers: application headers.
    ///   - persistent: whether the broker persists the message.
    ///   - timestamp: creation time.
    ///   - appID: the publishing application.
    public init(
        body: [UInt8],
        contentType: String? = nil,
        messageID: String? = nil,
        correlationID: String? = nil,
        replyTo: String? = nil,
        type: String? = nil,
        expiration: String? = nil,
        headers: [String: String] = [:],
        persistent: Bool = true,
        timestamp: Date? = nil,
        appID: String? = nil
    ) {
        self.body = body
        self.contentType = contentType
        self.messageID = messageID
        self.correlationID = correlationID
        self.replyTo = replyTo
        self.type = type
        self.expiration = expiration
        self.headers = headers
        self.persistent = persistent
        self.timestamp = timestamp
        self.appID = appID
    }
}

/// A message the broker delivered to a consumer, with what is needed to acknowledge it.
public struct AMQPDelivery: Sendable {
    /// The message.
    public var message: AMQPMessage
    /// The exchange it was published to.
    public var exchange: String
    /// The routing key it was published with.
    public var routingKey: String
    /// Whether an earlier delivery of this message was not acknowledged.
    public var redelivered: Bool
    /// The broker's tag for this delivery on its channel.
    public var deliveryTag: UInt64
    /// How often a quorum queue delivered this message before (its `x-delivery-count` header); 0 when absent.
    public var deliveryCount: Int
    /// Which channel incarnation delivered it: delivery tags mean nothing on a later one.
    let generation: UInt64

    /// Creates a delivery; the library does this, tests of consumers may too.
    /// - Parameters:
    ///   - message: the message.
    ///   - exchange: the exchange it was published to.
    ///   - routingKey: its routing key.
    ///   - redelivered: whether it was delivered before.
    ///   - deliveryTag: the broker's tag.
    ///   - deliveryCount: quorum-queue delivery count.
    public init(
        message: AMQPMessage,
        exchange: String = "",
        routingKey: String = "",
        redelivered: Bool = false,
        deliveryTag: UInt64 = 0,
        deliveryCount: Int = 0
    ) {
        self.init(
            message: message,
            exchange: exchange,
            routingKey: routingKey,
            redelivered: redelivered,
            deliveryTag: deliveryTag,
            deliveryCount: deliveryCount,
            generation: 0
        )
    }

    init(
        message: AMQPMessage,
        exchange: String,
        routingKey: String,
        redelivered: Bool,
        deliveryTag: UInt64,
        deliveryCount: Int,
        generation: UInt64
    ) {
        self.message = message
        self.exchange = exchange
        self.routingKey = routingKey
        self.redelivered = redelivered
        self.deliveryTag = deliveryTag
        self.deliveryCount = deliveryCount
        self.generation = generation
    }
}

/// One message of a pipelined batch published with ``AMQPConnection``'s `publish(_:)`.
public struct AMQPOutgoingMessage: Sendable {
    /// The message.
    public var message: AMQPMessage
    /// The exchange to publish to (`""` is the default exchange).
    public var exchange: String
    /// The routing key.
    public var routingKey: String
    /// Whether the broker must return the message (→ ``AMQPError/unroutable(exchange:routingKey:)``) when no queue matches.
    public var mandatory: Bool

    /// Creates an outgoing message.
    /// - Parameters:
    ///   - message: the message.
    ///   - exchange: the exchange to publish to.
    ///   - routingKey: the routing key.
    ///   - mandatory: whether an unroutable message is an error.
    public init(message: AMQPMessage, exchange: String, routingKey: String, mandatory: Bool = true) {
        self.message = message
        self.exchange = exchange
        self.routingKey = routingKey
        self.mandatory = mandatory
    }
}
