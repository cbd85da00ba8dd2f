public import AMQP
import Contracts

/// The broker topology every SalesDesk service declares: exchanges shared by all, and per-service queues.
///
/// Names are in docs/PLATFORM-DESIGN.md. Declaring is idempotent, so every instance declares what it uses
/// before it publishes or consumes, and again after each reconnect.
public enum SalesDeskTopology {
    /// The topic exchange events are published to; routing key = event type.
    public static let eventsExchange = "sales.events"
    /// The direct exchange parked (dead-lettered) messages go to; routing key = the parking queue's name.
    public static let deadLetterExchange = "sales.dead"
    /// Where `sales.events` sends what no queue is bound for, so nothing published disappears unnoticed.
    public static let unroutableExchange = "sales.unroutable"
    /// How often a message may be delivered before the broker parks it (a handler that crashes the process).
    public static let deliveryLimit: Int64 = 20

    /// The exchanges, plus the queue that keeps unroutable events.
    public static var exchanges: AMQPTopology {
        AMQPTopology(
            exchanges: [
                .init(name: unroutableExchange, kind: .fanout),
                .init(name: eventsExchange, kind: .topic, arguments: ["alternate-exchange": .string(unroutableExchange)]),
                .init(name: RPC.exchange, kind: .direct),
                .init(name: deadLetterExchange, kind: .direct),
            ],
            queues: [.quorum(name: unroutableExchange, deadLetterExchange: nil, deadLetterRoutingKey: nil, deliveryLimit: nil)],
            bindings: [.init(queue: unroutableExchange, exchange: unroutableExchange, routingKey: "")]
        )
    }

    /// The name of a service's event queue.
    public static func eventQueue(of service: String) -> String { "\(service).events" }

    /// The name of a service's parking queue.
    public static func deadLetterQueue(of service: String) -> String { "\(service).events.dead" }

    /// A service's event queue bound to the event types it consumes, and its parking queue.
    /// - Parameters:
    ///   - service: the consuming service.
    ///   - eventTypes: routing keys (event types, or topic patterns like `customer.*`).
    public static func eventQueue(service: String, eventTypes: [String]) -> AMQPTopology {
        let queue = eventQueue(of: service)
        let dead = deadLetterQueue(of: service)
        return AMQPTopology(
            exchanges: [],
            queues: [
                .quorum(name: queue, deadLetterExchange: deadLetterExchange, deadLetterRoutingKey: dead, deliveryLimit: deliveryLimit),
                .quorum(name: dead, deadLetterExchange: nil, deadLetterRoutingKey: nil, deliveryLimit: nil),
            ],
            bindings: eventTypes.map { .init(queue: queue, exchange: eventsExchange, routingKey: $0) }
                + [.init(queue: dead, exchange: deadLetterExchange, routingKey: dead)]
        )
    }

    /// A service's RPC request queue. Requests are transient and expire, so a classic queue serves them with
    /// the least latency.
    public static func rpcQueue(service: String) -> AMQPTopology {
        let queue = RPC.queue(for: service)
        return AMQPTopology(
            exchanges: [],
            queues: [.init(name: queue)],
            bindings: [.init(queue: queue, exchange: RPC.exchange, routingKey: queue)]
        )
    }
}
