/// A value in the `arguments` table of an exchange or queue declaration.
public enum AMQPArgument: Sendable, Hashable {
    /// A long string.
    case string(String)
    /// A signed 64-bit integer.
    case int(Int64)
    /// A boolean.
    case bool(Bool)
}

/// Exchanges, queues and bindings a connection declares when it connects and again after every reconnect.
///
/// Declarations are idempotent on the broker, so every process declares what it uses; declaring something that
/// exists with other settings makes the broker close the channel (406 PRECONDITION_FAILED).
public struct AMQPTopology: Sendable, Hashable {
    /// An exchange declaration.
    public struct Exchange: Sendable, Hashable {
        /// How an exchange routes.
        public enum Kind: String, Sendable, Hashable {
            /// Exact routing-key match.
            case direct
            /// Routing-key patterns with `*` and `#`.
            case topic
            /// Every bound queue.
            case fanout
            /// Header matching.
            case headers
        }

        /// The exchange name.
        public var name: String
        /// How it routes.
        public var kind: Kind
        /// Whether it survives a broker restart.
        public var durable: Bool
        /// Extra arguments such as `alternate-exchange`.
        public var arguments: [String: AMQPArgument]

        /// Creates an exchange declaration.
        /// - Parameters:
        ///   - name: the exchange name.
        ///   - kind: how it routes.
        ///   - durable: whether it survives a broker restart.
        ///   - arguments: extra arguments.
        public init(name: String, kind: Kind, durable: Bool = true, arguments: [String: AMQPArgument] = [:]) {
            self.name = name
            self.kind = kind
            self.durable = durable
            self.arguments = arguments
        }
    }

    /// A queue declaration.
    public struct Queue: Sendable, Hashable {
        /// The queue name.
        public var name: String
        /// Whether it survives a broker restart.
        public var durable: Bool
        /// Whether only this connection may use it (and it goes away with the connection).
        public var exclusive: Bool
        /// Whether the broker deletes it when its last consumer goes.
        public var autoDelete: Bool
        /// Extra arguments such as `x-queue-type` or `x-dead-letter-exchange`.
        public var arguments: [String: AMQPArgument]

        /// Creates a queue declaration.
        /// - Parameters:
        ///   - name: the queue name.
        ///   - durable: whether it survives a broker restart.
        ///   - exclusive: whether only the declaring connection may use it.
        ///   - autoDelete: whether it is deleted when its last consumer goes.
        ///   - arguments: extra arguments.
        public init(
            name: String,
            durable: Bool = true,
            exclusive: Bool = false,
            autoDelete: Bool = false,
            arguments: [String: AMQPArgument] = [:]
        ) {
            self.name = name
            self.durable = durable
            self.exclusive = exclusive
            self.autoDelete = autoDelete
            self.arguments = arguments
        }

        /// A durable quorum queue, the replicated queue type RabbitMQ recommends for data that must not be lost.
        /// - Parameters:
        ///   - name: the queue name.
        ///   - deadLetterExchange: where rejected (and over-delivered) messages go; `nil` drops them.
        ///   - deadLetterRoutingKey: the routing key they go there with; `nil` keeps their own.
        ///   - deliveryLimit: after this many redeliveries the broker dead-letters a message (a poison message
        ///     that crashes its consumer); `nil` for no limit.
        public static func quorum(
            name: String,
            deadLetterExchange: String? = nil,
            deadLetterRoutingKey: String? = nil,
            deliveryLimit: Int64? = nil
        ) -> Queue {
            var arguments: [String: AMQPArgument] = ["x-queue-type": .string("quorum")]
            if let deadLetterExchange { arguments["x-dead-letter-exchange"] = .string(deadLetterExchange) }
            if let deadLetterRoutingKey { arguments["x-dead-letter-routing-key"] = .string(deadLetterRoutingKey) }
            if let deliveryLimit { arguments["x-delivery-limit"] = .int(deliveryLimit) }
            return Queue(name: name, durable: true, arguments: arguments)
        }
    }

    /// A binding of a queue to an exchange.
    public struct Binding: Sendable, Hashable {
        /// The bound queue.
        public var queue: String
        /// The exchange it is bound to.
        public var exchange: String
        /// The routing key or pattern.
        public var routingKey: String

        /// Creates a binding.
        /// - Parameters:
        ///   - queue: the bound queue.
        ///   - exchange: the exchange.
        ///   - routingKey: the routing key or pattern.
        public init(queue: String, exchange: String, routingKey: String) {
            self.queue = queue
            self.exchange = exchange
            self.routingKey = routingKey
        }
    }

    /// Exchanges, declared first.
    public var exchanges: [Exchange]
    /// Queues, declared after the exchanges.
    public var queues: [Queue]
    /// Bindings, declared last.
    public var bindings: [Binding]

    /// Creates a topology.
    /// - Parameters:
    ///   - exchanges: exchanges to declare.
    ///   - queues: queues to declare.
    ///   - bindings: bindings to declare.
    public init(exchanges: [Exchange] = [], queues: [Queue] = [], bindings: [Binding] = []) {
        self.exchanges = exchanges
        self.queues = queues
        self.bindings = bindings
    }

    /// Whether there is nothing to declare.
    public var isEmpty: Bool { exchanges.isEmpty && queues.isEmpty && bindings.isEmpty }

    /// This topology plus `other`'s declarations; an exchange or queue named in both takes `other`'s settings.
    /// - Parameter other: the declarations to add.
    /// - Returns: the combined topology, in declaration order, without duplicates.
    public func merging(_ other: AMQPTopology) -> AMQPTopology {
        func merged<T>(_ base: [T], _ extra: [T], key: (T) -> String) -> [T] {
            var result = base
            for item in extra {
                if let index = result.firstIndex(where: { key($0) == key(item) }) {
                    result[index] = item
                } else {
                    result.append(item)
                }
            }
            return result
        }
        var bindings = self.bindings
        for binding in other.bindings where !bindings.contains(binding) { bindings.append(binding) }
        return AMQPTopology(
            exchanges: merged(exchanges, other.exchanges, key: \.name),
            queues: merged(queues, other.queues, key: \.name),
            bindings: bindings
        )
    }
}
