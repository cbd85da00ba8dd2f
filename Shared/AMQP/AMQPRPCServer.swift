public import Logging
public import ServiceLifecycle

/// Serves RPC requests from a queue: runs the handler for each request and publishes its reply.
///
/// Replies go to the request's `replyTo` through the default exchange with the request's `correlationID`; the
/// request is acknowledged only after the reply was confirmed, so a crash before then makes the broker redeliver it
/// (handlers of writes use idempotency keys for this reason).
public final class AMQPRPCServer: Service, Sendable {
    private let connection: AMQPConnection
    private let queue: String
    private let prefetch: UInt16
    private let logger: Logger
    private let handler: @Sendable (AMQPDelivery) async -> AMQPMessage

    /// Creates a server.
    /// - Parameters:
    ///   - connection: the connection to consume and reply on (its topology declares `queue`).
    ///   - queue: the request queue.
    ///   - prefetch: how many requests are handled concurrently.
    ///   - logger: receives requests that cannot be answered.
    ///   - handler: turns a request into its reply; errors are the handler's to express as a reply.
    public init(
        connection: AMQPConnection,
        queue: String,
        prefetch: UInt16 = 32,
        logger: Logger,
        handler: @escaping @Sendable (AMQPDelivery) async -> AMQPMessage
    ) {
        self.connection = connection
        self.queue = queue
        self.prefetch = max(1, prefetch)
        self.logger = logger
        self.handler = handler
    }

    /// Serves requests until cancelled or a graceful shutdown begins.
    ///
    /// A graceful shutdown drains: the consumer is cancelled at the broker (nothing more is prefetched), the requests
    /// already being handled are answered, and the ones received but not yet started are rejected with requeue, so
    /// another instance (or this one after its restart) answers them.
    public func run() async throws {
        let requests = connection.consume(queue: queue, prefetch: prefetch)
        let limit = Int(prefetch)
        let logger = self.logger
        try await withThrowingTaskGroup(of: Void.self) { group in
            var inFlight = 0
            var returned = 0
            try await withGracefulShutdownHandler {
                for try await request in requests {
                    if requests.isStopped {
                        await connection.reject(request, requeue: true)
                        returned += 1
                        continue
                    }
                    if inFlight >= limit {
                        try await group.next()
                        inFlight -= 1
                    }
                    group.addTask { await self.serve(request) }
                    inFlight += 1
                }
            } onGracefulShutdown: {
                logger.info("drain: rpc server stops taking requests", metadata: ["queue": "\(self.queue)"])
                requests.stop()
            }
            try await group.waitForAll()
            if requests.isStopped {
                logger.info("drain: rpc server answered the requests in hand", metadata: ["queue": "\(self.queue)", "requeued": "\(returned)"])
            }
        }
    }

    private func serve(_ request: AMQPDelivery) async {
        guard let replyTo = request.message.replyTo, !replyTo.isEmpty else {
            logger.warning(
                "rpc request without replyTo, dropping it",
                metadata: ["queue": "\(queue)", "type": "\(request.message.type ?? "none")", "messageID": "\(request.message.messageID ?? "none")"]
            )
            await connection.ack(request)
            return
        }
        var reply = await handler(request)
        reply.correlationID = request.message.correlationID
        reply.persistent = false
        do {
            // Not mandatory: a caller that gave up has no reply consumer any more, and that is not the server's error.
            try await connection.publish(reply, exchange: "", routingKey: replyTo, mandatory: false)
            await connection.ack(request)
        } catch {
            // Unacknowledged, so the broker redelivers the request once the connection is back (if it has not expired).
            logger.warning(
                "rpc reply not sent",
                metadata: ["queue": "\(queue)", "type": "\(request.message.type ?? "none")", "error": "\(error)"]
            )
        }
    }
}
