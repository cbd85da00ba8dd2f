public import AMQP
public import ArgumentParser
import Contracts
import Foundation
import Logging
public import ServiceRuntime
import Synchronization

/// A message parked in a service's `<service>.events.dead` queue.
public struct DeadLetter: Sendable, Equatable, Codable {
    /// The message id (the event's id).
    public var id: String
    /// The event type, from the envelope (or the message's `type` property when the body does not decode).
    public var type: String?
    /// The queue it was consumed from when parked.
    public var queue: String?
    /// When it was parked (ISO 8601), when the consumer recorded it.
    public var parkedAt: String?
    /// Why it was parked: the handler's error as the consumer recorded it (``ServiceRuntime/ParkingQueue/errorHeader``),
    /// or the broker's reason (`rejected`, `delivery_limit`) for a message parked without one.
    public var error: String
    /// The message's headers.
    public var headers: [String: String]
    /// The body as text (the event envelope's JSON).
    public var body: String

    init(_ message: AMQPMessage) {
        id = message.messageID ?? "(none)"
        let envelope = try? EventEnvelope.decode(from: message.body)
        type = envelope?.type ?? message.type ?? message.headers[ParkingQueue.routingKeyHeader]
        queue = message.headers[ParkingQueue.queueHeader] ?? message.headers["x-first-death-queue"]
        parkedAt = message.headers[ParkingQueue.parkedAtHeader]
        error =
            message.headers[ParkingQueue.errorHeader]
            ?? message.headers["x-first-death-reason"].map { "parked by the broker: \($0)" }
            ?? "(no reason recorded)"
        headers = message.headers
        body = String(decoding: message.body, as: UTF8.self)
    }
}

/// Reads and takes messages from a parking queue without losing any: the queue's messages are consumed with manual
/// acknowledgement, and each is acked only once its action is done (a replay's publish confirmed); the rest go back.
public struct DeadLetterQueue: Sendable {
    /// What to do with one parked message.
    public enum Action: Sendable { case keep, replay, drop }

    public let service: ServiceEntry
    public let connection: AMQPConnection

    public init(service: ServiceEntry, connection: AMQPConnection) {
        self.service = service
        self.connection = connection
    }

    /// The parked messages, oldest first; they stay parked.
    public func list() async throws -> [DeadLetter] {
        try await visit { _ in .keep }
    }

    /// Visits every message parked now, applies `decide`'s action and returns the messages visited.
    ///
    /// A replay publishes the message, without the parking headers, to the service's own event queue through the default
    /// exchange (so no other service sees it again); the consumer's inbox applies an event id only once, so replaying a
    /// message that was applied after all changes nothing.
    @discardableResult
    public func visit(_ decide: @escaping @Sendable (DeadLetter) -> Action) async throws -> [DeadLetter] {
        let queue = service.deadLetterQueue
        // No parking queue (absent after retries, see Status.queueStatus): the service has not started on this vhost
        // yet, so nothing is parked.
        guard let count = try await Status.queueStatus(queue, on: connection).messages, count > 0 else { return [] }
        let deliveries = connection.consume(queue: queue, prefetch: UInt16(min(count, Int(UInt16.max))))
        let progress = Progress()
        let outcome = try await withThrowingTaskGroup(of: Visit?.self) { group in
            group.addTask { [connection, service] in
                var visit = Visit()
                for try await delivery in deliveries {
                    let letter = DeadLetter(delivery.message)
                    visit.letters.append(letter)
                    progress.count.withLock { $0 += 1 }
                    switch decide(letter) {
                    case .keep:
                        visit.held.append(delivery)
                    case .drop:
                        await connection.ack(delivery)
                    case .replay:
                        do {
                            try await connection.publish(Self.replayable(delivery.message), exchange: "", routingKey: service.eventQueue)
                            await connection.ack(delivery)
                        } catch {
                            visit.held.append(delivery)
                            visit.failure = error
                            return visit
                        }
                    }
                    if visit.letters.count >= count { break }
                }
                return visit
            }
            // Messages taken meanwhile by another operator would leave the count unreached: stop after 5 s without one.
            group.addTask {
                var seen = -1
                while true {
                    do { try await Task.sleep(for: .seconds(5)) } catch { return nil }
                    let now = progress.count.withLock { $0 }
                    if now == seen { return nil }
                    seen = now
                }
            }
            var outcome = Visit()
            while let result = try await group.next() {
                if let result { outcome = result }
                group.cancelAll()
            }
            return outcome
        }
        for kept in outcome.held { await connection.reject(kept, requeue: true) }
        // The acks and rejects are queued on the connection in order; a declare after them returns once they were sent.
        // A quorum queue takes the requeued messages back asynchronously: wait (5 s at most) until its count shows
        // them again, so that a listing right after this one finds them (CI once listed twice in a row and saw none).
        let deadline = ContinuousClock.now + .seconds(5)
        while try await connection.messageCount(queue: queue) < outcome.held.count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        if let failure = outcome.failure { throw failure }
        return outcome.letters
    }

    /// How many messages the visit has taken so far, watched by its watchdog.
    private final class Progress: Sendable {
        let count = Mutex(0)
    }

    private struct Visit: Sendable {
        var letters: [DeadLetter] = []
        var held: [AMQPDelivery] = []
        var failure: (any Error)?
    }

    /// The message as its service's queue should see it again: without the parking and death headers.
    static func replayable(_ parked: AMQPMessage) -> AMQPMessage {
        var message = parked
        for header in message.headers.keys
        where header.hasPrefix("x-salesdesk-") || header.hasPrefix("x-first-death-") || header.hasPrefix("x-last-death-")
            || header == "x-delivery-count"
        {
            message.headers[header] = nil
        }
        return message
    }
}

/// `salesdesk-admin dead-letters`: the events a service gave up on, with the error each was parked with.
public struct DeadLetters: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "dead-letters",
        abstract: "List, show, replay or drop the events parked in a service's <service>.events.dead queue.",
        discussion: """
            Needs AMQP_URL (or --amqp-url) with a user that may read <service>.events.dead and write to the default \
            exchange. A replayed event goes back to its service's queue only; the service applies an event id once.
            """,
        subcommands: [List.self, Show.self, Replay.self, Drop.self]
    )

    public init() {}

    /// `dead-letters list [--service S]`.
    public struct List: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(abstract: "List parked events: id, type, when and why.")
        @OptionGroup public var broker: BrokerOptions
        @Option(name: .customLong("service"), help: "Only this service (repeatable); default: all.")
        public var services: [String] = []

        public init() {}

        public func letters() async throws -> [String: [DeadLetter]] {
            let services = try ServiceEntry.selected(self.services)
            return try await broker.withConnection { connection in
                var letters: [String: [DeadLetter]] = [:]
                for service in services {
                    letters[service.name] = try await DeadLetterQueue(service: service, connection: connection).list()
                }
                return letters
            }
        }

        public func run() async throws {
            let letters = try await letters()
            for service in try ServiceEntry.selected(services) {
                let parked = letters[service.name] ?? []
                print("\(service.name): \(parked.count) parked")
                for letter in parked {
                    print("  \(letter.id)  \(letter.type ?? "?")  \(letter.parkedAt ?? "")  \(letter.error.prefix(160))")
                }
            }
        }
    }

    /// `dead-letters show --service S ID`.
    public struct Show: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(abstract: "Show one parked event: its error, headers and body.")
        @OptionGroup public var broker: BrokerOptions
        @Option(name: .customLong("service"), help: "The service whose parking queue holds it.") public var service: String
        @Argument(help: "The event id (from `list`).") public var id: String

        public init() {}

        public func letter() async throws -> DeadLetter? {
            let entry = try ServiceEntry.named(service)
            let id = self.id
            return try await broker.withConnection { connection in
                try await DeadLetterQueue(service: entry, connection: connection).list().first { $0.id == id }
            }
        }

        public func run() async throws {
            guard let letter = try await letter() else { throw ValidationError("no parked event \(id) in \(service)") }
            print("id:        \(letter.id)")
            print("type:      \(letter.type ?? "?")")
            print("queue:     \(letter.queue ?? "?")")
            print("parked at: \(letter.parkedAt ?? "?")")
            print("error:     \(letter.error)")
            for (name, value) in letter.headers.sorted(by: { $0.key < $1.key }) { print("header    \(name): \(value)") }
            print(letter.body)
        }
    }

    /// `dead-letters replay --service S (ID… | --all)`.
    public struct Replay: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(abstract: "Send parked events back to their service's queue.")
        @OptionGroup public var broker: BrokerOptions
        @Option(name: .customLong("service"), help: "The service whose parking queue holds them.") public var service: String
        @Flag(help: "Every event parked now.") public var all = false
        @Argument(help: "Event ids (from `list`).") public var ids: [String] = []

        public init() {}

        public func validate() throws {
            if all == !ids.isEmpty { throw ValidationError("name event ids or pass --all (not both)") }
        }

        /// Replays and returns the ids replayed.
        public func replay() async throws -> [String] {
            try await DeadLetters.take(.replay, service: service, ids: ids, all: all, broker: broker)
        }

        public func run() async throws {
            let replayed = try await replay()
            print("replayed \(replayed.count): \(replayed.joined(separator: " "))")
            if !all, replayed.count < Set(ids).count { throw ExitCode(1) }
        }
    }

    /// `dead-letters drop --service S (ID… | --all)`.
    public struct Drop: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(abstract: "Delete parked events for good.")
        @OptionGroup public var broker: BrokerOptions
        @Option(name: .customLong("service"), help: "The service whose parking queue holds them.") public var service: String
        @Flag(help: "Every event parked now.") public var all = false
        @Argument(help: "Event ids (from `list`).") public var ids: [String] = []

        public init() {}

        public func validate() throws {
            if all == !ids.isEmpty { throw ValidationError("name event ids or pass --all (not both)") }
        }

        /// Drops and returns the ids dropped.
        public func drop() async throws -> [String] {
            try await DeadLetters.take(.drop, service: service, ids: ids, all: all, broker: broker)
        }

        public func run() async throws {
            let dropped = try await drop()
            print("dropped \(dropped.count): \(dropped.joined(separator: " "))")
            if !all, dropped.count < Set(ids).count { throw ExitCode(1) }
        }
    }

    static func take(_ action: DeadLetterQueue.Action, service: String, ids: [String], all: Bool, broker: BrokerOptions) async throws -> [String] {
        let entry = try ServiceEntry.named(service)
        let wanted = Set(ids)
        return try await broker.withConnection { connection in
            try await DeadLetterQueue(service: entry, connection: connection)
                .visit { all || wanted.contains($0.id) ? action : .keep }
                .filter { all || wanted.contains($0.id) }
                .map(\.id)
        }
    }
}
