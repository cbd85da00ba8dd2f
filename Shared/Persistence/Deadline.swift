public import Logging
import NIOCore
import NIOPosix
public import PostgresNIO
import Synchronization

/// A unit of work did not finish within its deadline; it was cancelled and abandoned.
public struct DeadlineExceeded: Error, CustomStringConvertible, Sendable {
    /// The deadline the work was given.
    public var timeout: Duration

    /// Creates the error.
    public init(timeout: Duration) { self.timeout = timeout }

    /// What happened, for logs.
    public var description: String { "the work did not finish within \(timeout) and was abandoned" }
}

/// Runs `operation`, giving up on it after `timeout`.
///
/// At the deadline the operation is cancelled, `onTimeout` runs, and the call throws ``DeadlineExceeded`` at once:
/// it does not wait for the operation to notice. That is the point: PostgresNIO does not cancel a query in flight when
/// its task is cancelled, so a query on a connection that never answers would keep a structured task group waiting
/// forever. `onTimeout` is where the caller unblocks such work (``PostgresClient/withTransaction(deadline:logger:_:)``
/// closes the connection, which fails every query on it). The caller's own cancellation is passed on to the operation.
///
/// - Parameters:
///   - timeout: how long the operation may run.
///   - onTimeout: called once if the deadline passes first, before the error is thrown.
///   - operation: the work; it runs in a task of its own, which inherits task-local values and priority.
/// - Returns: the operation's result, if it finished in time.
/// - Throws: ``DeadlineExceeded`` at the deadline, or the operation's error.
public func withDeadline<T: Sendable>(
    _ timeout: Duration,
    onTimeout: @escaping @Sendable () -> Void = {},
    operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withDeadline(timeout, onTimeout: onTimeout) { (_: DeadlineRace<T>) in try await operation() }
}

/// ``withDeadline(_:onTimeout:operation:)`` whose operation may also give up early: ``DeadlineRace/abandon(with:)``
/// ends the call at once with an error, as the deadline would.
func withDeadline<T: Sendable>(
    _ timeout: Duration,
    onTimeout: @escaping @Sendable () -> Void,
    racing operation: @escaping @Sendable (DeadlineRace<T>) async throws -> T
) async throws -> T {
    let race = DeadlineRace<T>()
    DeadlineRaceProbe.created?(race)
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            race.begin(continuation)
            let work = Task {
                do {
                    race.finish(.success(try await operation(race)))
                } catch {
                    race.finish(.failure(error))
                }
            }
            // The watchdog is an event-loop timer, not a sleeping task: cancelling a `Task.sleep` resumes its task but
            // keeps the sleep's job (and everything the task held) until the original deadline, so a call every few
            // milliseconds under a 45-second deadline would hold tens of thousands of finished calls' memory. A
            // cancelled NIO timer leaves the loop's queue at once. onTimeout runs before the caller resumes.
            let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: TimeAmount(timeout)) {
                if race.finish(.failure(DeadlineExceeded(timeout: timeout)), first: onTimeout) {
                    work.cancel()
                }
            }
            race.started(work: work, timer: timer)
        }
    } onCancel: {
        race.cancelWork()
    }
}

/// Lets a test see each ``withDeadline(_:onTimeout:racing:)`` call's race object (weakly), to check that nothing keeps
/// it once the call has returned: whatever keeps the race keeps the call's tasks and all their memory.
enum DeadlineRaceProbe {
    @TaskLocal static var created: (@Sendable (AnyObject) -> Void)?
}

/// Resumes the caller with whichever comes first, the work's result or the deadline.
final class DeadlineRace<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var finished = false
        var cancelled = false
        var work: Task<Void, Never>?
        var timer: Scheduled<Void>?
    }

    private let state = Mutex(State())

    func begin(_ continuation: CheckedContinuation<T, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    func started(work: Task<Void, Never>, timer: Scheduled<Void>) {
        let (finished, cancelled) = state.withLock { state in
            state.work = work
            state.timer = timer
            return (state.finished, state.cancelled)
        }
        if finished { timer.cancel() }
        if cancelled { work.cancel() }
    }

    /// Delivers `result` if nothing was delivered yet, after running `first`; returns whether it was.
    @discardableResult
    func finish(_ result: Result<T, any Error>, first: () -> Void = {}) -> Bool {
        let (continuation, timer) = state.withLock { state in
            let continuation = state.continuation
            state.continuation = nil
            state.finished = true
            defer { state.timer = nil }
            return (continuation, state.timer)
        }
        guard let continuation else { return false }
        timer?.cancel()
        first()
        continuation.resume(with: result)
        return true
    }

    /// Ends the call now with `error` (unless it has ended already) and cancels the work, which is abandoned.
    func abandon(with error: any Error) {
        if finish(.failure(error)) { cancelWork() }
    }

    func cancelWork() {
        let work = state.withLock { state in
            state.cancelled = true
            return state.work
        }
        work?.cancel()
    }
}

extension PostgresClient {
    /// Runs `body` in a transaction on a leased connection, never longer than `deadline`.
    ///
    /// Two things can leave a PostgresNIO 1.33 transaction waiting forever, and this guards against both:
    /// - A query written to a connection whose channel has closed: NIO removes the channel's handlers one event-loop
    ///   tick after the close and from then on drops writes, and PostgresNIO passes no promise with its write, so the
    ///   query's own promise is never completed. When the server kills a connection mid-query, the failed transaction
    ///   gives the connection back to the pool before the pool hears of the close (NIO reports it in that same later
    ///   tick), so the pool can lend it again and the next `BEGIN` waits forever; a `ROLLBACK` or `COMMIT` sent after
    ///   the close would too, and so would any query of `body` written in that instant. Here no `BEGIN`, `COMMIT` or
    ///   `ROLLBACK` is sent on a closed connection, and when the connection closes while the transaction holds it the
    ///   call fails at once with ``ConnectionLost`` (the server has ended that transaction already), abandoning a
    ///   query that may never be answered.
    /// - A connection that stops answering, which neither the server's `statement_timeout` nor task cancellation
    ///   (PostgresNIO ignores it once a query is sent) can end. When the deadline passes the connection is closed,
    ///   which fails the queries waiting on it and makes the server roll the transaction back, the pool drops it
    ///   instead of lending it out again, and the call throws ``DeadlineExceeded`` at once.
    ///
    /// - Parameters:
    ///   - deadline: how long leasing, `BEGIN`, `body` and `COMMIT` may take together; keep it above the server's
    ///     `statement_timeout` (``PostgresSettings/transactionDeadline``).
    ///   - logger: the unit of work's logger.
    ///   - body: the work, on the transaction's connection; it must not keep the connection.
    /// - Returns: what `body` returned, once committed.
    /// - Throws: ``DeadlineExceeded``; ``ConnectionLost``; otherwise the error of `BEGIN`, `body` or `COMMIT` itself,
    ///   not wrapped in a `PostgresTransactionError` (after an error from `body` the transaction is rolled back).
    public func withTransaction<T: Sendable>(
        deadline: Duration,
        logger: Logger,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let leased = LeasedConnection()
        return try await withDeadline(
            deadline,
            onTimeout: {
                if leased.close() {
                    logger.error("transaction passed its deadline; closed its connection", metadata: ["deadline": "\(deadline)"])
                } else {
                    logger.error("transaction passed its deadline before it had a connection", metadata: ["deadline": "\(deadline)"])
                }
            },
            racing: { race in
                try await self.withConnection { connection in
                    leased.hold(connection)
                    // A query written after the close would wait forever (see above): once the connection closes under
                    // the transaction, the call fails at once and the stuck work is abandoned.
                    let watch = CloseWatch.of(connection)
                    watch.hold { race.abandon(with: ConnectionLost(statement: "the end of the transaction")) }
                    defer {
                        watch.release()
                        leased.letGo()
                    }
                    do {
                        try ConnectionLost.check(connection, before: "BEGIN")
                        try await connection.query("BEGIN;", logger: logger)
                        let value: T
                        do {
                            value = try await body(connection)
                        } catch {
                            if !connection.isClosed {
                                do {
                                    try await connection.query("ROLLBACK;", logger: logger)
                                } catch let rollbackError {
                                    logger.debug("rollback failed", metadata: ["error": "\(String(reflecting: rollbackError))"])
                                }
                            }
                            throw error
                        }
                        try ConnectionLost.check(connection, before: "COMMIT")
                        try await connection.query("COMMIT;", logger: logger)
                        return value
                    } catch {
                        // The pool hears of a close one event-loop tick later; a lease given back before then makes it
                        // lend the dead connection once more, to a query that would never be answered.
                        if connection.isClosed { try? await connection.closeFuture.get() }
                        throw error
                    }
                }
            }
        )
    }
}

/// The connection closed (the server ended it, or the network did) before a transaction could send its next
/// statement; the transaction did not commit.
public struct ConnectionLost: Error, CustomStringConvertible, Sendable {
    /// The statement that was not sent (`BEGIN`, `COMMIT`).
    public var statement: String

    /// Creates the error.
    public init(statement: String) { self.statement = statement }

    /// What happened, for logs.
    public var description: String { "the database connection closed before \(statement)" }

    static func check(_ connection: PostgresConnection, before statement: String) throws {
        if connection.isClosed { throw ConnectionLost(statement: statement) }
    }
}

/// The connection a deadline-bound transaction holds, so the watchdog can close it; `nil` once it is returned.
private final class LeasedConnection: Sendable {
    private let connection = Mutex<PostgresConnection?>(nil)

    func hold(_ leased: PostgresConnection) { connection.withLock { $0 = leased } }

    /// Forgets the connection; called before it goes back to the pool, so ``close()`` can never reach it there.
    func letGo() { connection.withLock { $0 = nil } }

    /// Closes the held connection, if any; returns whether there was one.
    func close() -> Bool {
        connection.withLock { leased in
            guard let leased else { return false }
            // Under the lock: once `letGo()` returned, the pool may lend the connection to someone else.
            let closed: EventLoopFuture<Void> = leased.close()
            _ = closed
            return true
        }
    }
}

/// What to do if a pooled connection closes while a transaction holds it: one close callback per connection, shared
/// by every transaction that ever leases it. (A callback per transaction would pile up on the `closeFuture` of a
/// connection the pool keeps for hours, each holding its finished transaction's tasks: ~40 KB per write, measured.)
private final class CloseWatch: Sendable {
    private static let watches = Mutex<[ObjectIdentifier: CloseWatch]>([:])

    private weak let connection: PostgresConnection?
    private let onClose = Mutex<(@Sendable () -> Void)?>(nil)

    private init(_ connection: PostgresConnection) { self.connection = connection }

    /// The connection's watch, created (and its one close callback registered) on its first transaction.
    static func of(_ connection: PostgresConnection) -> CloseWatch {
        let key = ObjectIdentifier(connection)
        let (watch, isNew) = watches.withLock { watches in
            // An entry whose connection is gone belongs to an earlier connection at the same address.
            if let watch = watches[key], watch.connection === connection { return (watch, false) }
            let watch = CloseWatch(connection)
            watches[key] = watch
            return (watch, true)
        }
        if isNew {
            connection.closeFuture.whenComplete { _ in
                watches.withLock { watches in
                    if watches[key] === watch { watches[key] = nil }
                }
                watch.fire()
            }
        }
        return watch
    }

    /// Runs `action` if the connection closes before ``release()``.
    func hold(_ action: @escaping @Sendable () -> Void) { onClose.withLock { $0 = action } }

    /// The transaction is over: a later close concerns nobody.
    func release() { onClose.withLock { $0 = nil } }

    private func fire() {
        let action = onClose.withLock { action in
            defer { action = nil }
            return action
        }
        action?()
    }
}
