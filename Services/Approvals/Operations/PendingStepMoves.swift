import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO

/// Moves pending steps between approvals' holders when a delegation starts or ends, or a holder is deactivated, by
/// ``DelegationRule``; each move is recorded on the step and published as `approval.step_assigned`, so notifications
/// pushes the new holder exactly as for a new step. Runs on the caller's transaction; each approval is locked while it
/// is moved, as a decision locks it, so a move and a decision never interleave.
struct PendingStepMoves: Sendable {
    let approvals: any ApprovalRepository
    let delegations: DelegationRepository
    let org: OrgReplica
    let logger: Logger

    /// Moves every pending step `holderID` holds to their delegate, or up the line.
    /// - Returns: how many steps moved.
    @discardableResult
    func moveAway(
        from holderID: String,
        reason: StepReassignment,
        at now: Date,
        traceparent: String?,
        on connection: PostgresConnection
    ) async throws
        -> Int
    {
        let ids = try await approvals.held(by: holderID, on: connection)
        guard !ids.isEmpty else { return 0 }
        let chart = OrgChart(users: try await org.users(on: connection).map(OrgUser.init))
        let active = try await delegations.active(on: BusinessCalendar.day(of: now), on: connection)
        let events = ApprovalEvents(connection: connection, logger: logger, traceparent: traceparent)
        var moved = 0
        for id in ids {
            guard var approval = try await approvals.find(id: id, lock: true, on: connection), approval.pendingStep?.approverID == holderID
            else { continue }
            do {
                try await events.reassignCurrentStep(of: &approval, from: holderID, reason: reason, chart: chart, delegations: active, at: now)
            } catch let error as NoApprover {
                // The step stays where it is rather than failing the whole move (or the user.deactivated event).
                logger.error("a pending step could not move: nobody can take it", metadata: ["approval": "\(id)", "error": "\(error)"])
                continue
            }
            try await approvals.update(approval, on: connection)
            moved += 1
        }
        return moved
    }

    /// Gives steps a delegate holds back to the approver they were meant for, once that approver's delegation to this
    /// delegate is no longer in force (cancelled, or its last day passed) and the approver is active and not away with
    /// another delegate.
    /// - Returns: how many steps went back.
    @discardableResult
    func returnEnded(at now: Date, traceparent: String?, on connection: PostgresConnection) async throws -> Int {
        let held = try await approvals.heldOnBehalf(on: connection)
        guard !held.isEmpty else { return 0 }
        let chart = OrgChart(users: try await org.users(on: connection).map(OrgUser.init))
        let active = try await delegations.active(on: BusinessCalendar.day(of: now), on: connection)
        let events = ApprovalEvents(connection: connection, logger: logger, traceparent: traceparent)
        var returned = 0
        for (id, holderID, onBehalfOfID) in held {
            guard active[onBehalfOfID] == nil, let original = chart.users[onBehalfOfID], original.active else { continue }
            guard var approval = try await approvals.find(id: id, lock: true, on: connection),
                let step = approval.pendingStep, step.approverID == holderID, step.onBehalfOfID == onBehalfOfID
            else { continue }
            try await events.reassignCurrentStep(
                of: &approval,
                from: holderID,
                reason: .delegationEnded,
                to: original,
                chart: chart,
                delegations: active,
                at: now
            )
            try await approvals.update(approval, on: connection)
            returned += 1
        }
        return returned
    }
}
