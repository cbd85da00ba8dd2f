import CRabbitMQ
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The connection thread: owns the rabbitmq-c connection and everything that must not be touched concurrently.
final class ConnectionWorker {
    /// Collects the confirms of one publish batch and resumes its caller once all are in.
    final class Batch {
        var results: [Result<Void, AMQPError>?]
        var remaining: Int
        let continuation: CheckedContinuation<[Result<Void, AMQPError>], Never>

        init(count: Int, continuation: CheckedContinuation<[Result<Void, AMQPError>], Never>) {
            results = Array(repeating: nil, count: count)
            remaining = count
            self.continuation = continuation
        }

        func complete(_ index: Int, _ result: Result<Void, AMQPError>) {
            guard results[index] == nil else { return }
            results[index] = result
            remaining -= 1
            if remaining == 0 { continuation.resume(returning: results.map { $0 ?? .failure(.notConnected) }) }
        }
    }

    struct Unconfirmed {
        let batch: Batch
        let index: Int
        let exchange: String
        let routingKey: String
        let mandatory: Bool
    }

    struct ActiveConsumer {
        let id: Int
        let noAck: Bool
    }

    private let connection: AMQPConnection
    private let configuration: AMQPConfiguration
    private let logger: Logger
    private var state: amqp_connection_state_t?
    private var channel: amqp_channel_t = 0
    private var generation: UInt64 = 0
    private var nextSequence: UInt64 = 1
    private var unconfirmed: [UInt64: Unconfirmed] = [:]
    private var returned: [(exchange: String, routingKey: String)] = []
    private var consumersByTag: [String: ActiveConsumer] = [:]
    private var tagsByConsumer: [Int: String] = [:]
    private var pending: [ConnectionCommand] = []

    init(connection: AMQPConnection) {
        self.connection = connection
        self.configuration = connection.configuration
        self.logger = connection.logger
    }

    private var stopRequested: Bool { connection.shared.withLock { $0.stopRequested } }

    /// Poll interval: short enough that heartbeats (sent from inside rabbitmq-c's read calls) go out on time.
    private var pollMilliseconds: Int32 { Int32(max(50, min(1000, configuration.heartbeatSeconds * 500))) }

    func run() {
        var backoff = Duration.milliseconds(100)
        while !stopRequested {
            do {
                try connect()
                backoff = .milliseconds(100)
                try serve()
                break
            } catch let reason {
                lose(reason, closing: true)
                if stopRequested { break }
                logger.warning("amqp connection down, retrying", metadata: ["error": "\(reason)", "retryIn": "\(backoff)"])
                idle(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
            }
        }
        shutDown()
    }

    // MARK: Connecting

    private func connect() throws(AMQPError) {
        guard let state = amqp_new_connection() else { throw .protocolError("amqp_new_connection failed") }
        self.state = state
        guard let socket = amqp_tcp_socket_new(state) else { throw .protocolError("amqp_tcp_socket_new failed") }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        let status = amqp_socket_open_noblock(socket, configuration.host, Int32(configuration.port), &timeout)
        guard status == AMQP_STATUS_OK.rawValue else {
            throw .connectionLost("cannot reach \(configuration.host):\(configuration.port): \(Self.describe(status))")
        }
        amqp_set_handshake_timeout(state, &timeout)
        let arena = CArena()
        var properties = arena.table([("connection_name", arena.stringValue(configuration.connectionName))])
        let reply = salesdesk_amqp_login_with_properties(
            state,
            configuration.vhost,
            0,
            131_072,
            Int32(configuration.heartbeatSeconds),
            &properties,
            configuration.username,
            configuration.password
        )
        arena.release()
        try check(reply, "login to vhost '\(configuration.vhost)' as '\(configuration.username)'")
        // Bounds every blocking call (channel.open, declares, consume): a broker that took the connection while booting
        // and never answers would otherwise hold this thread, and the connection, forever. A timeout closes the
        // connection, and the loop above connects again. Heartbeats cannot catch it: a booting broker sends them.
        var rpcTimeout = timeval(tv_sec: 30, tv_usec: 0)
        amqp_set_rpc_timeout(state, &rpcTimeout)
        try openChannel()
    }

    /// Opens a fresh channel and recovers everything on it; the connection counts as up only afterwards.
    private func openChannel() throws(AMQPError) {
        guard let state else { throw .notConnected }
        // A new number each time, so nothing of the closed channel's (queued frames, tags) can be mistaken for ours.
        channel = channel % 2000 + 1
        generation += 1
        nextSequence = 1
        amqp_channel_open(state, channel)
        try check(amqp_get_rpc_reply(state), "channel.open")
        amqp_confirm_select(state, channel)
        try check(amqp_get_rpc_reply(state), "confirm.select")
        let (topology, consumers) = connection.shared.withLock { ($0.topology, $0.consumers) }
        try declare(topology)
        for (id, registration) in consumers.sorted(by: { $0.key < $1.key }) {
            try startConsumer(id: id, registration)
        }
        let waiters = connection.shared.withLock { shared in
            shared.isConnected = true
            defer { shared.connectedWaiters.removeAll() }
            return Array(shared.connectedWaiters.values)
        }
        for waiter in waiters { waiter.resume() }
        logger.info("amqp connected", metadata: ["channel": "\(channel)", "generation": "\(generation)", "consumers": "\(consumers.count)"])
    }

    private func declare(_ topology: AMQPTopology) throws(AMQPError) {
        guard let state else { throw .notConnected }
        let arena = CArena()
        defer { arena.release() }
        for exchange in topology.exchanges {
            amqp_exchange_declare(
                state,
                channel,
                arena.bytes(exchange.name),
                arena.bytes(exchange.kind.rawValue),
                0,
                exchange.durable ? 1 : 0,
                0,
                0,
                arena.argumentTable(exchange.arguments)
            )
            try check(amqp_get_rpc_reply(state), "declare exchange '\(exchange.name)'")
        }
        for queue in topology.queues {
            amqp_queue_declare(
                state,
                channel,
                arena.bytes(queue.name),
                0,
                queue.durable ? 1 : 0,
                queue.exclusive ? 1 : 0,
                queue.autoDelete ? 1 : 0,
                arena.argumentTable(queue.arguments)
            )
            try check(amqp_get_rpc_reply(state), "declare queue '\(queue.name)'")
        }
        for binding in topology.bindings {
            amqp_queue_bind(
                state,
                channel,
                arena.bytes(binding.queue),
                arena.bytes(binding.exchange),
                arena.bytes(binding.routingKey),
                amqp_empty_table
            )
            try check(amqp_get_rpc_reply(state), "bind queue '\(binding.queue)' to '\(binding.exchange)' with '\(binding.routingKey)'")
        }
    }

    private func queueStatus(queue: String) throws(AMQPError) -> AMQPQueueStatus {
        guard let state else { throw .notConnected }
        let arena = CArena()
        defer { arena.release() }
        let ok = amqp_queue_declare(state, channel, arena.bytes(queue), 1, 0, 0, 0, amqp_empty_table)
        try check(amqp_get_rpc_reply(state), "passive declare of queue '\(queue)'")
        guard let ok else { throw .protocolError("passive declare of queue '\(queue)': no declare-ok") }
        return AMQPQueueStatus(messages: Int(ok.pointee.message_count), consumers: Int(ok.pointee.consumer_count))
    }

    private func startConsumer(id: Int, _ registration: ConsumerRegistration) throws(AMQPError) {
        guard let state, tagsByConsumer[id] == nil else { return }
        let arena = CArena()
        defer { arena.release() }
        do throws(AMQPError) {
            if !registration.noAck {
                // Non-global qos applies to consumers started after it on this channel, so each gets its own prefetch.
                amqp_basic_qos(state, channel, 0, registration.prefetch, 0)
                try check(amqp_get_rpc_reply(state), "basic.qos")
            }
            let ok = amqp_basic_consume(
                state,
                channel,
                arena.bytes(registration.queue),
                amqp_empty_bytes,
                0,
                registration.noAck ? 1 : 0,
                0,
                amqp_empty_table
            )
            try check(amqp_get_rpc_reply(state), "consume queue '\(registration.queue)'")
            guard let tag = ok?.pointee.consumer_tag.stringCopy else { throw AMQPError.protocolError("basic.consume-ok without a tag") }
            consumersByTag[tag] = ActiveConsumer(id: id, noAck: registration.noAck)
            tagsByConsumer[id] = tag
            logger.debug("amqp consumer started", metadata: ["queue": "\(registration.queue)", "tag": "\(tag)"])
        } catch {
            if case .channelClosed = error {
                // The broker refused this consumer (e.g. its queue does not exist): end it rather than fail every recovery.
                logger.error("amqp consumer refused", metadata: ["queue": "\(registration.queue)", "error": "\(error)"])
                let removed = connection.shared.withLock { $0.consumers.removeValue(forKey: id) }
                removed?.continuation.finish(throwing: error)
            }
            throw error
        }
    }

    // MARK: Serving

    private func serve() throws(AMQPError) {
        while true {
            if stopRequested {
                // Acks queued before the stop must reach the broker, or it redelivers messages already handled.
                try processCommands()
                return
            }
            do throws(AMQPError) {
                try processCommands()
                try readFrames()
                guard let state else { throw AMQPError.notConnected }
                if amqp_data_in_buffer(state) != 0 || amqp_frames_enqueued(state) != 0 { continue }
                waitForActivity(socket: amqp_get_sockfd(state), milliseconds: pollMilliseconds)
            } catch .channelClosed(let code, let text) {
                lose(.channelClosed(code: code, text: text), closing: false)
                logger.warning("amqp channel closed by the broker, reopening", metadata: ["code": "\(code)", "text": "\(text)"])
                try openChannel()
            }
        }
    }

    private func processCommands() throws(AMQPError) {
        pending.append(
            contentsOf: connection.shared.withLock { state in
                defer { state.commands.removeAll() }
                return state.commands
            }
        )
        while !pending.isEmpty {
            let command = pending.removeFirst()
            try execute(command)
        }
    }

    private func execute(_ command: ConnectionCommand) throws(AMQPError) {
        guard let state else { throw .notConnected }
        switch command {
        case .publish(let messages, let continuation):
            let batch = Batch(count: messages.count, continuation: continuation)
            var sequences: [UInt64] = []
            // Registered before sending, so a failure halfway fails the unsent rest through the same path.
            for (index, outgoing) in messages.enumerated() {
                unconfirmed[nextSequence] = Unconfirmed(
                    batch: batch,
                    index: index,
                    exchange: outgoing.exchange,
                    routingKey: outgoing.routingKey,
                    mandatory: outgoing.mandatory
                )
                sequences.append(nextSequence)
                nextSequence += 1
            }
            for outgoing in messages {
                let arena = CArena()
                var properties = outgoing.message.properties(in: arena)
                let status = amqp_basic_publish(
                    state,
                    channel,
                    arena.bytes(outgoing.exchange),
                    arena.bytes(outgoing.routingKey),
                    outgoing.mandatory ? 1 : 0,
                    0,
                    &properties,
                    arena.bytes(outgoing.message.body)
                )
                arena.release()
                guard status == AMQP_STATUS_OK.rawValue else { throw .connectionLost("publish failed: \(Self.describe(status))") }
            }
        case .declare(let topology, let continuation):
            do {
                try declare(topology)
                connection.shared.withLock { $0.topology = $0.topology.merging(topology) }
                continuation.resume()
            } catch {
                continuation.resume(throwing: error)
                throw error
            }
        case .queueStatus(let queue, let continuation):
            do {
                continuation.resume(returning: try queueStatus(queue: queue))
            } catch {
                continuation.resume(throwing: error)
                throw error
            }
        case .startConsumer(let id):
            guard let registration = connection.shared.withLock({ $0.consumers[id] }) else { return }
            try startConsumer(id: id, registration)
        case .cancelConsumer(let id):
            guard let tag = tagsByConsumer.removeValue(forKey: id) else { return }
            let arena = CArena()
            defer { arena.release() }
            amqp_basic_cancel(state, channel, arena.bytes(tag))
            try check(amqp_get_rpc_reply(state), "basic.cancel")
            logger.debug("amqp consumer cancelled", metadata: ["tag": "\(tag)"])
        case .ack(let deliveryTag, let deliveryGeneration):
            guard deliveryGeneration == generation else { return }
            let status = amqp_basic_ack(state, channel, deliveryTag, 0)
            guard status == AMQP_STATUS_OK.rawValue else { throw .connectionLost("ack failed: \(Self.describe(status))") }
        case .reject(let deliveryTag, let deliveryGeneration, let requeue):
            guard deliveryGeneration == generation else { return }
            let status = amqp_basic_reject(state, channel, deliveryTag, requeue ? 1 : 0)
            guard status == AMQP_STATUS_OK.rawValue else { throw .connectionLost("reject failed: \(Self.describe(status))") }
        }
    }

    private func readFrames() throws(AMQPError) {
        guard let state else { throw .notConnected }
        // Bounded, so queued acks and publishes are not starved by a busy consumer.
        for _ in 0..<256 {
            var frame = amqp_frame_t()
            var zero = timeval(tv_sec: 0, tv_usec: 0)
            let status = amqp_simple_wait_frame_noblock(state, &frame, &zero)
            if status == AMQP_STATUS_TIMEOUT.rawValue { return }
            guard status == AMQP_STATUS_OK.rawValue else { throw .connectionLost(Self.describe(status)) }
            try handle(frame)
            amqp_maybe_release_buffers(state)
        }
    }

    private func handle(_ frame: amqp_frame_t) throws(AMQPError) {
        guard let state, frame.frame_type == SALESDESK_FRAME_METHOD, let decoded = frame.payload.method.decoded else { return }
        switch frame.payload.method.id {
        case SALESDESK_BASIC_DELIVER_METHOD:
            let deliver = decoded.assumingMemoryBound(to: amqp_basic_deliver_t.self).pointee
            let tag = deliver.consumer_tag.stringCopy
            let exchange = deliver.exchange.stringCopy
            let routingKey = deliver.routing_key.stringCopy
            let message = try readContent(channel: frame.channel)
            let delivery = AMQPDelivery(
                message: message,
                exchange: exchange,
                routingKey: routingKey,
                redelivered: deliver.redelivered != 0,
                deliveryTag: deliver.delivery_tag,
                deliveryCount: message.headers["x-delivery-count"].flatMap { Int($0) } ?? 0,
                generation: generation
            )
            dispatch(delivery, consumerTag: tag)
        case SALESDESK_BASIC_RETURN_METHOD:
            let basicReturn = decoded.assumingMemoryBound(to: amqp_basic_return_t.self).pointee
            returned.append((basicReturn.exchange.stringCopy, basicReturn.routing_key.stringCopy))
            _ = try readContent(channel: frame.channel)
        case SALESDESK_BASIC_ACK_METHOD:
            let ack = decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            confirm(upTo: ack.delivery_tag, multiple: ack.multiple != 0, nacked: false)
        case SALESDESK_BASIC_NACK_METHOD:
            let nack = decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            confirm(upTo: nack.delivery_tag, multiple: nack.multiple != 0, nacked: true)
        case SALESDESK_BASIC_CANCEL_METHOD:
            // The broker cancels a consumer whose queue was deleted; it is consumed again after the next recovery.
            let tag = decoded.assumingMemoryBound(to: amqp_basic_cancel_t.self).pointee.consumer_tag.stringCopy
            if let consumer = consumersByTag[tag] { tagsByConsumer.removeValue(forKey: consumer.id) }
            logger.warning("amqp consumer cancelled by the broker", metadata: ["tag": "\(tag)"])
        case SALESDESK_CHANNEL_CLOSE_METHOD:
            let close = decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            var ok = amqp_channel_close_ok_t()
            amqp_send_method(state, frame.channel, SALESDESK_CHANNEL_CLOSE_OK_METHOD, &ok)
            throw .channelClosed(code: Int(close.reply_code), text: close.reply_text.stringCopy)
        case SALESDESK_CONNECTION_CLOSE_METHOD:
            let close = decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            var ok = amqp_connection_close_ok_t()
            amqp_send_method(state, 0, SALESDESK_CONNECTION_CLOSE_OK_METHOD, &ok)
            throw .connectionLost("the broker closed the connection: \(close.reply_code) \(close.reply_text.stringCopy)")
        case SALESDESK_CONNECTION_BLOCKED_METHOD:
            logger.warning("amqp connection blocked by the broker (resource alarm); publishes wait")
        case SALESDESK_CONNECTION_UNBLOCKED_METHOD:
            logger.info("amqp connection unblocked")
        default:
            break
        }
    }

    /// Reads the content header and body frames that follow a deliver or return method.
    private func readContent(channel: amqp_channel_t) throws(AMQPError) -> AMQPMessage {
        guard let state else { throw .notConnected }
        var content = amqp_message_t()
        let reply = amqp_read_message(state, channel, &content, 0)
        try check(reply, "read message content")
        defer { amqp_destroy_message(&content) }
        return AMQPMessage(properties: content.properties, body: content.body)
    }

    private func dispatch(_ delivery: AMQPDelivery, consumerTag: String) {
        guard let consumer = consumersByTag[consumerTag] else { return }
        let registration = tagsByConsumer[consumer.id] == consumerTag ? connection.shared.withLock { $0.consumers[consumer.id] } : nil
        if let registration, case .enqueued = registration.continuation.yield(delivery) { return }
        // Nobody listens any more (cancelled meanwhile): give the message back instead of holding it until the channel closes.
        if !consumer.noAck, let state { amqp_basic_reject(state, channel, delivery.deliveryTag, 1) }
    }

    private func confirm(upTo tag: UInt64, multiple: Bool, nacked: Bool) {
        let sequences = multiple ? unconfirmed.keys.filter { $0 <= tag }.sorted() : (unconfirmed[tag] == nil ? [] : [tag])
        // basic.return carries no sequence number; RabbitMQ sends it just before the ack of the message it returns,
        // so it belongs to the first matching mandatory message this ack covers.
        // A return whose message this ack does not cover waits for a later ack.
        var unroutable: Set<UInt64> = []
        returned.removeAll { returnedMessage in
            let match = sequences.first { sequence in
                guard !unroutable.contains(sequence), let item = unconfirmed[sequence] else { return false }
                return item.mandatory && item.exchange == returnedMessage.exchange && item.routingKey == returnedMessage.routingKey
            }
            if let match { unroutable.insert(match) }
            return match != nil
        }
        for sequence in sequences {
            guard let item = unconfirmed.removeValue(forKey: sequence) else { continue }
            let result: Result<Void, AMQPError> =
                if nacked { .failure(.nacked) } else if unroutable.contains(sequence) {
                    .failure(.unroutable(exchange: item.exchange, routingKey: item.routingKey))
                } else { .success(()) }
            item.batch.complete(item.index, result)
        }
    }

    // MARK: Losing and idling

    /// Fails what depended on the lost channel (and, when `closing`, drops the connection too).
    private func lose(_ reason: AMQPError, closing: Bool) {
        let wasConnected = connection.shared.withLock { state -> Bool in
            defer { state.isConnected = false }
            return state.isConnected
        }
        let failure: AMQPError =
            if case .channelClosed = reason { reason } else if case .connectionLost = reason { reason } else { .connectionLost("\(reason)") }
        for item in unconfirmed.values { item.batch.complete(item.index, .failure(failure)) }
        unconfirmed.removeAll()
        returned.removeAll()
        consumersByTag.removeAll()
        tagsByConsumer.removeAll()
        // Deliveries in hand now carry a stale generation: their acks are dropped and the broker redelivers.
        generation += 1
        if closing, let state {
            amqp_destroy_connection(state)
            self.state = nil
        }
        failPending(with: failure)
        let handlers = connection.shared.withLock { Array($0.lossHandlers.values) }
        for handler in handlers { handler(failure) }
        if wasConnected && !stopRequested { logger.warning("amqp connection lost", metadata: ["reason": "\(failure)"]) }
    }

    /// Answers commands that cannot run while the channel is down.
    private func failPending(with error: AMQPError) {
        pending.append(
            contentsOf: connection.shared.withLock { state in
                defer { state.commands.removeAll() }
                return state.commands
            }
        )
        for command in pending {
            switch command {
            case .publish(let messages, let continuation):
                continuation.resume(returning: Array(repeating: .failure(error), count: messages.count))
            case .declare(let topology, let continuation):
                // Recorded, so recovery declares it; refusing here would fail a service's startup on a brief outage.
                connection.shared.withLock { $0.topology = $0.topology.merging(topology) }
                continuation.resume()
            case .queueStatus(_, let continuation):
                continuation.resume(throwing: error)
            case .startConsumer, .cancelConsumer, .ack, .reject:
                break
            }
        }
        pending.removeAll()
    }

    /// Sleeps for the backoff, answering commands meanwhile and waking early for a stop.
    private func idle(for duration: Duration) {
        let deadline = ContinuousClock.now + duration
        while !stopRequested {
            let remaining = ContinuousClock.now.duration(to: deadline)
            if remaining <= .zero { return }
            let milliseconds = Int32(max(1, remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000))
            waitForActivity(socket: -1, milliseconds: milliseconds)
            failPending(with: .notConnected)
        }
    }

    private func waitForActivity(socket: Int32, milliseconds: Int32) {
        var descriptors = [
            pollfd(fd: connection.wakeDescriptors.read, events: Int16(POLLIN), revents: 0),
            pollfd(fd: socket, events: Int16(POLLIN), revents: 0),
        ]
        _ = poll(&descriptors, socket >= 0 ? 2 : 1, milliseconds)
        if descriptors[0].revents & Int16(POLLIN) != 0 { salesdesk_wake_drain(connection.wakeDescriptors.read) }
    }

    private func shutDown() {
        if let state {
            // Closing politely lets the broker requeue unacked deliveries at once instead of after a heartbeat timeout.
            amqp_channel_close(state, channel, SALESDESK_REPLY_SUCCESS)
            amqp_connection_close(state, SALESDESK_REPLY_SUCCESS)
        }
        lose(.connectionLost("the connection was closed by the application"), closing: true)
        let (consumers, waiters) = connection.shared.withLock { shared in
            shared.isRunning = false
            shared.isConnected = false
            defer {
                shared.consumers.removeAll()
                shared.connectedWaiters.removeAll()
            }
            return (Array(shared.consumers.values), Array(shared.connectedWaiters.values))
        }
        failPending(with: .notConnected)
        for consumer in consumers { consumer.continuation.finish() }
        for waiter in waiters { waiter.resume(throwing: AMQPError.notConnected) }
    }

    // MARK: Errors

    /// Turns a non-normal RPC reply into an error, answering the broker's close first as the protocol requires.
    private func check(_ reply: amqp_rpc_reply_t, _ context: String) throws(AMQPError) {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            guard let state, let decoded = reply.reply.decoded else { throw .protocolError("\(context): server exception") }
            if reply.reply.id == SALESDESK_CHANNEL_CLOSE_METHOD {
                let close = decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
                let text = close.reply_text.stringCopy
                var ok = amqp_channel_close_ok_t()
                amqp_send_method(state, channel, SALESDESK_CHANNEL_CLOSE_OK_METHOD, &ok)
                throw .channelClosed(code: Int(close.reply_code), text: "\(context): \(text)")
            }
            if reply.reply.id == SALESDESK_CONNECTION_CLOSE_METHOD {
                let close = decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
                let text = close.reply_text.stringCopy
                var ok = amqp_connection_close_ok_t()
                amqp_send_method(state, 0, SALESDESK_CONNECTION_CLOSE_OK_METHOD, &ok)
                throw .connectionLost("\(context): the broker closed the connection: \(close.reply_code) \(text)")
            }
            throw .protocolError("\(context): unexpected method \(reply.reply.id)")
        default:
            throw .connectionLost("\(context): \(Self.describe(reply.library_error))")
        }
    }

    static func describe(_ status: Int32) -> String {
        guard let text = amqp_error_string2(status) else { return "status \(status)" }
        return String(cString: text)
    }
}
