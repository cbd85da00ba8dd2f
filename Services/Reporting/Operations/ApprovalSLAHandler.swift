import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// Approval SLA analytics (issue 12), in the caller's scope (rep: own contracts; supervisor: the team's; regional
/// manager: the region's; gm and admin: all), for a month (`YYYY-MM`, Asia/Shanghai, default the current one).
///
/// - `reporting.approvalSla?month=`: the steps decided in the month (``ApprovalSLA/Figures``) overall, per step role,
///   per approver and per policy tier; the slowest approvers (the top ``ApprovalSLA/slowestCount`` by average, at least
///   one decided step); and the steps stuck now — open (not decided, not moved, the approval not completed) and past
///   their SLA against the wall clock and the holiday calendar, whatever the month.
/// - `reporting.approvalSlaBreaches?month=&limit=&cursor=`: the breach list, the steps decided in the month after their
///   SLA, latest decision first, cursor-paged.
///
/// Working days are as ``Contracts/WorkingCalendar/workingDays(from:to:)`` defines them; a decided step's are those
/// `approvals` computed. Days and SLAs are strings with two decimals, shares percent strings with two decimals.
struct ApprovalSLAHandler: Sendable {
    static let operation = "reporting.approvalSla"
    static let breachesOperation = "reporting.approvalSlaBreaches"

    let postgres: PostgresClient
    let repository: ApprovalSLARepository
    /// The working days; `nil` reads the holiday calendar's replica (``Persistence/CalendarReplica``) per request.
    let calendar: WorkingCalendar?
    let now: @Sendable () -> Date

    /// The figures of one group of decided steps; which group is named by `role`, `tier` or `approverId`.
    struct Group: Encodable {
        var role: String?
        var tier: String?
        var approverId: String?
        var approverName: String?
        var decided: Int
        @ExplicitNull var averageWorkingDays: String?
        @ExplicitNull var p90WorkingDays: String?
        var breaches: Int
        @ExplicitNull var breachShare: String?
        @ExplicitNull var status: KPIStatus?

        init(role: String? = nil, tier: String? = nil, approverId: String? = nil, approverName: String? = nil, _ figures: ApprovalSLA.Figures) {
            self.role = role
            self.tier = tier
            self.approverId = approverId
            self.approverName = approverName
            decided = figures.decided
            averageWorkingDays = ApprovalSLA.days(figures.averageWorkingDays)
            p90WorkingDays = ApprovalSLA.days(figures.p90WorkingDays)
            breaches = figures.breaches
            breachShare = figures.breachBasisPoints.map(Ratio.percentText)
            status = figures.status
        }
    }

    /// A step waiting past its SLA now.
    struct Stuck: Encodable {
        var approvalId: String
        var contractId: String
        var contractNumber: String
        var step: Int
        @ExplicitNull var role: String?
        var approverId: String
        @ExplicitNull var approverName: String?
        var assignedAt: Date
        var waitedWorkingDays: String
        var slaWorkingDays: String
    }

    struct Summary: Encodable {
        var month: String
        var defaultSlaWorkingDays: String
        @ExplicitNull var status: KPIStatus?
        var overall: Group
        var steps: [Group]
        var tiers: [Group]
        var approvers: [Group]
        var slowestApprovers: [Group]
        var stuck: [Stuck]
        var breachList: String
    }

    /// One step decided after its SLA.
    struct Breach: Encodable, Sendable {
        var id: String
        var approvalId: String
        var contractId: String
        var contractNumber: String
        var step: Int
        @ExplicitNull var role: String?
        @ExplicitNull var tier: String?
        var approverId: String
        @ExplicitNull var approverName: String?
        var assignedAt: Date
        var decidedAt: Date
        var outcome: String
        var workingDays: String
        var slaWorkingDays: String
    }

    /// Step roles in approval order; a role not listed (or not yet known) follows them.
    static let roleOrder = [Role.supervisor, .regionalManager, .gm, .admin].map(\.rawValue)

    func summary(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = DataScope(try request.requireIdentity())
        let today = now()
        let (label, period) = try ReportPeriod.month(request.query["month"], now: today)
        let (decided, open, working) = try await postgres.withConnection { connection in
            let decided = try await repository.decided(in: period, scope: scope, on: connection)
            let open = try await repository.openMaybeStuck(at: today, scope: scope, on: connection)
            var working = calendar
            if working == nil { working = try await CalendarReplica(logger: repository.logger).calendar(on: connection) }
            return (decided, open, working ?? WorkingCalendar())
        }
        func figures(_ holds: [ApprovalSLARepository.Hold]) -> ApprovalSLA.Figures { ApprovalSLA.Figures(holds.compactMap(\.wait)) }

        let byRole = Dictionary(grouping: decided) { $0.role ?? "unknown" }
        let steps = byRole.sorted { (Self.roleRank($0.key), $0.key) < (Self.roleRank($1.key), $1.key) }.map { Group(role: $0.key, figures($0.value)) }
        let byTier = Dictionary(grouping: decided) { $0.tier ?? "unknown" }
        let tiers = byTier.sorted { ($0.key.count, $0.key) < ($1.key.count, $1.key) }.map { Group(tier: $0.key, figures($0.value)) }
        let byApprover = Dictionary(grouping: decided, by: \.approverID)
        let approverFigures = byApprover.map { (id: $0.key, name: $0.value.first?.approverName, figures: figures($0.value)) }
        let approvers = approverFigures.sorted { ($0.name ?? $0.id, $0.id) < ($1.name ?? $1.id, $1.id) }
            .map { Group(approverId: $0.id, approverName: $0.name, $0.figures) }
        let slowest = approverFigures.filter { $0.figures.decided >= 1 }
            .sorted { ($0.figures.averageWorkingDays ?? 0, $1.id) > ($1.figures.averageWorkingDays ?? 0, $0.id) }
            .prefix(ApprovalSLA.slowestCount)
            .map { Group(approverId: $0.id, approverName: $0.name, $0.figures) }
        let stuck = open.compactMap { hold -> Stuck? in
            let waited = working.workingDays(from: hold.assignedAt, to: today)
            guard ApprovalSLA.Wait(workingDays: waited, slaWorkingDays: hold.slaWorkingDays).breached else { return nil }
            return Stuck(
                approvalId: hold.approvalID,
                contractId: hold.contractID,
                contractNumber: hold.contractNumber,
                step: hold.step,
                role: hold.role,
                approverId: hold.approverID,
                approverName: hold.approverName,
                assignedAt: hold.assignedAt,
                waitedWorkingDays: ApprovalSLA.days(waited) ?? "0.00",
                slaWorkingDays: ApprovalSLA.days(hold.slaWorkingDays) ?? "0.00"
            )
        }
        let overall = figures(decided)
        var status = overall.status
        if !stuck.isEmpty { status = .red }
        return try .json(
            Summary(
                month: label,
                defaultSlaWorkingDays: ApprovalSLA.days(ApprovalStepAssigned.defaultSLAWorkingDays) ?? "1.00",
                status: status,
                overall: Group(overall),
                steps: steps,
                tiers: tiers,
                approvers: approvers,
                slowestApprovers: Array(slowest),
                stuck: stuck,
                breachList: "/api/v1/reports/approval-sla/breaches?month=\(label)"
            )
        )
    }

    func breaches(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = DataScope(try request.requireIdentity())
        let (_, period) = try ReportPeriod.month(request.query["month"], now: now())
        let page = try request.pageRequest()
        let rows = try await postgres.withConnection { connection in
            try await repository.breaches(in: period, scope: scope, page: page, on: connection)
        }
        let breaches = rows.compactMap { hold -> Breach? in
            guard let decidedAt = hold.endedAt, let outcome = hold.outcome, let waited = hold.workingDays else { return nil }
            return Breach(
                id: RecordID(hold.id).description,
                approvalId: hold.approvalID,
                contractId: hold.contractID,
                contractNumber: hold.contractNumber,
                step: hold.step,
                role: hold.role,
                tier: hold.tier,
                approverId: hold.approverID,
                approverName: hold.approverName,
                assignedAt: hold.assignedAt,
                decidedAt: decidedAt,
                outcome: outcome,
                workingDays: ApprovalSLA.days(waited) ?? "0.00",
                slaWorkingDays: ApprovalSLA.days(hold.slaWorkingDays) ?? "0.00"
            )
        }
        return try .json(Page(rows: breaches, for: page) { PageCursor(createdAt: $0.decidedAt, id: UUID(uuidString: $0.id) ?? UUID()) })
    }

    static func roleRank(_ role: String) -> Int { roleOrder.firstIndex(of: role) ?? roleOrder.count }
}
