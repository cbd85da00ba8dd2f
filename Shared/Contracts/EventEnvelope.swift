public import Foundation

/// The JSON envelope every SalesDesk event travels in, modelled on CloudEvents 1.0.
///
/// The routing key of the AMQP message is ``type``, its `message_id` is ``id``. ``sequence`` is the version of the
/// aggregate named by ``subject`` after the change, strictly increasing, so consumers can tolerate out-of-order
/// delivery by ignoring anything older than what they already applied.
public struct EventEnvelope: Codable, Sendable, Equatable {
    public var specversion: String
    /// Unique id of this event; consumers record it in their inbox to apply it once.
    public var id: UUID
    /// Event type, past tense, `<aggregate>.<fact>`, e.g. `customer.created`.
    public var type: String
    /// The service that emitted the event, e.g. `customers`.
    public var source: String
    /// When the change happened.
    public var time: Date
    /// The aggregate id the event is about.
    public var subject: String
    /// The aggregate's version after this change.
    public var sequence: Int64
    public var datacontenttype: String
    /// The event payload.
    public var data: JSONValue
    /// W3C trace context of the request that caused the change, when there was one.
    public var traceparent: String?

    /// Creates an envelope.
    public init(
        id: UUID = UUID(),
        type: String,
        source: String,
        time: Date = Date(),
        subject: String,
        sequence: Int64,
        data: JSONValue,
        traceparent: String? = nil
    ) {
        self.specversion = "1.0"
        self.id = id
        self.type = type
        self.source = source
        self.time = time
        self.subject = subject
        self.sequence = sequence
        self.datacontenttype = "application/json"
        self.data = data
        self.traceparent = traceparent
    }

    /// Wraps a typed ``DomainEvent`` in an envelope.
    /// - Parameters:
    ///   - event: the payload; its ``DomainEvent/eventType`` becomes ``type``.
    ///   - source: the emitting service.
    ///   - subject: the aggregate id.
    ///   - sequence: the aggregate version after the change.
    public init<Event: DomainEvent>(
        _ event: Event,
        source: String,
        subject: String,
        sequence: Int64,
        time: Date = Date(),
        traceparent: String? = nil
    ) throws {
        self.init(
            type: Event.eventType,
            source: source,
            time: time,
            subject: subject,
            sequence: sequence,
            data: try JSONValue(encoding: event),
            traceparent: traceparent
        )
    }

    /// Decodes ``data`` as the given event type.
    public func decodeData<Event: DomainEvent>(as type: Event.Type = Event.self) throws -> Event {
        try data.decode(as: Event.self)
    }

    /// The envelope as JSON bytes (ISO 8601 times with fractional seconds).
    public func encoded() throws -> [UInt8] {
        Array(try JSONCoding.encoder.encode(self))
    }

    /// Parses an envelope from JSON bytes.
    public static func decode(from bytes: some Collection<UInt8>) throws -> EventEnvelope {
        try JSONCoding.decoder.decode(EventEnvelope.self, from: Data(bytes))
    }
}

/// A typed event payload with its routing key and the service that owns it.
public protocol DomainEvent: Codable, Sendable {
    /// The event type, `<aggregate>.<fact>`.
    static var eventType: String { get }
    /// The service that owns the event's aggregate and alone publishes it, as its envelopes' ``EventEnvelope/source``.
    ///
    /// Consumers accept the event only from that service (`EventHandlerRegistry` checks it), so a service that can
    /// reach the exchange cannot pass its messages off as another's. Each aggregate declares it once, through its
    /// protocol (``UserEvent``, ``CustomerEvent``, ``DealEvent``, ``ContractEvent``, ``ApprovalEvent``).
    static var source: String { get }
}
