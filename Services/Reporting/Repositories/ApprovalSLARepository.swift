import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// The approval-step projection of SLA analytics (issue 12, migration 0009) and the queries over it.
///
/// A step's rows are a function of the step's assignments and its decision: every write stores its fact once
/// (`ON CONFLICT DO NOTHING`) and then recomputes how each holder's row ended (``settle(approvalID:step:on:)``), so a
/// redelivered or late event gives the same rows. Queries filter by the caller's ``ServiceRuntime/DataScope`` like the
/// approval-time report: by the contract's owner and region (`contract.submitted`), else the submitter's.
struct ApprovalSLARepository: Sendable {
    let logger: Logger

    // MARK: Projection

    /// Stores the roles of an approval's steps (its tier); an approval is requested once.
    func recordRequest(_ request: ApprovalRequested, on connection: PostgresConnection) async throws {
        let roles = request.steps.map(\.rawValue)
        try await connection.query(
            """
            INSERT INTO approval_requests (approval_id, contract_id, contract_number, submitter_id, amount_fen, policy_version, roles, requested_at)
            VALUES (\(request.approvalID), \(request.contractID), \(request.contractNumber), \(request.submitterID), \(request.amountFen),
                \(request.policyVersion), \(roles), \(request.requestedAt))
            ON CONFLICT (approval_id) DO NOTHING
            """,
            logger: logger
        )
    }

    /// Starts a holder's row of a step (a reassignment ends the previous holder's row as `moved`).
    func recordAssignment(_ assignment: ApprovalStepAssigned, on connection: PostgresConnection) async throws {
        let sla = assignment.slaWorkingDays ?? ApprovalStepAssigned.defaultSLAWorkingDays
        try await connection.query(
            """
            INSERT INTO approval_step_holds (approval_id, step, approver_id, assigned_at, on_behalf_of_id, contract_id, contract_number,
                submitter_id, sla_working_days)
            VALUES (\(assignment.approvalID), \(assignment.step), \(assignment.approverID), \(assignment.assignedAt), \(assignment.onBehalfOfID),
                \(assignment.contractID), \(assignment.contractNumber), \(assignment.submitterID), \(sla))
            ON CONFLICT (approval_id, step, assigned_at, approver_id) DO NOTHING
            """,
            logger: logger
        )
        try await settle(approvalID: assignment.approvalID, step: assignment.step, on: connection)
    }

    /// Stores a step's decision and ends its last holder's row with it.
    func recordDecision(_ decision: ApprovalStepDecided, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO approval_step_decisions (approval_id, step, approver_id, outcome, decided_at, working_days)
            VALUES (\(decision.approvalID), \(decision.step), \(decision.approverID), \(decision.outcome.rawValue), \(decision.decidedAt),
                \(decision.workingDays))
            ON CONFLICT (approval_id, step) DO NOTHING
            """,
            logger: logger
        )
        try await settle(approvalID: decision.approvalID, step: decision.step, on: connection)
    }

    /// Recomputes how each holder of a step ended: every holder but the last `moved` when the next one was assigned
    /// (working days by the holiday calendar replica); the last one with the step's decision (working days as
    /// `approvals` computed them), or still open.
    func settle(approvalID: String, step: Int, on connection: PostgresConnection) async throws {
        var holds: [(id: UUID, assignedAt: Date)] = []
        let rows = try await connection.query(
            """
            SELECT id, assigned_at FROM approval_step_holds WHERE approval_id = \(approvalID) AND step = \(step)
            ORDER BY assigned_at, id
            """,
            logger: logger
        )
        for try await (id, assignedAt) in rows.decode((UUID, Date).self) { holds.append((id, assignedAt)) }
        guard !holds.isEmpty else { return }
        var decision: (outcome: String, decidedAt: Date, workingDays: Double)?
        let decisions = try await connection.query(
            "SELECT outcome, decided_at, working_days FROM approval_step_decisions WHERE approval_id = \(approvalID) AND step = \(step)",
            logger: logger
        )
        for try await (outcome, decidedAt, workingDays) in decisions.decode((String, Date, Double).self) {
            decision = (outcome, decidedAt, workingDays)
        }
        let calendar = holds.count > 1 ? try await CalendarReplica(logger: logger).calendar(on: connection) : WorkingCalendar()
        for (index, hold) in holds.enumerated() {
            var endedAt: Date?
            var outcome: String?
            var workingDays: Double?
            if index + 1 < holds.count {
                let next = holds[index + 1].assignedAt
                endedAt = next
                outcome = "moved"
                workingDays = calendar.workingDays(from: hold.assignedAt, to: next)
            } else if let decision {
                endedAt = decision.decidedAt
                outcome = decision.outcome
                workingDays = decision.workingDays
            }
            try await connection.query(
                """
                UPDATE approval_step_holds SET ended_at = \(endedAt), outcome = \(outcome), working_days = \(workingDays)
                WHERE id = \(hold.id)
                """,
                logger: logger
            )
        }
    }

    // MARK: Reads

    /// One holder of one step, as the reports read it.
    struct Hold: Sendable, Equatable {
        var id: UUID
        var approvalID: String
        var contractID: String
        var contractNumber: String
        var step: Int
        /// The step's role from `approval.requested`; `nil` until it has arrived.
        var role: String?
        /// The approval's tier (``ApprovalSLA/tier(_:)``); `nil` until `approval.requested` has arrived.
        var tier: String?
        var approverID: String
        var approverName: String?
        var onBehalfOfID: String?
        var assignedAt: Date
        var endedAt: Date?
        var outcome: String?
        var workingDays: Double?
        var slaWorkingDays: Double

        var wait: ApprovalSLA.Wait? {
            workingDays.map { ApprovalSLA.Wait(workingDays: $0, slaWorkingDays: slaWorkingDays) }
        }
    }

    /// The steps decided (approved or rejected) in `period`, in the caller's scope, latest decision first.
    func decided(in period: ReportPeriod, scope: DataScope, on connection: PostgresConnection) async throws -> [Hold] {
        try await holds(Filter(decidedIn: period), scope: scope, on: connection)
    }

    /// One page of the steps decided in `period` after their SLA, latest decision first.
    func breaches(in period: ReportPeriod, scope: DataScope, page: PageRequest, on connection: PostgresConnection) async throws -> [Hold] {
        try await holds(Filter(decidedIn: period, breachesOnly: true, page: page), scope: scope, on: connection)
    }

    /// The steps still waiting at `now` (not decided, not moved, their approval not completed) that may be past their
    /// SLA, in the caller's scope, longest waiting first.
    ///
    /// Only a step assigned more than its SLA in calendar days before `now` can be: working days are the hours on
    /// working days over 24 (``Contracts/WorkingCalendar/workingDays(from:to:)``), never more than the calendar days
    /// elapsed. So the steps assigned since are left in the database (a burst of fresh submissions would otherwise be
    /// read and measured on every request), and the caller decides on the rest with the holiday calendar.
    func openMaybeStuck(at now: Date, scope: DataScope, on connection: PostgresConnection) async throws -> [Hold] {
        try await holds(Filter(openOnly: true, openBefore: now), scope: scope, on: connection).sorted {
            ($0.assignedAt, $0.contractNumber) < ($1.assignedAt, $1.contractNumber)
        }
    }

    /// Which holds a read wants; one query serves every read, so its binds stay in one place.
    private struct Filter {
        var decidedIn: ReportPeriod?
        var breachesOnly = false
        var openOnly = false
        /// With `openOnly`: only the steps whose SLA in calendar days had passed at this instant.
        var openBefore: Date?
        var page: PageRequest?
    }

    private func holds(_ filter: Filter, scope: DataScope, on connection: PostgresConnection) async throws -> [Hold] {
        let cursor = filter.page?.cursor
        let query: PostgresQuery = """
            SELECT h.id, h.approval_id, h.contract_id, h.contract_number, h.step, r.roles[h.step + 1], r.roles, h.approver_id,
                NULLIF(a.display_name, ''), h.on_behalf_of_id, h.assigned_at, h.ended_at, h.outcome, h.working_days, h.sla_working_days
            FROM approval_step_holds h
                LEFT JOIN approval_requests r ON r.approval_id = h.approval_id
                LEFT JOIN contract_submissions s ON s.contract_id = h.contract_id
                LEFT JOIN org_replica u ON u.id = h.submitter_id
                LEFT JOIN org_replica a ON a.id = h.approver_id
            WHERE (\(scope.ownerIDs)::text[] IS NULL OR COALESCE(s.owner_id, h.submitter_id) = ANY(\(scope.ownerIDs)))
              AND (\(scope.region)::text IS NULL OR COALESCE(s.region, u.region) = \(scope.region))
              AND (\(filter.decidedIn?.start)::timestamptz IS NULL OR (h.outcome IN ('approved', 'rejected')
                  AND h.ended_at >= \(filter.decidedIn?.start) AND h.ended_at < \(filter.decidedIn?.end)))
              AND (NOT \(filter.breachesOnly) OR round(h.working_days * 100) > round(h.sla_working_days * 100))
              AND (NOT \(filter.openOnly)
                  OR (h.ended_at IS NULL AND NOT EXISTS (SELECT 1 FROM approval_times t WHERE t.approval_id = h.approval_id)))
              AND (\(filter.openBefore)::timestamptz IS NULL
                  OR h.assigned_at + make_interval(secs => h.sla_working_days * 86400) < \(filter.openBefore))
              AND (\(cursor?.boundTime)::timestamptz IS NULL OR (h.ended_at, h.id) < (\(cursor?.boundTime), \(cursor?.id)))
            ORDER BY h.ended_at DESC NULLS LAST, h.id DESC
            LIMIT \(filter.page?.fetchLimit)
            """
        let rows = try await connection.query(query, logger: logger)
        var holds: [Hold] = []
        for try await row in rows.decode(
            (UUID, String, String, String, Int, String?, [String]?, String, String?, String?, Date, Date?, String?, Double?, Double).self
        ) {
            holds.append(
                Hold(
                    id: row.0,
                    approvalID: row.1,
                    contractID: row.2,
                    contractNumber: row.3,
                    step: row.4,
                    role: row.5,
                    tier: row.6.map(ApprovalSLA.tier),
                    approverID: row.7,
                    approverName: row.8,
                    onBehalfOfID: row.9,
                    assignedAt: row.10,
                    endedAt: row.11,
                    outcome: row.12,
                    workingDays: row.13,
                    slaWorkingDays: row.14
                )
            )
        }
        return holds
    }
}
