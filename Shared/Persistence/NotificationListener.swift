public import Logging
public import PostgresNIO
import Synchronization

/// Keeps a `LISTEN` open on a dedicated connection and reports what it hears: the one way SalesDesk waits on
/// PostgreSQL's `NOTIFY` (the outbox relay, the timer runner, the push senders, the gateway's caller cache).
///
/// `heard` is called once after each (re)connection, because a notification sent while the connection was down is
/// lost, and then once for every notification. `lost` is called when the connection drops, before the reconnection
/// backoff (1 s doubling to 32 s); a listener that must never act on stale state (a cache) stops trusting itself there.
/// Listening ends when the task is cancelled or `stop` says so.
public struct NotificationListener: Sendable {
    let client: PostgresClient
    let channel: @Sendable (PostgresConnection) async throws -> String
    let logger: Logger

    /// A listener on a fixed channel name.
    public init(client: PostgresClient, channel: String, logger: Logger) {
        self.init(client: client, logger: logger) { _ in channel }
    }

    /// A listener whose channel is found on the connection (e.g. from `current_schema()`).
    public init(client: PostgresClient, logger: Logger, channel: @escaping @Sendable (PostgresConnection) async throws -> String) {
        self.client = client
        self.channel = channel
        self.logger = logger
    }

    /// The connection's schema, for channels named after it (``Timers/channel(schema:)``).
    public static func currentSchema(on connection: PostgresConnection) async throws -> String {
        var schema = ""
        for try await name in try await connection.query("SELECT current_schema()", logger: Logger(label: "listen")).decode(String.self) {
            schema = name
        }
        return schema
    }

    /// Listens until cancelled or `stop()` answers true (checked between connections).
    ///
    /// Cancellation returns at once: the listening runs in a task of its own, which is cancelled and then abandoned
    /// rather than awaited, so a connection lease or a `LISTEN` that is slow to notice cancellation (a client shutting
    /// down under it) can never hold up the service's shutdown; the abandoned task ends with its connection.
    public func run(
        stop: @escaping @Sendable () -> Bool = { false },
        lost: @escaping @Sendable () -> Void = {},
        heard: @escaping @Sendable () -> Void
    ) async {
        let ended = Resumption()
        let work = Task {
            await listen(stop: stop, lost: lost, heard: heard)
            ended.resume()
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { ended.wait($0) }
        } onCancel: {
            work.cancel()
            ended.resume()
        }
    }

    private func listen(stop: @Sendable () -> Bool, lost: @Sendable () -> Void, heard: @escaping @Sendable () -> Void) async {
        var failures = 0
        while !Task.isCancelled && !stop() {
            do {
                try await client.withConnection { connection in
                    let name = try await channel(connection)
                    try await connection.listen(on: name) { notifications in
                        failures = 0
                        heard()
                        for try await _ in notifications {
                            heard()
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                failures += 1
                logger.debug("listener lost its connection", metadata: ["error": "\(String(reflecting: error))"])
            }
            lost()
            if Task.isCancelled || stop() { return }
            try? await Task.sleep(for: .seconds(1 << min(max(failures, 1) - 1, 5)))
        }
    }
}

/// Resumes one waiter once, whichever comes first: the end of the work or a cancellation.
private final class Resumption: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Void, Never>?
        var resumed = false
    }

    private let state = Mutex(State())

    func wait(_ continuation: CheckedContinuation<Void, Never>) {
        let now = state.withLock { state -> Bool in
            if state.resumed { return true }
            state.continuation = continuation
            return false
        }
        if now { continuation.resume() }
    }

    func resume() {
        let waiting = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.resumed = true
            defer { state.continuation = nil }
            return state.continuation
        }
        waiting?.resume()
    }
}
