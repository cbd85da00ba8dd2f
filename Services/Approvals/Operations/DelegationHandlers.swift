import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `approvals.createDelegation` (`{delegatorId?, delegateId, from, to, reason}`): an approver names a delegate for a
/// range of Asia/Shanghai days (委托审批); an admin may name one for someone else (`delegatorId`, e.g. on leave).
///
/// 422 for a bad field, an unknown, deactivated or non-approver delegate, or the delegator themselves; 403 when the
/// caller may not delegate for the delegator; 409 when the range overlaps a live delegation of the delegator. When the
/// range includes today, the delegator's pending steps move to the delegate in the same transaction.
struct CreateDelegationHandler: Sendable {
    static let operation = "approvals.createDelegation"

    let postgres: PostgresClient
    let delegations: DelegationRepository
    let moves: PendingStepMoves
    let org: OrgReplica
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let caller = try request.requireIdentity()
        let now = Date()
        let today = BusinessCalendar.day(of: now)
        let draft = try DelegationDraft.parse(try request.decode(DelegationDraft.Body.self), callerID: caller.userID, today: today)
        if caller.role != .admin {
            guard Delegation.approverRoles.contains(caller.role) else {
                throw Problem.forbidden("Only a supervisor, regional manager or gm holds approval steps to delegate.")
            }
            guard draft.delegatorID == caller.userID else { throw Problem.forbidden("Only an admin may name a delegate for someone else.") }
        }
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            try await delegations.lock(delegator: draft.delegatorID, on: connection)
            let delegator = try await org.user(id: draft.delegatorID, on: connection).map(OrgUser.init)
            let delegate = try await org.user(id: draft.delegateID, on: connection).map(OrgUser.init)
            try DelegationDraft.validate(delegator: delegator, delegate: delegate)
            guard let delegator, let delegate else { throw Problem.internalError() }
            if let existing = try await delegations.overlapping(delegator: delegator.id, from: draft.from, to: draft.to, today: today, on: connection)
            {
                throw Problem.conflict(
                    "\(delegator.displayName) already has a delegation to \(existing.delegateName) from \(existing.from) to \(existing.to); "
                        + "cancel it first or choose days outside it."
                )
            }
            let delegation = Delegation(
                id: RecordID(),
                delegatorID: delegator.id,
                delegatorName: delegator.displayName,
                delegateID: delegate.id,
                delegateName: delegate.displayName,
                from: draft.from,
                to: draft.to,
                reason: draft.reason,
                createdBy: caller.userID,
                createdAt: now,
                cancelledBy: nil,
                cancelledAt: nil,
                status: Delegation.status(from: draft.from, to: draft.to, cancelled: false, on: today)
            )
            try await delegations.insert(delegation, on: connection)
            try await delegations.audit(
                delegation.id,
                "created",
                by: caller.userID,
                detail: "\(delegator.id)→\(delegate.id) \(draft.from)…\(draft.to)",
                at: now,
                on: connection
            )
            if delegation.isActive(on: today) {
                let traceparent = request.headers[RPC.Header.traceparent]
                let moved = try await moves.moveAway(from: delegator.id, reason: .delegation, at: now, traceparent: traceparent, on: connection)
                if moved > 0 {
                    try await delegations.audit(delegation.id, "steps_moved", by: caller.userID, detail: "\(moved)", at: now, on: connection)
                }
            }
            return try .json(delegation, status: 201)
        }
    }
}

/// `approvals.listDelegations`: the delegations the caller gave, holds or set up (an admin: every one), newest first,
/// with their status as of today; `limit` 1…100 (default 50) and `cursor`.
struct ListDelegationsHandler: Sendable {
    static let operation = "approvals.listDelegations"

    let postgres: PostgresClient
    let delegations: DelegationRepository
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let caller = try request.requireIdentity()
        let page = try request.pageRequest(defaultLimit: 50)
        let today = BusinessCalendar.day(of: Date())
        let rows = try await postgres.withConnection { connection in
            try await delegations.list(involving: caller.role == .admin ? nil : caller.userID, page: page, today: today, on: connection)
        }
        return try .json(Page(rows: rows, for: page) { PageCursor(createdAt: $0.createdAt, id: $0.id.uuid) })
    }
}

/// `approvals.cancelDelegation`: the delegator, whoever set it up, or an admin ends a delegation that has not ended;
/// steps the delegate holds under it go back to the delegator in the same transaction. Others who can see it (the
/// delegate) get 403, anyone else 404; a cancelled or ended one 409.
struct CancelDelegationHandler: Sendable {
    static let operation = "approvals.cancelDelegation"

    let postgres: PostgresClient
    let delegations: DelegationRepository
    let moves: PendingStepMoves
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let caller = try request.requireIdentity()
        let id = try request.pathRecordID("delegation")
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            let now = Date()
            let today = BusinessCalendar.day(of: now)
            guard var delegation = try await delegations.find(id: id, lock: true, today: today, on: connection),
                caller.role == .admin || [delegation.delegatorID, delegation.delegateID, delegation.createdBy].contains(caller.userID)
            else { throw Problem.notFound("No delegation \(id).") }
            guard caller.role == .admin || caller.userID == delegation.delegatorID || caller.userID == delegation.createdBy else {
                throw Problem.forbidden("Only the delegator, whoever set it up, or an admin can cancel a delegation.")
            }
            guard delegation.status == .active || delegation.status == .scheduled else {
                throw Problem.conflict("Delegation \(id) is \(delegation.status.rawValue); it can no longer be cancelled.")
            }
            try await delegations.cancel(id: id, by: caller.userID, at: now, on: connection)
            try await delegations.audit(id, "cancelled", by: caller.userID, at: now, on: connection)
            let returned = try await moves.returnEnded(at: now, traceparent: request.headers[RPC.Header.traceparent], on: connection)
            if returned > 0 { try await delegations.audit(id, "steps_returned", by: caller.userID, detail: "\(returned)", at: now, on: connection) }
            delegation.cancelledAt = now
            delegation.cancelledBy = caller.userID
            delegation.status = .cancelled
            return try .json(delegation)
        }
    }
}

/// `approvals.delegateCandidates`: the active approvers (supervisors, regional managers, gm) the caller may name as
/// a delegate, themselves excepted, by name; at most a few hundred in an SMB org chart, so one list.
struct DelegateCandidatesHandler: Sendable {
    static let operation = "approvals.delegateCandidates"

    let postgres: PostgresClient
    let org: OrgReplica
    let logger: Logger

    struct Candidate: Encodable {
        var id: String
        var displayName: String
        var role: Role
        var region: String?
    }

    struct Candidates: Encodable {
        var items: [Candidate]
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let caller = try request.requireIdentity()
        let users = try await postgres.withConnection { connection in try await org.users(on: connection) }
        let items =
            users
            .filter { $0.active && $0.id != caller.userID && Delegation.approverRoles.contains($0.role) }
            .sorted { ($0.role.rawValue, $0.displayName, $0.id) < ($1.role.rawValue, $1.displayName, $1.id) }
            .map { Candidate(id: $0.id, displayName: $0.displayName, role: $0.role, region: $0.region) }
        return try .json(Candidates(items: items))
    }
}
