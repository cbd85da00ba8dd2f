import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The callers (a user and the team they supervise) that ``AuthMiddleware`` loaded, so that a request does not read
/// the users table twice before its work starts (issue 14: the caller lookup on every request).
///
/// **Freshness.** Any change to the users table, by any gateway replica or by `salesdesk-admin`, sends `NOTIFY
/// gateway_users` when it commits (gateway migration 0009), and every replica's cache forgets everything on hearing
/// it: a deactivation, a role or a team change applies within the notification's delivery, well under a second. A
/// handler that changes users also forgets at once in its own replica (``forgetAll()``). The cache trusts itself only
/// while its listener is connected: from a lost connection until the next one is established (and has been heard),
/// every request reads the database. A loaded entry is stored only if nothing was forgotten while it loaded, so a
/// read that raced a change cannot put the old user back. Entries also expire after ``timeToLive``.
final class CallerCache: Sendable {
    typealias Caller = (user: User, team: [RecordID])

    /// The `NOTIFY` channel of the users table.
    static let channel = "gateway_users"
    /// How long an entry is used at most, a second line behind the notifications.
    static let timeToLive: TimeInterval = 60
    /// Entries kept at most; a full cache starts again empty.
    static let capacity = 10_000

    private struct State {
        var entries: [RecordID: (caller: Caller, loadedAt: Date)] = [:]
        /// Bumped by every forget: a load that saw another generation is not stored.
        var generation = 0
        var listening = false
    }

    private let state = Mutex(State())

    /// The cached caller, if the cache is trusted and the entry is fresh.
    func caller(_ id: RecordID, now: Date = Date()) -> Caller? {
        state.withLock { state in
            guard state.listening, let entry = state.entries[id], now.timeIntervalSince(entry.loadedAt) < Self.timeToLive else {
                return nil
            }
            return entry.caller
        }
    }

    /// Reads the caller through the cache: `load` runs when the cache has no trusted, fresh entry.
    func caller(_ id: RecordID, load: () async throws -> Caller?) async throws -> Caller? {
        if let cached = caller(id) { return cached }
        let generation = state.withLock { $0.generation }
        guard let loaded = try await load() else { return nil }
        state.withLock { state in
            guard state.listening, state.generation == generation else { return }
            if state.entries.count >= Self.capacity { state.entries.removeAll(keepingCapacity: true) }
            state.entries[id] = (loaded, Date())
        }
        return loaded
    }

    /// Forgets every entry: a user changed somewhere.
    func forgetAll() {
        state.withLock { state in
            state.entries.removeAll()
            state.generation += 1
        }
    }

    /// Whether the listener is connected, so that entries are kept.
    var isTrusted: Bool { state.withLock { $0.listening } }

    /// Starts (or stops) trusting the cache, empty either way: the listener (re)connected, or lost its connection.
    func trust(_ listening: Bool) {
        state.withLock { state in
            state.entries.removeAll()
            state.generation += 1
            state.listening = listening
        }
    }

    /// Listens on ``channel`` for as long as the gateway runs, so that the cache is trusted.
    struct Listener: Service {
        let cache: CallerCache
        let postgres: PostgresClient
        let logger: Logger

        func run() async throws {
            await cancelWhenGracefulShutdown {
                await NotificationListener(client: postgres, channel: CallerCache.channel, logger: logger).run(
                    lost: { cache.trust(false) },
                    heard: { cache.trust(true) }
                )
            }
        }
    }
}
