/// What went wrong talking to the broker.
public enum AMQPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The broker URL could not be used; the text says why.
    case invalidURL(String)
    /// The connection is down (or was never started), so nothing was sent.
    case notConnected
    /// The connection dropped before the broker confirmed the operation; it may or may not have taken effect.
    case connectionLost(String)
    /// No answer arrived in time.
    case timeout
    /// A mandatory message matched no queue and the broker returned it.
    case unroutable(exchange: String, routingKey: String)
    /// The broker refused responsibility for a published message (`basic.nack`).
    case nacked
    /// The broker closed the channel, e.g. 404 for a missing exchange or 406 for a queue declared with other arguments.
    case channelClosed(code: Int, text: String)
    /// The broker or the library broke the protocol's expectations; the text says how.
    case protocolError(String)

    /// A one-line explanation for logs and problem documents.
    public var description: String {
        switch self {
        case .invalidURL(let reason): "invalid AMQP URL: \(reason)"
        case .notConnected: "not connected to the AMQP broker"
        case .connectionLost(let reason): "AMQP connection lost: \(reason)"
        case .timeout: "timed out waiting for the AMQP broker"
        case .unroutable(let exchange, let routingKey):
            "message to exchange '\(exchange)' with routing key '\(routingKey)' matched no queue"
        case .nacked: "the AMQP broker rejected the message (basic.nack)"
        case .channelClosed(let code, let text): "AMQP channel closed by the broker: \(code) \(text)"
        case .protocolError(let reason): "AMQP protocol error: \(reason)"
        }
    }
}
