import CRabbitMQ
import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A work item for the connection's thread; everything that touches rabbitmq-c goes through one of these.
enum ConnectionCommand: Sendable {
    case publish([AMQPOutgoingMessage], CheckedContinuation<[Result<Void, AMQPError>], Never>)
    case declare(AMQPTopology, CheckedContinuation<Void, any Error>)
    case queueStatus(queue: String, CheckedContinuation<AMQPQueueStatus, any Error>)
    case startConsumer(Int)
    case cancelConsumer(Int)
    case ack(deliveryTag: UInt64, generation: UInt64)
    case reject(deliveryTag: UInt64, generation: UInt64, requeue: Bool)
}

/// A consumer the application asked for; it outlives channels and is re-issued after every recovery.
struct ConsumerRegistration: Sendable {
    let queue: String
    let prefetch: UInt16
    let noAck: Bool
    let continuation: AsyncThrowingStream<AMQPDelivery, any Error>.Continuation
}

/// What the async API and the connection thread share, always under the lock.
struct SharedConnectionState: Sendable {
    var commands: [ConnectionCommand] = []
    var isConnected = false
    var isRunning = false
    var stopRequested = false
    var topology: AMQPTopology
    var consumers: [Int: ConsumerRegistration] = [:]
    var connectedWaiters: [Int: CheckedContinuation<Void, any Error>] = [:]
    var lossHandlers: [Int: @Sendable (AMQPError) -> Void] = [:]
    var nextID = 0

    mutating func makeID() -> Int {
        nextID += 1
        return nextID
    }
}

/// One AMQP 0-9-1 connection with one channel, kept alive and recovered for as long as ``run()`` runs.
///
/// rabbitmq-c connections are not thread safe, so a dedicated thread owns the C connection; the async methods
/// queue commands for it and wake it through an `eventfd`, so no blocking C call ever runs on Swift's cooperative
/// pool. The channel is in publisher-confirm mode: ``publish(_:exchange:routingKey:mandatory:)`` returns once the
/// broker has taken responsibility for the message.
///
/// On any loss the thread fails in-flight publishes with ``AMQPError/connectionLost(_:)``, then reconnects with
/// backoff (100 ms doubling to 5 s) and recovers in RabbitMQ's recommended order: connection → channel →
/// qos/confirm.select → exchanges → queues → bindings → consumers.
public final class AMQPConnection: Service, Sendable {
    let configuration: AMQPConfiguration
    let logger: Logger
    let shared: Mutex<SharedConnectionState>
    /// Read end (polled by the connection thread) and write end of the wake-up channel.
    let wakeDescriptors: (read: Int32, write: Int32)

    /// Creates a connection; nothing happens until ``run()``.
    /// - Parameters:
    ///   - configuration: where to connect.
    ///   - topology: declared on every (re)connect, before consumers start.
    ///   - logger: receives state changes (connected, lost, recovering).
    public init(configuration: AMQPConfiguration, topology: AMQPTopology = .init(), logger: Logger) {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "amqp.connection"] = "\(configuration.connectionName)"
        self.logger = logger
        self.shared = Mutex(SharedConnectionState(topology: topology))
        var descriptors: [Int32] = [-1, -1]
        _ = salesdesk_wake_open(&descriptors)
        self.wakeDescriptors = (descriptors[0], descriptors[1])
    }

    deinit {
        close(wakeDescriptors.read)
        if wakeDescriptors.write != wakeDescriptors.read { close(wakeDescriptors.write) }
    }

    /// Connects, declares the topology and keeps the connection up until the task is cancelled or a graceful
    /// shutdown begins; then closes the connection and ends every ``AMQPConsumer``.
    /// - Throws: ``AMQPError/protocolError(_:)`` when the connection is already running.
    public func run() async throws {
        let started = shared.withLock { state -> Bool in
            guard !state.isRunning else { return false }
            state.isRunning = true
            state.stopRequested = false
            return true
        }
        guard started else { throw AMQPError.protocolError("run() was called while the connection is already running") }
        logger.info("amqp connection starting", metadata: ["host": "\(configuration.host):\(configuration.port)", "vhost": "\(configuration.vhost)"])
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
                    let thread = Thread { [self] in
                        ConnectionWorker(connection: self).run()
                        finished.resume()
                    }
                    thread.name = "amqp-\(configuration.connectionName)"
                    thread.start()
                }
            } onCancel: {
                self.requestStop()
            }
        } onGracefulShutdown: {
            self.requestStop()
        }
        logger.info("amqp connection stopped")
    }

    /// Whether the connection and its channel are up and fully recovered (topology declared, consumers running).
    public var isConnected: Bool { shared.withLock { $0.isConnected } }

    /// Waits until ``isConnected`` is true.
    /// - Parameter timeout: how long to wait.
    /// - Throws: ``AMQPError/timeout`` when the connection is not up in time; `CancellationError` when cancelled.
    public func waitUntilConnected(timeout: Duration) async throws {
        if isConnected { return }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.connectedSignal() }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw AMQPError.timeout
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    private func connectedSignal() async throws {
        let id = shared.withLock { $0.makeID() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let ready = shared.withLock { state -> Bool in
                    if state.isConnected { return true }
                    if Task.isCancelled {
                        continuation.resume(throwing: CancellationError())
                        return false
                    }
                    state.connectedWaiters[id] = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let waiter = shared.withLock { $0.connectedWaiters.removeValue(forKey: id) }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Declares `topology` now (when connected) and again after every reconnect.
    ///
    /// While the connection is down the declarations are only recorded; recovery declares them before consumers start.
    /// - Parameter topology: exchanges, queues and bindings.
    /// - Throws: ``AMQPError/channelClosed(code:text:)`` when the broker refuses a declaration (it is then not
    ///   re-declared), ``AMQPError/connectionLost(_:)`` when the connection drops meanwhile.
    public func declare(_ topology: AMQPTopology) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let queued = shared.withLock { state -> Bool in
                guard state.isRunning, !state.stopRequested else {
                    state.topology = state.topology.merging(topology)
                    return false
                }
                state.commands.append(.declare(topology, continuation))
                return true
            }
            if queued { wake() } else { continuation.resume() }
        }
    }

    /// The number of messages ready in a queue, from a passive `queue.declare` (which, unlike the management
    /// statistics, is exact at once, also for quorum queues).
    /// - Parameter queue: the queue's name.
    /// - Throws: ``AMQPError/notConnected`` at once when the connection is down; ``AMQPError/channelClosed(code:text:)``
    ///   when the queue does not exist (the connection recovers its channel afterwards).
    public func messageCount(queue: String) async throws -> Int {
        try await queueStatus(queue: queue).messages
    }

    /// A queue's ready messages and consumers, from a passive `queue.declare` (exact at once, like ``messageCount(queue:)``).
    /// - Parameter queue: the queue's name.
    /// - Throws: as ``messageCount(queue:)``.
    public func queueStatus(queue: String) async throws -> AMQPQueueStatus {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<AMQPQueueStatus, any Error>) in
            let queued = shared.withLock { state -> Bool in
                guard state.isConnected, !state.stopRequested else { return false }
                state.commands.append(.queueStatus(queue: queue, continuation))
                return true
            }
            if queued { wake() } else { continuation.resume(throwing: AMQPError.notConnected) }
        }
    }

    /// Publishes one message and waits for the broker's confirm.
    /// - Parameters:
    ///   - message: the message.
    ///   - exchange: the exchange (`""` is the default exchange, routing by queue name).
    ///   - routingKey: the routing key.
    ///   - mandatory: whether a message that matches no queue is an error.
    /// - Throws: ``AMQPError/notConnected`` at once when the connection is down; ``AMQPError/unroutable(exchange:routingKey:)``
    ///   when mandatory and no queue matched; ``AMQPError/nacked``; ``AMQPError/connectionLost(_:)`` or
    ///   ``AMQPError/channelClosed(code:text:)`` when the channel went away before the confirm.
    public func publish(_ message: AMQPMessage, exchange: String, routingKey: String, mandatory: Bool = true) async throws {
        let results = await publish([AMQPOutgoingMessage(message: message, exchange: exchange, routingKey: routingKey, mandatory: mandatory)])
        if case .failure(let error) = results[0] { throw error }
    }

    /// Publishes a batch without waiting between messages, then waits for all their confirms.
    ///
    /// Pipelining is what makes confirms cheap: the broker acknowledges many messages with one `multiple` ack.
    /// - Parameter batch: the messages, in publishing order.
    /// - Returns: one result per message, in the same order, with the errors
    ///   ``publish(_:exchange:routingKey:mandatory:)`` throws.
    public func publish(_ batch: [AMQPOutgoingMessage]) async -> [Result<Void, AMQPError>] {
        guard !batch.isEmpty else { return [] }
        return await withCheckedContinuation { continuation in
            let queued = shared.withLock { state -> Bool in
                guard state.isConnected, !state.stopRequested else { return false }
                state.commands.append(.publish(batch, continuation))
                return true
            }
            if queued {
                wake()
            } else {
                continuation.resume(returning: Array(repeating: .failure(.notConnected), count: batch.count))
            }
        }
    }

    /// Consumes a queue with manual acknowledgements (unless `noAck`) and at most `prefetch` unacknowledged deliveries.
    ///
    /// The consumer survives reconnects: `basic.consume` is issued again after each recovery. Deliveries not
    /// acknowledged before a loss are redelivered by the broker. The sequence ends when ``run()`` ends; dropping it
    /// cancels the consumer.
    /// - Parameters:
    ///   - queue: the queue (declare it in the topology).
    ///   - prefetch: the most unacknowledged deliveries in flight (`0` = unlimited).
    ///   - noAck: whether the broker considers a message done once sent (for transient replies only).
    /// - Returns: the deliveries.
    public func consume(queue: String, prefetch: UInt16, noAck: Bool = false) -> AMQPConsumer {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: AMQPDelivery.self)
        let registration = ConsumerRegistration(queue: queue, prefetch: prefetch, noAck: noAck, continuation: continuation)
        let id = shared.withLock { state -> Int in
            let id = state.makeID()
            state.consumers[id] = registration
            if state.isRunning { state.commands.append(.startConsumer(id)) }
            return id
        }
        continuation.onTermination = { [weak self] _ in self?.cancelConsumer(id) }
        wake()
        let stop = ConsumerStop { [weak self] in self?.stopConsumer(id, continuation: continuation) }
        return AMQPConsumer(stream: stream, control: stop)
    }

    /// Cancels the consumer at the broker and ends its stream after the deliveries already received; a delivery that
    /// arrives between this and the broker's `cancel-ok` is rejected with requeue at once.
    private func stopConsumer(_ id: Int, continuation: AsyncThrowingStream<AMQPDelivery, any Error>.Continuation) {
        let queued = shared.withLock { state -> Bool in
            guard state.consumers.removeValue(forKey: id) != nil, state.isRunning else { return false }
            state.commands.append(.cancelConsumer(id))
            return true
        }
        if queued { wake() }
        continuation.finish()
    }

    private func cancelConsumer(_ id: Int) {
        let queued = shared.withLock { state -> Bool in
            guard state.consumers.removeValue(forKey: id) != nil, state.isRunning else { return false }
            state.commands.append(.cancelConsumer(id))
            return true
        }
        if queued { wake() }
    }

    /// Acknowledges a delivery: the broker forgets the message.
    ///
    /// A delivery from before a reconnect cannot be acknowledged (its tag belonged to the old channel); it is
    /// dropped silently and the broker redelivers the message.
    /// - Parameter delivery: a delivery from a consumer of this connection.
    public func ack(_ delivery: AMQPDelivery) async {
        enqueue(.ack(deliveryTag: delivery.deliveryTag, generation: delivery.generation))
    }

    /// Rejects a delivery.
    /// - Parameters:
    ///   - delivery: a delivery from a consumer of this connection.
    ///   - requeue: `true` puts it back in the queue; `false` dead-letters it (to the queue's dead-letter exchange,
    ///     or drops it when there is none).
    public func reject(_ delivery: AMQPDelivery, requeue: Bool) async {
        enqueue(.reject(deliveryTag: delivery.deliveryTag, generation: delivery.generation, requeue: requeue))
    }

    /// Calls `handler` on the connection thread whenever the channel or connection is lost.
    @discardableResult
    func onLoss(_ handler: @escaping @Sendable (AMQPError) -> Void) -> Int {
        shared.withLock { state in
            let id = state.makeID()
            state.lossHandlers[id] = handler
            return id
        }
    }

    private func enqueue(_ command: ConnectionCommand) {
        let queued = shared.withLock { state -> Bool in
            guard state.isRunning else { return false }
            state.commands.append(command)
            return true
        }
        if queued { wake() }
    }

    private func requestStop() {
        shared.withLock { $0.stopRequested = true }
        wake()
    }

    func wake() {
        salesdesk_wake_signal(wakeDescriptors.write)
    }
}

/// The deliveries of one ``AMQPConnection/consume(queue:prefetch:noAck:)`` call.
///
/// Survives reconnects; ends when the connection's `run()` ends or after ``stop()``. Dropping every iterator cancels
/// the consumer.
public struct AMQPConsumer: AsyncSequence, Sendable {
    /// A delivery.
    public typealias Element = AMQPDelivery

    let stream: AsyncThrowingStream<AMQPDelivery, any Error>
    let control: ConsumerStop

    /// Stops taking deliveries, for a graceful drain: cancels the consumer at the broker (no more prefetching) and ends
    /// the sequence once the deliveries already received have been iterated. Those are still the caller's to settle
    /// (``isStopped`` tells them apart): reject them with requeue so that another consumer gets them at once.
    public func stop() { control.stop() }

    /// Whether ``stop()`` was called: a delivery iterated now was received before the stop and should go back to its
    /// queue rather than be started.
    public var isStopped: Bool { control.isStopped }

    /// Iterates deliveries.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<AMQPDelivery, any Error>.AsyncIterator

        /// The next delivery, or `nil` when the connection stopped.
        public mutating func next() async throws -> AMQPDelivery? { try await base.next() }
    }

    /// Makes an iterator.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: stream.makeAsyncIterator()) }
}

/// The stop switch of one ``AMQPConsumer``: called once, remembered.
final class ConsumerStop: Sendable {
    private let stopped = Mutex(false)
    private let action: @Sendable () -> Void

    init(_ action: @escaping @Sendable () -> Void) { self.action = action }

    var isStopped: Bool { stopped.withLock { $0 } }

    func stop() {
        let first = stopped.withLock { stopped -> Bool in
            defer { stopped = true }
            return !stopped
        }
        if first { action() }
    }
}

/// What a passive `queue.declare` reports about a queue.
public struct AMQPQueueStatus: Sendable, Equatable {
    /// Messages ready for delivery (not counting those delivered and not yet acknowledged).
    public var messages: Int
    /// Consumers subscribed to the queue.
    public var consumers: Int

    /// Creates a status.
    public init(messages: Int, consumers: Int) {
        self.messages = messages
        self.consumers = consumers
    }
}
