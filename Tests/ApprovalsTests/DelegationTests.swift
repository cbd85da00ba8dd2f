import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Approvals

/// Delegation (委托审批) and reassignment against a real PostgreSQL schema: delegations through the RPC router, steps
/// through `contract.submitted` and `user.deactivated` as the consumer runs them, and the daily check with a
/// controlled clock.
@Suite("Approval delegation and reassignment")
struct DelegationTests {
    let flow = ApprovalFlowTests()

    static var today: CalendarDay { BusinessCalendar.day(of: Date()) }

    static func day(_ offset: Int) -> CalendarDay {
        BusinessCalendar.day(of: BusinessCalendar.start(of: today).addingTimeInterval(Double(offset) * 86_400 + 3_600))
    }

    /// Asks for a delegation as `user`; the body names `delegatorId` only when given.
    func delegate(
        _ service: RPCHarness,
        as user: String,
        from: String? = nil,
        to delegate: String,
        days: ClosedRange<Int> = 0...3,
        reason: String = "出差",
        key: String? = nil
    ) async -> RPCResponse {
        var fields = [
            #""delegateId":"\#(delegate)""#, #""from":"\#(Self.day(days.lowerBound))""#, #""to":"\#(Self.day(days.upperBound))""#,
            #""reason":"\#(reason)""#,
        ]
        if let from { fields.append(#""delegatorId":"\#(from)""#) }
        return await service.call(
            CreateDelegationHandler.operation,
            as: user,
            "{" + fields.joined(separator: ",") + "}",
            key: key ?? UUID().uuidString
        )
    }

    func approval(_ service: RPCHarness, _ id: String, as user: String = "rep-1") async throws -> Approval {
        try await service.call(Operation.Approvals.get, as: user, id: id).decode(Approval.self)
    }

    @Test("while sup-1 is away, a new contract's step goes to the delegate, who approves it on sup-1's behalf")
    func delegateDecidesOnBehalf() async throws {
        try await flow.withService { service in
            let created = await delegate(service, as: "sup-1", to: "sup-2")
            #expect(created.status == 201, "\(created.text)")
            #expect(try created.decode(Delegation.self).status == .active)

            try await flow.submit(service, amountFen: 3_000_000)
            #expect(try await flow.queue(service, of: "sup-1").isEmpty)
            let queued = try await flow.queue(service, of: "sup-2")
            #expect(queued.count == 1)
            let id = try #require(queued.first).id.description
            let step = try #require(queued.first?.steps.first)
            #expect(step.approverID == "sup-2")
            #expect(step.onBehalfOfID == "sup-1")
            #expect(step.onBehalfOfName == "周主管")
            let pushed = try #require(try await service.outbox(ApprovalStepAssigned.self).last)
            #expect(pushed.approverID == "sup-2")
            #expect(pushed.onBehalfOfID == "sup-1")

            #expect(await flow.decide(service, Operation.Approvals.approve, as: "sup-1", id).status == 403)
            let decided = await flow.decide(service, Operation.Approvals.approve, as: "sup-2", id, comment: "同意")
            #expect(decided.status == 200, "\(decided.text)")
            let done = try await approval(service, id)
            #expect(done.status == .approved)
            #expect(done.steps[0].decidedByID == "sup-2")
            #expect(done.steps[0].decidedByName == "郑主管")
            #expect(done.steps[0].onBehalfOfID == "sup-1")
            // The approver it was meant for still sees it.
            #expect(await service.call(Operation.Approvals.get, as: "sup-1", id: id).status == 200)
            #expect(try await service.outbox(ApprovalStepDecided.self).last?.approverID == "sup-2")
        }
    }

    @Test("a delegation for today moves sup-1's pending steps at once; one from tomorrow moves them at tomorrow's 00:05 check")
    func pendingStepsMoveWhenDelegationStarts() async throws {
        try await flow.withService { service in
            try await flow.submit(service, amountFen: 3_000_000)
            try await flow.submit(service, amountFen: 4_000_000)
            #expect(try await flow.queue(service, of: "sup-1").count == 2)

            let later = await delegate(service, as: "sup-1", to: "rm-east", days: 1...2)
            #expect(later.status == 201, "\(later.text)")
            #expect(try later.decode(Delegation.self).status == .scheduled)
            #expect(try await flow.queue(service, of: "sup-1").count == 2)
            #expect(try await flow.queue(service, of: "rm-east").isEmpty)

            let moves = ApprovalsService.stepMoves(logger: service.logger)
            let delegations = DelegationRepository(logger: service.logger)
            let job = DelegationStartJob.job(delegations: delegations, moves: moves)
            let tomorrow = try #require(
                DelegationStartJob.schedule.nextOccurrence(after: BusinessCalendar.start(of: Self.day(1)).addingTimeInterval(-1))
            )
            #expect(try await job.runIfDue(now: tomorrow.addingTimeInterval(10), client: service.client, logger: service.logger) == .ran(tomorrow))
            #expect(try await flow.queue(service, of: "sup-1").isEmpty)
            let moved = try await flow.queue(service, of: "rm-east")
            #expect(moved.count == 2)
            #expect(moved.allSatisfy { $0.steps[0].onBehalfOfID == "sup-1" && $0.steps[0].reassignedReason == .delegation })
            #expect(moved.allSatisfy { $0.steps[0].reassignedFromID == "sup-1" })
            let pushed = try await service.outbox(ApprovalStepAssigned.self).suffix(2)
            #expect(pushed.map(\.approverID) == ["rm-east", "rm-east"])
            #expect(pushed.allSatisfy { $0.reassignedFromID == "sup-1" })
        }
    }

    @Test("a delegation created for a range including today moves the pending step at once, and cancelling it gives it back")
    func delegationForTodayAndCancel() async throws {
        try await flow.withService { service in
            try await flow.submit(service, amountFen: 3_000_000)
            let created = await delegate(service, as: "sup-1", to: "sup-2", days: -1...2)
            #expect(created.status == 201, "\(created.text)")
            let delegation = try created.decode(Delegation.self)
            #expect(try await flow.queue(service, of: "sup-1").isEmpty)
            #expect(try await flow.queue(service, of: "sup-2").count == 1)

            #expect(await service.call(CancelDelegationHandler.operation, as: "sup-2", id: delegation.id.description, key: "c0").status == 403)
            #expect(await service.call(CancelDelegationHandler.operation, as: "rep-1", id: delegation.id.description, key: "c1").status == 404)
            let cancelled = await service.call(CancelDelegationHandler.operation, as: "sup-1", id: delegation.id.description, key: "c2")
            #expect(cancelled.status == 200, "\(cancelled.text)")
            #expect(try cancelled.decode(Delegation.self).status == .cancelled)
            let back = try await flow.queue(service, of: "sup-1")
            #expect(back.count == 1)
            #expect(back.first?.steps[0].reassignedReason == .delegationEnded)
            #expect(back.first?.steps[0].onBehalfOfID == nil)
            #expect(try await flow.queue(service, of: "sup-2").isEmpty)
            #expect(await service.call(CancelDelegationHandler.operation, as: "sup-1", id: delegation.id.description, key: "c3").status == 409)

            let mine = try await service.call(ListDelegationsHandler.operation, as: "sup-1").decode(ListPage<Delegation>.self)
            #expect(mine.items.map(\.id) == [delegation.id])
            #expect(try await service.call(ListDelegationsHandler.operation, as: "rep-1").decode(ListPage<Delegation>.self).items.isEmpty)
            #expect(try await service.call(ListDelegationsHandler.operation, as: "admin").decode(ListPage<Delegation>.self).items.count == 1)
            let trail = try await service.client.withConnection { connection in
                try await DelegationRepository(logger: service.logger).auditTrail(delegation.id, on: connection)
            }
            #expect(trail.map(\.action) == ["created", "steps_moved", "cancelled", "steps_returned"])
        }
    }

    @Test("a deactivated approver's pending steps move at once: up the line, or to their delegate when they have one")
    func deactivationMovesStepsAtOnce() async throws {
        try await flow.withService { service in
            try await flow.submit(service, amountFen: 3_000_000)
            let gone = Org.user("sup-1").updated(version: 2) { $0.active = false }
            try await service.deliver(UserDeactivated(user: gone), source: "gateway", subject: "sup-1", sequence: 2)
            #expect(try await flow.queue(service, of: "sup-1").isEmpty)
            let moved = try #require(try await flow.queue(service, of: "rm-east").first)
            #expect(moved.steps[0].reassignedFromID == "sup-1")
            #expect(moved.steps[0].reassignedReason == .deactivated)
            #expect(moved.steps[0].onBehalfOfID == nil)
            #expect(moved.steps[0].resolution?.hasPrefix("escalated:regional_manager") == true)
            #expect(try await service.outbox(ApprovalStepAssigned.self).last?.approverID == "rm-east")
        }
        try await flow.withService { service in
            #expect(await delegate(service, as: "sup-1", to: "sup-2", days: 1...3).status == 201)
            try await flow.submit(service, amountFen: 3_000_000)
            #expect(try await flow.queue(service, of: "sup-1").count == 1)
            // Not yet in force: up the line.
            let gone = Org.user("sup-1").updated(version: 2) { $0.active = false }
            try await service.deliver(UserDeactivated(user: gone), source: "gateway", subject: "sup-1", sequence: 2)
            #expect(try await flow.queue(service, of: "rm-east").count == 1)
        }
        try await flow.withService { service in
            try await flow.submit(service, amountFen: 3_000_000)
            #expect(await admin(service, delegates: "sup-1", to: "sup-2").status == 201)
            // The delegation moved it already; deactivating the delegate sends it up the line.
            #expect(try await flow.queue(service, of: "sup-2").count == 1)
            let gone = Org.user("sup-2").updated(version: 2) { $0.active = false }
            try await service.deliver(UserDeactivated(user: gone), source: "gateway", subject: "sup-2", sequence: 2)
            let moved = try #require(try await flow.queue(service, of: "rm-east").first)
            #expect(moved.steps[0].reassignedFromID == "sup-2")
            #expect(moved.steps[0].resolution?.contains("sup-1=away") == true)
        }
    }

    func admin(_ service: RPCHarness, delegates delegator: String, to delegateID: String) async -> RPCResponse {
        await delegate(service, as: "admin", from: delegator, to: delegateID)
    }

    @Test("an approver deactivated while their delegation is in force: their steps go to the delegate at once")
    func deactivatedWithDelegateGoesToDelegate() async throws {
        try await flow.withService { service in
            try await flow.submit(service, amountFen: 3_000_000)
            // Put the step back on sup-1 by a delegation that starts tomorrow, then make one in force by editing dates.
            #expect(await delegate(service, as: "sup-1", to: "sup-2", days: 1...3).status == 201)
            try await service.client.query("UPDATE delegations SET starts_on = starts_on - 1", logger: service.logger)
            #expect(try await flow.queue(service, of: "sup-1").count == 1)
            let gone = Org.user("sup-1").updated(version: 2) { $0.active = false }
            try await service.deliver(UserDeactivated(user: gone), source: "gateway", subject: "sup-1", sequence: 2)
            let moved = try #require(try await flow.queue(service, of: "sup-2").first)
            #expect(moved.steps[0].onBehalfOfID == "sup-1")
            #expect(moved.steps[0].reassignedReason == .deactivated)
        }
    }

    @Test("separation of duties holds: a delegate who owns the contract, or decided an earlier step, is passed over up the line")
    func delegateWhoMayNotDecideGoesUp() async throws {
        try await flow.withService { service in
            // rm-east away, delegating to sup-1; sup-1 sells a contract of their own, whose first approver is rm-east.
            #expect(await delegate(service, as: "rm-east", to: "sup-1").status == 201)
            try await flow.submit(service, amountFen: 3_000_000, owner: "sup-1", submitter: "sup-1")
            #expect(try await flow.queue(service, of: "sup-1").isEmpty)
            let up = try #require(try await flow.queue(service, of: "gm").first)
            #expect(up.steps[0].onBehalfOfID == nil)
            #expect(up.steps[0].resolution?.contains("rm-east=away") == true)
        }
        try await flow.withService { service in
            // sup-1 approves the first step; the regional manager's delegate is sup-1 again: the step goes to the gm.
            try await flow.submit(service, amountFen: 8_000_000)
            let id = try await flow.pendingAtSupervisor(service)
            #expect(await delegate(service, as: "rm-east", to: "sup-1").status == 201)
            #expect(await flow.decide(service, Operation.Approvals.approve, as: "sup-1", id).status == 200)
            let step = try await approval(service, id).steps[1]
            #expect(step.approverID == "gm")
            #expect(step.resolution?.contains("sup-1=delegate-decided") == true)
            #expect(step.onBehalfOfID == nil)
        }
    }

    @Test("a delegation is refused: overlapping 409, a non-approver or deactivated delegate 422, for someone else unless admin 403")
    func refusals() async throws {
        try await flow.withService { service in
            #expect(await delegate(service, as: "sup-1", to: "sup-2", days: 0...5).status == 201)
            let overlap = await delegate(service, as: "sup-1", to: "rm-east", days: 5...8)
            #expect(overlap.status == 409, "\(overlap.text)")
            #expect(await delegate(service, as: "sup-1", to: "rm-east", days: 6...8).status == 201)

            let rep = await delegate(service, as: "sup-2", to: "rep-1")
            #expect(rep.status == 422)
            #expect(try rep.problem().errors?.map(\.field) == ["delegateId"])
            #expect(await delegate(service, as: "sup-2", to: "finance").status == 422)
            #expect(await delegate(service, as: "sup-2", to: "nobody").status == 422)
            #expect(await delegate(service, as: "sup-2", to: "sup-2").status == 422)
            let gone = Org.user("rm-north").updated(version: 2) { $0.active = false }
            try await service.deliver(UserDeactivated(user: gone), source: "gateway", subject: "rm-north", sequence: 2)
            #expect(await delegate(service, as: "sup-2", to: "rm-north").status == 422)
            #expect(await delegate(service, as: "sup-2", to: "gm", days: -3...(-1)).status == 422)
            #expect(await delegate(service, as: "sup-2", to: "gm", days: 0...120).status == 422)
            #expect(await delegate(service, as: "sup-2", to: "gm", reason: " ").status == 422)

            #expect(await delegate(service, as: "rep-1", to: "sup-1").status == 403)
            #expect(await delegate(service, as: "sup-2", from: "sup-1", to: "gm").status == 403)
            #expect(await delegate(service, as: "admin", from: "sup-2", to: "gm").status == 201)
            #expect(await delegate(service, as: "admin", from: "rep-2", to: "gm").status == 422)
        }
    }

    @Test("a repeated create with the same Idempotency-Key answers the first reply and stores one delegation")
    func idempotentCreate() async throws {
        try await flow.withService { service in
            let first = await delegate(service, as: "sup-1", to: "sup-2", key: "same")
            let again = await delegate(service, as: "sup-1", to: "sup-2", key: "same")
            #expect(first.status == 201)
            #expect(again.status == 201)
            #expect(first.body == again.body)
            let stored = try await service.count("delegations")
            #expect(stored == 1)
        }
    }

    @Test("the delegate candidates are the active approvers other than the caller")
    func candidates() async throws {
        try await flow.withService { service in
            struct Candidate: Decodable, Sendable { var id: String }
            struct Candidates: Decodable, Sendable { var items: [Candidate] }
            let ids = try await service.call(DelegateCandidatesHandler.operation, as: "sup-1").decode(Candidates.self).items.map(\.id)
            #expect(Set(ids) == ["sup-2", "rm-east", "rm-north", "gm"])
        }
    }
}

/// ``DelegationRule`` on its own: value types, no database.
@Suite("Delegation rule")
struct DelegationRuleTests {
    static let chart = OrgChart(users: Org.users.map(OrgUser.init))

    static func approval(amountFen: Fen = 3_000_000, owner: String = "rep-1") -> Approval {
        let contract = ContractSubmitted(
            contractID: UUID().uuidString,
            number: "HT-2026-000001",
            dealID: "deal-1",
            customerID: "c-1",
            customerName: "宁波精工",
            ownerID: owner,
            region: "east-china",
            amountFen: amountFen,
            lines: [],
            submittedBy: owner,
            submittedAt: Date()
        )
        return Approval.start(
            id: RecordID(),
            contract: contract,
            policy: ApprovalPolicy(version: 1, tiers: ApprovalPolicy.defaultTiers, createdBy: "t", createdAt: Date()),
            at: Date()
        )
    }

    static func delegation(_ from: String, to: String) -> Delegation {
        let today = BusinessCalendar.day(of: Date())
        return Delegation(
            id: RecordID(),
            delegatorID: from,
            delegatorName: from,
            delegateID: to,
            delegateName: to,
            from: today,
            to: today,
            reason: "出差",
            createdBy: from,
            createdAt: Date(),
            cancelledBy: nil,
            cancelledAt: nil,
            status: .active
        )
    }

    @Test("no delegation: the approver the org chart names")
    func noDelegation() throws {
        let assignment = try #require(DelegationRule.assignment(for: .supervisor, of: Self.approval(), chart: Self.chart, delegations: [:]))
        #expect(assignment.approver.id == "sup-1")
        #expect(assignment.onBehalfOf == nil)
        #expect(assignment.resolution == "direct")
    }

    @Test("an away approver's step goes to the delegate, on their behalf")
    func toDelegate() throws {
        let active = ["sup-1": Self.delegation("sup-1", to: "sup-2")]
        let assignment = try #require(DelegationRule.assignment(for: .supervisor, of: Self.approval(), chart: Self.chart, delegations: active))
        #expect(assignment.approver.id == "sup-2")
        #expect(assignment.onBehalfOf?.id == "sup-1")
    }

    @Test("delegations do not chain: a delegate who is away too sends the step up the line")
    func noChains() throws {
        let active = ["sup-1": Self.delegation("sup-1", to: "sup-2"), "sup-2": Self.delegation("sup-2", to: "gm")]
        let assignment = try #require(DelegationRule.assignment(for: .supervisor, of: Self.approval(), chart: Self.chart, delegations: active))
        #expect(assignment.approver.id == "rm-east")
        #expect(assignment.onBehalfOf == nil)
        #expect(assignment.resolution == "escalated:regional_manager;skipped:sup-1=away,sup-2=delegate-away")
    }

    @Test("the delegate who owns the contract is passed over, and so is the away approver")
    func ownerGoesUp() throws {
        let active = ["rm-east": Self.delegation("rm-east", to: "sup-1")]
        let assignment = try #require(
            DelegationRule.assignment(for: .supervisor, of: Self.approval(owner: "sup-1"), chart: Self.chart, delegations: active)
        )
        #expect(assignment.approver.id == "gm")
        #expect(assignment.resolution == "escalated:gm;skipped:rm-east=away,sup-1=delegate-owner")
    }

    @Test("a deactivated holder's step goes to their delegate when one is in force, else up the line")
    func deactivatedHolder() throws {
        var approval = Self.approval()
        approval.assign(try #require(Self.chart.approver(for: .supervisor, ownerID: "rep-1", submitterID: "rep-1", region: "east-china")), at: Date())
        var users = Org.users.map(OrgUser.init)
        users[users.firstIndex { $0.id == "sup-1" }!].active = false
        let chart = OrgChart(users: users)
        let toDelegate = try #require(
            DelegationRule.reassignment(
                of: approval,
                from: "sup-1",
                in: .deactivated,
                chart: chart,
                delegations: ["sup-1": Self.delegation("sup-1", to: "sup-2")]
            )
        )
        #expect(toDelegate.approver.id == "sup-2")
        #expect(toDelegate.onBehalfOf?.id == "sup-1")
        let upTheLine = try #require(DelegationRule.reassignment(of: approval, from: "sup-1", in: .deactivated, chart: chart, delegations: [:]))
        #expect(upTheLine.approver.id == "rm-east")
        #expect(upTheLine.onBehalfOf == nil)
    }
}
