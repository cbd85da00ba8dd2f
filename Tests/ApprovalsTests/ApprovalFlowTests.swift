import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
public import TestSupport
import Testing

@testable import Approvals

extension ApprovalsService: ServiceUnderTest {}

/// The approval saga's approvals side against a real PostgreSQL schema: events in through the registered handlers
/// (inside an inbox transaction, as the consumer runs them), decisions through the RPC router.
@Suite("Approval flow")
struct ApprovalFlowTests {
    /// Runs `body` with the approvals service on a schema of its own that knows the ``Org``.
    func withService(_ body: @Sendable (RPCHarness) async throws -> Void) async throws {
        try await RPCHarness.with(ApprovalsService.self) { service in
            try await Org.seed(service)
            try await body(service)
        }
    }

    /// Delivers rep-1's `contract.submitted` for `amountFen`.
    @discardableResult
    func submit(
        _ service: RPCHarness,
        amountFen: Fen,
        contract: String = UUID().uuidString,
        owner: String = "rep-1",
        submitter: String = "rep-1"
    ) async throws -> EventEnvelope {
        let event = ContractSubmitted(
            contractID: contract,
            number: "HT-2026-000123",
            dealID: "deal-1",
            customerID: "c-1",
            customerName: "宁波精工",
            ownerID: owner,
            region: "east-china",
            amountFen: amountFen,
            lines: [],
            submittedBy: submitter,
            submittedAt: Date()
        )
        return try await service.deliver(event, source: "deals", subject: contract, sequence: 2)
    }

    /// The approvals waiting for `user`.
    func queue(_ service: RPCHarness, of user: String) async throws -> [Approval] {
        try await service.call(Operation.Approvals.list, as: user, query: "status=pending").decode(ListPage<Approval>.self).items
    }

    /// The one approval waiting for sup-1 after a submission.
    func pendingAtSupervisor(_ service: RPCHarness) async throws -> String {
        let queue = try await queue(service, of: "sup-1")
        #expect(queue.count == 1)
        return try #require(queue.first).id.description
    }

    func decide(
        _ service: RPCHarness,
        _ operation: String,
        as user: String,
        _ id: String,
        comment: String? = nil,
        key: String? = nil
    ) async
        -> RPCResponse
    {
        await service.call(operation, as: user, comment.map { #"{"comment":"\#($0)"}"# } ?? "", id: id, key: key)
    }

    @Test("approvals come a page at a time: the pending queue oldest first, the caller's approvals newest first, by status")
    func approvalPages() async throws {
        try await withService { service in
            var contracts: [String] = []
            for _ in 0..<3 {
                let contract = UUID().uuidString
                contracts.append(contract)
                try await submit(service, amountFen: 8_000_000, contract: contract)
            }
            func page(_ user: String, _ query: String) async throws -> ListPage<Approval> {
                let response = await service.call(Operation.Approvals.list, as: user, query: query)
                #expect(response.status == 200, "\(response.text)")
                return try response.decode(ListPage<Approval>.self)
            }
            let queued = try await page("sup-1", "status=pending&limit=2")
            #expect(queued.items.map(\.contractID) == Array(contracts.prefix(2)))
            let rest = try await page("sup-1", "status=pending&limit=2&cursor=\(try #require(queued.nextCursor))")
            #expect(rest.items.map(\.contractID) == [contracts[2]])
            #expect(rest.nextCursor == nil)

            let newest = try await page("rep-1", "limit=2")
            #expect(newest.items.map(\.contractID) == [contracts[2], contracts[1]])
            let older = try await page("rep-1", "limit=2&cursor=\(try #require(newest.nextCursor))")
            #expect(older.items.map(\.contractID) == [contracts[0]])
            #expect(older.nextCursor == nil)
            #expect(try await page("rep-1", "status=approved").items.isEmpty)
            #expect(await service.call(Operation.Approvals.list, as: "rep-1", query: "cursor=bogus").status == 422)
        }
    }

    @Test("contract=<id> narrows the caller's approvals and queue to that contract's, and never shows another user's")
    func approvalsOfOneContract() async throws {
        try await withService { service in
            let first = UUID().uuidString
            let second = UUID().uuidString
            try await submit(service, amountFen: 8_000_000, contract: first)
            try await submit(service, amountFen: 8_000_000, contract: second)
            func contracts(_ user: String, _ query: String) async throws -> [String] {
                let response = await service.call(Operation.Approvals.list, as: user, query: query)
                #expect(response.status == 200, "\(response.text)")
                return try response.decode(ListPage<Approval>.self).items.map(\.contractID)
            }
            // Deals sends lower-case ids; the events of this test carry upper-case ones: either matches.
            #expect(try await contracts("rep-1", "contract=\(first.lowercased())") == [first])
            #expect(try await contracts("rep-1", "contract=\(second)&limit=1") == [second])
            #expect(try await contracts("sup-1", "status=pending&contract=\(second.lowercased())") == [second])
            #expect(try await contracts("rep-1", "contract=\(UUID().uuidString)").isEmpty)
            #expect(try await contracts("rep-2", "contract=\(first.lowercased())").isEmpty)
            #expect(try await contracts("sup-2", "status=pending&contract=\(first.lowercased())").isEmpty)
            let bad = await service.call(Operation.Approvals.list, as: "rep-1", query: "contract=HT-2026-000123")
            #expect(bad.status == 422)
            #expect(bad.text.contains("contract"))
        }
    }

    @Test("a redelivered contract.submitted (same id) and a re-sent one (new id) both leave one approval, at the supervisor")
    func oneApprovalPerContract() async throws {
        try await withService { service in
            let submitted = try await submit(service, amountFen: 8_000_000)
            try await service.deliver(submitted)
            var again = submitted
            again.id = UUID()
            try await service.deliver(again)
            #expect(try await queue(service, of: "sup-1").count == 1)
            #expect(try await queue(service, of: "rm-east").isEmpty)
        }
    }

    @Test("an 80,000 CNY contract goes supervisor → regional manager → gm, each in turn, and completes approved")
    func threeSteps() async throws {
        try await withService { service in
            try await submit(service, amountFen: 8_000_000)
            let id = try await pendingAtSupervisor(service)
            for approver in ["sup-1", "rm-east", "gm"] {
                #expect(try await queue(service, of: approver).map(\.id.description) == [id])
                let response = await decide(service, Operation.Approvals.approve, as: approver, id, comment: "ok")
                #expect(response.status == 200, "\(approver): \(response.text)")
                #expect(try await queue(service, of: approver).isEmpty)
            }

            #expect(
                try await service.outbox().map(\.type) == [
                    "approval.requested", "approval.step_assigned", "approval.step_decided", "approval.step_assigned",
                    "approval.step_decided", "approval.step_assigned", "approval.step_decided", "approval.completed",
                ]
            )
            let assigned = try await service.outbox(ApprovalStepAssigned.self)
            #expect(assigned.map(\.approverID) == ["sup-1", "rm-east", "gm"])
            #expect(assigned.first?.approverMobile == "13800000002")
            #expect(assigned.first?.customerName == "宁波精工")
            #expect(try await service.outbox(ApprovalRequested.self).first?.policyVersion == 1)
            let completed = try #require(try await service.outbox(ApprovalCompleted.self).first)
            #expect(completed.outcome == .approved)
            #expect(completed.workingDays >= 0 && completed.workingDays < 1)

            let fetched = try await service.call(Operation.Approvals.get, as: "rep-1", id: id).decode(Approval.self)
            #expect(fetched.status == .approved)
        }
    }

    @Test("the pending count is the caller's queue: it follows each approval from approver to approver")
    func pendingCount() async throws {
        try await withService { service in
            func count(_ user: String) async throws -> Int64? {
                let response = await service.call(PendingApprovalCountHandler.operation, as: user)
                #expect(response.status == 200, "\(response.text)")
                return try response.json()["pending"]?.integerValue
            }
            try await submit(service, amountFen: 8_000_000)
            try await submit(service, amountFen: 3_000_000)
            #expect(try await count("sup-1") == 2)
            #expect(try await count("rm-east") == 0)
            let first = try await queue(service, of: "sup-1")[0].id.description
            #expect(await decide(service, Operation.Approvals.approve, as: "sup-1", first).status == 200)
            #expect(try await count("sup-1") == 1)
            #expect(try await count("rm-east") == Int64(try await queue(service, of: "rm-east").count))
            #expect(try await count("rm-east") == 1)
            #expect(try await count("sup-2") == 0)
            #expect(await service.call(PendingApprovalCountHandler.operation, as: nil as CallerIdentity?).status == 401)
        }
    }

    @Test("a 30,000 CNY contract needs the supervisor alone")
    func supervisorOnly() async throws {
        try await withService { service in
            try await submit(service, amountFen: 3_000_000)
            let id = try await pendingAtSupervisor(service)
            #expect(await decide(service, Operation.Approvals.approve, as: "sup-1", id).status == 200)
            #expect(
                try await service.outbox().map(\.type) == [
                    "approval.requested", "approval.step_assigned", "approval.step_decided", "approval.completed",
                ]
            )
            #expect(try await queue(service, of: "rm-east").isEmpty)
        }
    }

    @Test("a rejection at step 2 ends the approval as rejected; nobody decides it afterwards")
    func rejectAtStepTwo() async throws {
        try await withService { service in
            try await submit(service, amountFen: 8_000_000)
            let id = try await pendingAtSupervisor(service)
            #expect(await decide(service, Operation.Approvals.approve, as: "sup-1", id).status == 200)
            #expect(await decide(service, Operation.Approvals.reject, as: "rm-east", id).status == 422)
            #expect(await decide(service, Operation.Approvals.reject, as: "rm-east", id, comment: "  ").status == 422)
            #expect(await decide(service, Operation.Approvals.reject, as: "rm-east", id, comment: "价格太低").status == 200)
            #expect(try await service.outbox().last?.type == ApprovalCompleted.eventType)
            let completed = try #require(try await service.outbox(ApprovalCompleted.self).last)
            #expect(completed.outcome == .rejected)
            #expect(completed.comment == "价格太低")
            #expect(try await queue(service, of: "gm").isEmpty)
            #expect(await decide(service, Operation.Approvals.approve, as: "gm", id).status == 409)
        }
    }

    @Test("only the assigned approver decides: 404 for who cannot see it, 403 for who can")
    func nonApprover() async throws {
        try await withService { service in
            try await submit(service, amountFen: 8_000_000)
            let id = try await pendingAtSupervisor(service)
            #expect(await decide(service, Operation.Approvals.approve, as: "rep-2", id).status == 404)
            #expect(await decide(service, Operation.Approvals.approve, as: "rm-east", id).status == 403)
            #expect(await decide(service, Operation.Approvals.approve, as: "gm", id).status == 403)
            #expect(await decide(service, Operation.Approvals.approve, as: "rep-1", id).status == 403)
            #expect(await decide(service, Operation.Approvals.approve, as: "sup-1", UUID().uuidString).status == 404)
        }
    }

    @Test("the approval queue without identity is refused with 401")
    func anonymous() async throws {
        try await withService { service in
            #expect(await service.call(Operation.Approvals.list, as: nil, query: "status=pending").status == 401)
        }
    }

    @Test("two approvals racing on one step: one wins, the other gets 409; a repeated Idempotency-Key gets an answer")
    func racing() async throws {
        try await withService { service in
            try await submit(service, amountFen: 8_000_000)
            let id = try await pendingAtSupervisor(service)
            async let first = decide(service, Operation.Approvals.approve, as: "sup-1", id, key: "k-1")
            async let second = decide(service, Operation.Approvals.approve, as: "sup-1", id, key: "k-2")
            let statuses = await [first.status, second.status].sorted()
            #expect(statuses == [200, 409])
            let winner = statuses == [200, 409] ? "k-1" : "k-2"
            let repeated = await decide(service, Operation.Approvals.approve, as: "sup-1", id, key: winner)
            #expect([200, 409].contains(repeated.status))
            #expect(try await service.outbox(type: ApprovalStepDecided.eventType).count == 1)
        }
    }

    @Test("a repeated approve with the same Idempotency-Key returns the first answer and decides once")
    func idempotentApprove() async throws {
        try await withService { service in
            try await submit(service, amountFen: 8_000_000)
            let id = try await pendingAtSupervisor(service)
            let first = await decide(service, Operation.Approvals.approve, as: "sup-1", id, key: "same")
            let second = await decide(service, Operation.Approvals.approve, as: "sup-1", id, key: "same")
            #expect(first.status == 200)
            #expect(second.status == 200)
            #expect(first.body == second.body)
            #expect(try await service.outbox(type: ApprovalStepDecided.eventType).count == 1)
        }
    }

    @Test("the submitter recalls a pending approval; afterwards nobody can decide it")
    func recall() async throws {
        try await withService { service in
            try await submit(service, amountFen: 8_000_000)
            let id = try await pendingAtSupervisor(service)
            #expect(await decide(service, Operation.Approvals.recall, as: "sup-1", id).status == 403)
            #expect(await decide(service, Operation.Approvals.recall, as: "rep-1", id).status == 200)
            #expect(try await service.outbox(ApprovalCompleted.self).last?.outcome == .recalled)
            #expect(await decide(service, Operation.Approvals.approve, as: "sup-1", id).status == 409)
            #expect(await decide(service, Operation.Approvals.recall, as: "rep-1", id).status == 409)
        }
    }

    static let twoTiers = #"{"tiers":[{"aboveFen":0,"steps":["supervisor"]},{"aboveFen":1000000,"steps":["supervisor","gm"]}]}"#

    @Test("only an admin reads or changes the approval policy")
    func policiesAreAdmin() async throws {
        try await withService { service in
            #expect(await service.call(Operation.Approvals.getPolicies, as: "gm").status == 403)
            #expect(await service.call(Operation.Approvals.putPolicies, as: "sup-1", Self.twoTiers).status == 403)
            #expect(await service.call(Operation.Approvals.getPolicies, as: "admin").status == 200)
        }
    }

    @Test("an admin puts a new policy version, which new approvals record; a policy without tiers is refused")
    func policies() async throws {
        try await withService { service in
            #expect(await service.call(Operation.Approvals.putPolicies, as: "admin", #"{"tiers":[]}"#).status == 422)
            #expect(await service.call(Operation.Approvals.putPolicies, as: "admin", Self.twoTiers).status == 200)
            let current = try await service.call(Operation.Approvals.getPolicies, as: "admin").decode(ApprovalPolicy.self)
            #expect(current.version == 2)
            try await submit(service, amountFen: 2_000_000)
            let requested = try await service.outbox(ApprovalRequested.self).first
            #expect(requested?.policyVersion == 2)
            #expect(requested?.steps == [.supervisor, .gm])
        }
    }

    /// Step `index` of approval `id`, as `approvals.get` answers it to `user`.
    func step(_ service: RPCHarness, _ index: Int, of id: String, as user: String) async throws -> ApprovalStep? {
        let approval = try await service.call(Operation.Approvals.get, as: user, id: id).decode(Approval.self)
        return approval.steps.indices.contains(index) ? approval.steps[index] : nil
    }

    @Test("a supervisor who submits their rep's contract, or their own, does not get its supervisor step")
    func supervisorSubmits() async throws {
        try await withService { service in
            try await submit(service, amountFen: 3_000_000, owner: "rep-1", submitter: "sup-1")
            #expect(try await queue(service, of: "sup-1").isEmpty)
            let id = try #require(try await queue(service, of: "rm-east").first).id.description
            let step = try await step(service, 0, of: id, as: "sup-1")
            #expect(step?.approverID == "rm-east")
            #expect(step?.resolution == "escalated:regional_manager;skipped:sup-1=submitter")
            #expect(try await service.outbox(ApprovalStepAssigned.self).last?.approverID == "rm-east")
            #expect(await decide(service, Operation.Approvals.approve, as: "rm-east", id).status == 200)

            try await submit(service, amountFen: 3_000_000, owner: "sup-1", submitter: "sup-1")
            #expect(try await queue(service, of: "sup-1").isEmpty)
            #expect(try await queue(service, of: "rm-east").count == 1)
        }
    }

    @Test("a gm's own 80,000 CNY contract: its gm step goes to an admin, and the gm cannot decide it")
    func gmsOwnContract() async throws {
        try await withService { service in
            try await submit(service, amountFen: 8_000_000, owner: "gm", submitter: "gm")
            let id = try #require(try await queue(service, of: "rm-east").first).id.description
            for _ in 0..<2 {
                #expect(await decide(service, Operation.Approvals.approve, as: "rm-east", id).status == 200)
            }
            #expect(try await queue(service, of: "gm").isEmpty)
            #expect(try await queue(service, of: "admin").map(\.id.description) == [id])
            let step = try await step(service, 2, of: id, as: "gm")
            #expect(step?.approverID == "admin")
            #expect(step?.resolution == "admin;skipped:gm=owner+submitter")
            #expect(await decide(service, Operation.Approvals.approve, as: "gm", id).status == 403)
            #expect(await decide(service, Operation.Approvals.approve, as: "admin", id).status == 200)
            #expect(try await service.outbox(ApprovalCompleted.self).last?.outcome == .approved)
        }
    }

    @Test("the contract's owner or submitter cannot decide a step even if it was assigned to them: 403")
    func partyRefusedAtDecision() async throws {
        try await withService { service in
            try await submit(service, amountFen: 3_000_000, owner: "rep-1", submitter: "rep-2")
            let approval = try #require(try await queue(service, of: "sup-1").first)
            for party in ["rep-2", "rep-1"] {
                // As if assigned before separation of duties, or by a hand-edited org chart.
                try await service.client.query(
                    "UPDATE approval_steps SET approver_id = \(party) WHERE approval_id = \(approval.id.uuid) AND step = 0",
                    logger: service.logger
                )
                let response = await decide(service, Operation.Approvals.approve, as: party, approval.id.description)
                #expect(response.status == 403, "\(party): \(response.text)")
            }
            #expect(try await service.outbox(type: ApprovalStepDecided.eventType).isEmpty)
        }
    }
}
