import Foundation
public import Logging
import NIOCore
import NIOPosix
public import ServiceLifecycle
import Synchronization

/// Calls remote operations over AMQP and waits for their replies (RabbitMQ direct reply-to).
///
/// It owns its own ``AMQPConnection``: direct reply-to requires the reply consumer and the publishes to share one
/// channel, and a dedicated connection keeps replies from queueing behind event traffic. Replies go to the
/// `amq.rabbitmq.reply-to` pseudo queue, so no reply queue is declared and none outlives the client.
public final class AMQPRPCClient: Service, Sendable {
    private static let replyQueue = "amq.rabbitmq.reply-to"

    private let connection: AMQPConnection
    private let replies: AMQPConsumer
    private let logger: Logger
    private let pending = PendingCalls()

    /// Creates a client; nothing is sent until ``run()`` runs.
    /// - Parameters:
    ///   - configuration: where to connect.
    ///   - topology: declared on every (re)connect (e.g. the RPC exchange).
    ///   - logger: receives connection state changes.
    public init(configuration: AMQPConfiguration, topology: AMQPTopology = .init(), logger: Logger) {
        self.connection = AMQPConnection(configuration: configuration, topology: topology, logger: logger)
        self.replies = connection.consume(queue: Self.replyQueue, prefetch: 0, noAck: true)
        self.logger = logger
        connection.onLoss { [pending] error in
            // Replies were addressed to the lost channel and can never arrive: fail the callers now, not at their timeout.
            pending.failAll(AMQPError.connectionLost("pending RPC call interrupted: \(error)"))
        }
    }

    /// Runs the connection and routes replies to their callers until cancelled or a graceful shutdown begins.
    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.connection.run() }
            group.addTask {
                for try await reply in self.replies {
                    guard let id = reply.message.correlationID, let continuation = self.pending.remove(id) else {
                        self.logger.debug(
                            "rpc reply for no pending call (late or duplicate)",
                            metadata: ["correlationID": "\(reply.message.correlationID ?? "none")"]
                        )
                        continue
                    }
                    continuation.resume(returning: reply.message)
                }
            }
            try await group.next()
            group.cancelAll()
            try await group.waitForAll()
        }
        pending.failAll(AMQPError.notConnected)
    }

    /// Whether calls can be sent now.
    public var isConnected: Bool { connection.isConnected }

    /// Waits until the client's connection is up.
    /// - Parameter timeout: how long to wait.
    /// - Throws: ``AMQPError/timeout`` when it is not up in time.
    public func waitUntilConnected(timeout: Duration) async throws {
        try await connection.waitUntilConnected(timeout: timeout)
    }

    /// Sends a request and waits for its reply.
    ///
    /// The request gets `replyTo` (direct reply-to), a fresh `correlationID`, `expiration` = `timeout` (so the
    /// broker drops it if no server takes it in time) and is transient; it is published mandatory.
    /// - Parameters:
    ///   - request: the request; its `replyTo`, `correlationID`, `expiration` and `persistent` are overwritten.
    ///   - exchange: the RPC exchange.
    ///   - routingKey: the server's routing key.
    ///   - timeout: how long to wait for the reply.
    /// - Returns: the reply.
    /// - Throws: ``AMQPError/notConnected`` at once when the connection is down, ``AMQPError/unroutable(exchange:routingKey:)``
    ///   when no queue takes the request, ``AMQPError/timeout`` after `timeout`, ``AMQPError/connectionLost(_:)`` as
    ///   soon as the connection drops while waiting.
    public func call(_ request: AMQPMessage, exchange: String, routingKey: String, timeout: Duration) async throws -> AMQPMessage {
        guard connection.isConnected else { throw AMQPError.notConnected }
        let id = UUID().uuidString.lowercased()
        var message = request
        message.replyTo = Self.replyQueue
        message.correlationID = id
        message.persistent = false
        let milliseconds = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        message.expiration = String(max(1, milliseconds))
        let outgoing = message
        let connection = self.connection
        let pending = self.pending
        let timers = Mutex<Scheduled<Void>?>(nil)
        // The timer ends as soon as the call is answered either way; an event-loop timer, because a cancelled
        // `Task.sleep` holds its task's memory until the original deadline (see Persistence's `withDeadline`).
        defer { timers.withLock { $0 }?.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<AMQPMessage, any Error>) in
                pending.add(id, continuation)
                // The deadline runs from the call, independent of how long the publisher confirm takes.
                let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: TimeAmount(timeout)) {
                    if let caller = pending.remove(id) { caller.resume(throwing: AMQPError.timeout) }
                }
                timers.withLock { $0 = timer }
                Task {
                    do {
                        try await connection.publish(outgoing, exchange: exchange, routingKey: routingKey, mandatory: true)
                    } catch {
                        pending.remove(id)?.resume(throwing: error)
                    }
                }
            }
        } onCancel: {
            pending.remove(id)?.resume(throwing: CancellationError())
        }
    }
}

/// Callers waiting for replies, by correlation id; whoever removes an entry resumes it, so each resumes once.
final class PendingCalls: Sendable {
    private let calls = Mutex<[String: CheckedContinuation<AMQPMessage, any Error>]>([:])

    func add(_ id: String, _ continuation: CheckedContinuation<AMQPMessage, any Error>) {
        calls.withLock { $0[id] = continuation }
    }

    func remove(_ id: String) -> CheckedContinuation<AMQPMessage, any Error>? {
        calls.withLock { $0.removeValue(forKey: id) }
    }

    func failAll(_ error: any Error) {
        let waiting = calls.withLock { calls in
            defer { calls.removeAll() }
            return Array(calls.values)
        }
        for continuation in waiting { continuation.resume(throwing: error) }
    }
}
