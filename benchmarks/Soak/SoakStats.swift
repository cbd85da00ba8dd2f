import Foundation
import Synchronization

/// What the soak's clients saw, counted per phase: the steady state, and each fault from the moment it is injected until
/// the system has recovered from it.
public final class SoakStats: Sendable {
    /// The requests of one phase.
    public struct Tally: Sendable, Equatable {
        /// Requests answered or failed in the phase.
        public var requests = 0
        /// Of those, the ones not answered 2xx (a transport failure counts as an error too).
        public var errors = 0
        /// The answers by status (`0`: no answer).
        public var statuses: [Int: Int] = [:]
    }

    private struct State {
        var phase = "steady"
        var phases: [String] = ["steady"]
        var tallies: [String: Tally] = [:]
        /// Writes refused with a 4xx, which a retry cannot fix: a sample of them, for the report.
        var refusals: [String] = []
        var refusalCount = 0
    }

    private let state = Mutex(State())

    /// Creates empty counters.
    public init() {}

    /// Makes `phase` the phase later requests count in.
    public func enter(_ phase: String) {
        state.withLock {
            $0.phase = phase
            if !$0.phases.contains(phase) { $0.phases.append(phase) }
        }
    }

    /// Counts one request answered `status` (`nil`: no answer).
    public func record(status: Int?) {
        state.withLock {
            var tally = $0.tallies[$0.phase, default: Tally()]
            tally.requests += 1
            if !(200..<300).contains(status ?? 0) { tally.errors += 1 }
            tally.statuses[status ?? 0, default: 0] += 1
            $0.tallies[$0.phase] = tally
        }
    }

    /// Records a write the gateway refused for good.
    public func refused(_ description: String) {
        state.withLock {
            $0.refusalCount += 1
            if $0.refusals.count < 20 { $0.refusals.append(description) }
        }
    }

    /// The phases in the order they were entered, with their tallies.
    public var tallies: [(phase: String, tally: Tally)] {
        state.withLock { state in state.phases.map { ($0, state.tallies[$0, default: Tally()]) } }
    }

    /// How many writes were refused for good, and a sample of them.
    public var refusals: (count: Int, sample: [String]) { state.withLock { ($0.refusalCount, $0.refusals) } }
}
