import Synchronization

/// Wakes one waiting loop early: a ring while nobody waits is remembered (once), and closing it ends every wait for
/// good. The relay waits on it between passes so a `NOTIFY` starts the next pass at once.
final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var closed = false
        var waiters: [Int: (continuation: CheckedContinuation<Void, Never>, wakesOnRing: Bool)] = [:]
        var nextWaiterID = 0
    }

    private let state = Mutex(State())

    var isClosed: Bool { state.withLock { $0.closed } }

    func ring() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.closed else { return [] }
            let woken = state.waiters.filter { $0.value.wakesOnRing }
            if woken.isEmpty {
                state.rung = true
                return []
            }
            for id in woken.keys { state.waiters[id] = nil }
            return woken.values.map(\.continuation)
        }
        waiters.forEach { $0.resume() }
    }

    func close() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.closed = true
            defer { state.waiters = [:] }
            return state.waiters.values.map(\.continuation)
        }
        waiters.forEach { $0.resume() }
    }

    /// Waits until a ring (when `wakeOnRing`), a close, cancellation, or `duration` has passed.
    func wait(upTo duration: Duration, wakeOnRing: Bool = true) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: duration) }
            group.addTask { await self.waitForSignal(consumingRing: wakeOnRing) }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForSignal(consumingRing: Bool) async {
        let id = state.withLock { state -> Int in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.closed || Task.isCancelled { return true }
                    if consumingRing, state.rung {
                        state.rung = false
                        return true
                    }
                    state.waiters[id] = (continuation, consumingRing)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume()
        }
    }
}
