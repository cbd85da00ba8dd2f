public import AMQP
import Contracts
import Telemetry

/// The spans of RPC over AMQP (issue 13): the caller's client span (``AMQP/AMQPRPCClient/tracedCall(_:exchange:routingKey:timeout:)``)
/// and the service's server span (``RPCRouter/handle(delivery:identityKey:now:logger:)``), named after the operation
/// (`deals.submitContract`), with OpenTelemetry's `rpc.*` attributes.
enum RPCSpans {
    /// The attributes of both sides of a call of `operation` (`<service>.<verb>`).
    static func attributes(operation: String) -> [String: String] {
        let service = String(operation.prefix { $0 != "." })
        return [
            "rpc.system": "amqp",
            "rpc.service": service,
            "rpc.method": String(operation.dropFirst(service.count + 1)),
            "messaging.system": "rabbitmq",
            "messaging.destination.name": RPC.queue(for: service),
        ]
    }

    /// Records the reply's status; a 5xx (or a reply without one) marks the span failed.
    static func record(status: Int?, on span: TraceSpan) {
        guard let status else {
            span.fail("the reply carries no status")
            return
        }
        span.set("rpc.response.status_code", status)
        if status >= 500 { span.fail("answered \(status)") }
    }
}

extension AMQPRPCClient {
    /// Calls an operation in a client span that continues the request's `traceparent` header, else the work in progress
    /// (``Contracts/TraceContext/current``): the header sent names the span instead, so the service's server span is
    /// its child. Broker failures and 5xx replies mark the span failed. Every RPC a service or the gateway makes goes
    /// through here.
    /// - Parameters:
    ///   - request: the request; its `type` is the operation.
    ///   - exchange: the RPC exchange.
    ///   - routingKey: the owning service's queue.
    ///   - timeout: how long to wait for the reply.
    /// - Returns: the reply.
    /// - Throws: what ``AMQP/AMQPRPCClient/call(_:exchange:routingKey:timeout:)`` throws.
    public func tracedCall(_ request: AMQPMessage, exchange: String, routingKey: String, timeout: Duration) async throws -> AMQPMessage {
        let operation = request.type ?? routingKey
        return try await Spans.run(
            operation,
            kind: .client,
            continuing: request.headers[RPC.Header.traceparent] ?? TraceContext.current?.traceparent,
            attributes: RPCSpans.attributes(operation: operation)
        ) { span in
            var message = request
            message.headers[RPC.Header.traceparent] = span.trace.traceparent
            let reply = try await call(message, exchange: exchange, routingKey: routingKey, timeout: timeout)
            RPCSpans.record(status: reply.headers[RPC.Header.status].flatMap(Int.init), on: span)
            return reply
        }
    }
}
