import Contracts
public import Foundation
public import Logging
public import PostgresNIO
public import ServiceLifecycle
import Synchronization
import Telemetry

/// What fires a kind of ``Timers`` timer.
public struct TimerHandler: Sendable {
    /// Fires one timer on the transaction that took it; the runner marks the timer with the returned status in the
    /// same transaction. Throwing rolls back everything the handler wrote; the timer stays pending and is retried.
    public typealias Fire =
        @Sendable (_ timer: DueTimer, _ now: Date, _ connection: PostgresConnection, _ logger: Logger) async throws -> DueTimer.Status

    /// The kind of timer it fires.
    public var kind: String
    public var fire: Fire

    /// A handler for timers of `kind`.
    public init(kind: String, fire: @escaping Fire) {
        self.kind = kind
        self.fire = fire
    }
}

/// Fires due ``Timers`` of the kinds it has handlers for, as a `Service`.
///
/// Each timer is taken with `FOR UPDATE SKIP LOCKED` in its own transaction, its handler runs on that transaction, and
/// the row is marked in it: a commit means the handler's writes and "fired" together, so a timer fires once however
/// many runners (replicas) share the table, and a runner killed between the take and the commit (kill -9, a dropped
/// connection) leaves the row pending with none of the handler's writes, for the next pass of any runner. A handler
/// that throws puts its timer off by a growing delay (``retryDelay`` doubling, at most 64 times it) so one bad timer
/// does not hold up the others.
///
/// The runner sleeps until the earliest pending timer is due, at most `recheckInterval`, and wakes early on the
/// `NOTIFY` that ``Timers/schedule(kind:key:at:payload:on:logger:)`` sends, so a timer scheduled for "in a minute"
/// does not wait for the recheck. Tests call ``runDue(now:)`` with a controlled clock instead of running the service.
public final class TimerRunner: Service, Sendable {
    private let client: PostgresClient
    private let handlers: [String: TimerHandler]
    private let now: @Sendable () -> Date
    private let transactionDeadline: Duration
    private let recheckInterval: Duration
    /// The delay before the first retry of a failed timer.
    public let retryDelay: Duration
    private let logger: Logger
    private let doorbell = Doorbell()

    /// A runner.
    /// - Parameters:
    ///   - client: the service's client; the timers are its schema's.
    ///   - handlers: one per kind (a later handler of the same kind replaces an earlier one).
    ///   - now: the wall clock; the system's by default.
    ///   - transactionDeadline: the watchdog on each firing transaction.
    ///   - recheckInterval: the longest sleep between passes.
    ///   - retryDelay: the delay before the first retry of a failed timer.
    ///   - logger: the service's logger.
    public init(
        client: PostgresClient,
        handlers: [TimerHandler],
        now: @escaping @Sendable () -> Date = { Date() },
        transactionDeadline: Duration = PostgresSettings.defaultTransactionDeadline,
        recheckInterval: Duration = .seconds(60),
        retryDelay: Duration = .seconds(30),
        logger: Logger
    ) {
        self.client = client
        self.handlers = Dictionary(handlers.map { ($0.kind, $0) }, uniquingKeysWith: { _, last in last })
        self.now = now
        self.transactionDeadline = transactionDeadline
        self.recheckInterval = recheckInterval
        self.retryDelay = retryDelay
        self.logger = logger
    }

    /// What one ``runDue(now:)`` did.
    public struct PassResult: Sendable, Equatable {
        /// Timers whose handler committed (done or skipped).
        public var fired: Int
        /// Timers whose handler threw; they stay pending, put off.
        public var failed: Int

        public init(fired: Int, failed: Int) {
            self.fired = fired
            self.failed = failed
        }
    }

    /// Fires every timer due at or before `now`, one transaction each, until none is left (failed ones are put off
    /// past `now`, so the pass ends).
    /// - Throws: a database error outside a handler (the pass stops; timers fired before it stay fired).
    @discardableResult
    public func runDue(now: Date) async throws -> PassResult {
        var result = PassResult(fired: 0, failed: 0)
        while !doorbell.isClosed {
            switch try await fireOne(now: now) {
            case .none: return result
            case .fired: result.fired += 1
            case .failed: result.failed += 1
            }
        }
        return result
    }

    private enum Attempt {
        case none, fired, failed
    }

    private final class Taken: Sendable {
        let timer = Mutex<DueTimer?>(nil)
        let span = Mutex<TraceSpan?>(nil)

        /// Runs `work` in the firing's span, if a timer was taken.
        func inSpan<Result>(_ work: () async throws -> Result) async rethrows -> Result {
            guard let span = span.withLock({ $0 }) else { return try await work() }
            return try await span.bind(work)
        }
    }

    private func fireOne(now: Date) async throws -> Attempt {
        let kinds = Array(handlers.keys)
        let taken = Taken()
        let (handlers, logger) = (self.handlers, self.logger)
        // Each firing starts a trace in a span of its own (issue 13): its log lines and the events it writes share its
        // trace id. The span ends after the commit, or after the failure is recorded.
        defer { taken.span.withLock { $0 }?.end() }
        do {
            return try await client.withTransaction(deadline: transactionDeadline, logger: logger) { connection in
                guard let timer = try await Timers.takeDue(kinds: kinds, now: now, on: connection, logger: logger),
                    let handler = handlers[timer.kind]
                else { return .none }
                taken.timer.withLock { $0 = timer }
                let span = Spans.start(
                    "timer \(timer.kind)",
                    kind: .internal,
                    continuing: nil,
                    attributes: ["salesdesk.timer.kind": "\(timer.kind)", "salesdesk.timer.key": "\(timer.key)"]
                )
                taken.span.withLock { $0 = span }
                return try await span.bind { () async throws -> Attempt in
                    var logger = logger
                    logger[metadataKey: "timer"] = "\(timer.kind)/\(timer.key)"
                    let status = try await handler.fire(timer, now, connection, logger)
                    try await Timers.finish(timer, as: status, at: now, on: connection, logger: logger)
                    logger.debug("timer fired", metadata: ["status": "\(status.rawValue)"])
                    return .fired
                }
            }
        } catch {
            guard let timer = taken.timer.withLock({ $0 }) else { throw error }
            taken.span.withLock { $0 }?.recordError(error)
            return try await taken.inSpan { try await recordFailure(of: timer, error: error, now: now) }
        }
    }

    /// Puts a timer whose handler failed off, with backoff, and logs why.
    private func recordFailure(of timer: DueTimer, error: any Error, now: Date) async throws -> Attempt {
        let delay = retryDelay * (1 << min(timer.attempts, 6))
        let retryAt = now.addingTimeInterval(Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)
        logger.error(
            "timer handler failed; retrying later",
            metadata: ["timer": "\(timer.kind)/\(timer.key)", "retryAt": "\(retryAt)", "error": "\(String(reflecting: error))"]
        )
        try await client.withConnection { connection in
            try await Timers.recordFailure(
                kind: timer.kind,
                key: timer.key,
                error: String(reflecting: error),
                retryAt: retryAt,
                on: connection,
                logger: logger
            )
        }
        return .failed
    }

    /// Fires due timers until graceful shutdown or cancellation; a pass in progress finishes first.
    public func run() async throws {
        // A lost notification only delays a timer to the next recheck.
        let listener = NotificationListener(client: client, logger: logger) {
            Timers.channel(schema: try await NotificationListener.currentSchema(on: $0))
        }
        await doorbell.ringing(by: listener) {
            await withGracefulShutdownHandler {
                await self.loop()
            } onGracefulShutdown: {
                self.doorbell.close()
            }
        }
        if doorbell.isClosed { logger.info("drain: timer runner finished its pass") }
    }

    private func loop() async {
        let kinds = Array(handlers.keys)
        var failures = 0
        while !doorbell.isClosed && !Task.isCancelled {
            var pause = recheckInterval
            do {
                try await runDue(now: now())
                failures = 0
                let next = try await client.withConnection { try await Timers.nextAttempt(kinds: kinds, on: $0, logger: self.logger) }
                if let next {
                    let seconds = max(next.timeIntervalSince(now()), 0) + 0.05
                    pause = min(.milliseconds(Int64(seconds * 1000)), recheckInterval)
                }
            } catch {
                failures += 1
                pause = min(.seconds(1 << min(failures, 5)), recheckInterval)
                logger.error("timer pass failed", metadata: ["error": "\(String(reflecting: error))", "retryIn": "\(pause)"])
            }
            await doorbell.wait(upTo: pause)
        }
    }
}
