import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// The daily delegation check, at 00:05 Asia/Shanghai: each delegation in force today takes over its delegator's
/// pending steps (a delegation whose first day just arrived; or one created earlier for today, whose steps already
/// moved, so this finds none), and steps held under a delegation that ended go back to the approver they were meant
/// for. Every day, working or not: a delegate covers the weekend's new steps too.
///
/// The moves are written in the transaction that claims the occurrence, so however many replicas run, each happens once.
enum DelegationStartJob {
    static let name = "approvals.delegation_check"
    static let schedule = Schedule(.daily, hour: 0, minute: 5)

    /// The job, for a ``ServiceRuntime/ScheduleRunner`` (or a test that runs it with a controlled clock).
    static func job(delegations: DelegationRepository, moves: PendingStepMoves) -> ScheduledJob {
        ScheduledJob(name: name, schedule: schedule) { occurrence, connection, logger in
            try await check(occurrence: occurrence, delegations: delegations, moves: moves, on: connection, logger: logger)
        }
    }

    /// Runs one occurrence on the claiming transaction.
    /// - Returns: how many steps moved to delegates and how many went back.
    @discardableResult
    static func check(
        occurrence: Date,
        delegations: DelegationRepository,
        moves: PendingStepMoves,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> (moved: Int, returned: Int) {
        let today = BusinessCalendar.day(of: occurrence)
        var moved = 0
        for delegation in try await delegations.active(on: today, on: connection).values.sorted(by: { $0.createdAt < $1.createdAt }) {
            let count = try await moves.moveAway(from: delegation.delegatorID, reason: .delegation, at: occurrence, traceparent: nil, on: connection)
            if count > 0 {
                try await delegations.audit(delegation.id, "steps_moved", by: name, detail: "\(count)", at: occurrence, on: connection)
            }
            moved += count
        }
        let returned = try await moves.returnEnded(at: occurrence, traceparent: nil, on: connection)
        logger.info("delegation check ran", metadata: ["day": "\(today)", "moved": "\(moved)", "returned": "\(returned)"])
        return (moved, returned)
    }
}
