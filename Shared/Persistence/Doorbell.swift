import Synchronization

/// Wakes a waiting loop early: a ring is remembered until a waiter takes it, and closing ends every wait for good.
/// The relay waits on it between passes so that a `NOTIFY` starts the next pass at once.
///
/// Waiting checks the state in short slices rather than parking a continuation: a wake-up costs at most
/// ``slice`` of latency, and there is no hand-off between tasks that could be lost to a cancellation race.
public final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var closed = false
    }

    private let state = Mutex(State())
    private let slice: Duration = .milliseconds(25)

    public init() {}

    public var isClosed: Bool { state.withLock { $0.closed } }

    public func ring() {
        state.withLock { $0.rung = true }
    }

    public func close() {
        state.withLock { $0.closed = true }
    }

    /// Waits until a ring (when `wakeOnRing`; the ring is consumed), a close, cancellation, or `duration` has passed.
    public func wait(upTo duration: Duration, wakeOnRing: Bool = true) async {
        let deadline = ContinuousClock.now + duration
        while !Task.isCancelled {
            let wake = state.withLock { state -> Bool in
                if state.closed { return true }
                if wakeOnRing, state.rung {
                    state.rung = false
                    return true
                }
                return false
            }
            let remaining = deadline - ContinuousClock.now
            if wake || remaining <= .zero { return }
            try? await Task.sleep(for: min(slice, remaining))
        }
    }

    /// Runs `body` while `listener` rings this doorbell on every notification; the listening ends with `body`.
    public func ringing<Result: Sendable>(by listener: NotificationListener, _ body: () async throws -> Result) async rethrows -> Result {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await listener.run(stop: { self.isClosed }) { self.ring() } }
            defer { group.cancelAll() }
            return try await body()
        }
    }
}
