import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Approvals

/// Approvals of subjects other than contracts (issue 12, ADR 0011): an expense claim's request event in, the expense
/// policy's steps, decisions through the same RPC operations, and the subject on every answer.
@Suite("Approval subjects")
struct SubjectApprovalTests {
    func withService(_ body: @Sendable (RPCHarness) async throws -> Void) async throws {
        try await RPCHarness.with(ApprovalsService.self) { service in
            try await Org.seed(service)
            try await body(service)
        }
    }

    /// Delivers rep-1's `expense_claim.submitted` for `amountFen` and returns the claim id.
    @discardableResult
    func submitClaim(_ service: RPCHarness, amountFen: Fen, claim: String = UUID().uuidString.lowercased()) async throws -> String {
        let event = ExpenseClaimSubmitted(
            claimID: claim,
            number: "BX-2026-000007",
            category: .travel,
            amountFen: amountFen,
            spentOn: "2026-11-27",
            description: "宁波客户拜访高铁",
            customerID: nil,
            customerName: nil,
            dealID: nil,
            ownerID: "rep-1",
            region: "east-china",
            submittedBy: "rep-1",
            submittedAt: Date()
        )
        try await service.deliver(event, source: "deals", subject: claim, sequence: 2)
        return claim
    }

    func queue(_ service: RPCHarness, of user: String) async throws -> [Approval] {
        try await service.call(Operation.Approvals.list, as: user, query: "status=pending").decode(ListPage<Approval>.self).items
    }

    @Test("the expense policy is its own: the supervisor alone up to 5,000.00 CNY, then supervisor → regional manager")
    func expenseTiers() {
        let tiers = ApprovalPolicy.defaultTiers(for: .expenseClaim)
        #expect(ApprovalPolicy.steps(forAmount: 500_000, tiers: tiers) == [.supervisor])
        #expect(ApprovalPolicy.steps(forAmount: 500_001, tiers: tiers) == [.supervisor, .regionalManager])
        #expect(ApprovalPolicy.defaultTiers(for: .contract) == ApprovalPolicy.defaultTiers)
        #expect(throws: Never.self) { try ApprovalPolicy.validate(ApprovalPolicy.defaultTiers(for: .discount)) }
    }

    @Test("an expense claim of 1,280.00 CNY waits for the supervisor alone, titled, and completes approved with its subject")
    func smallClaim() async throws {
        try await withService { service in
            let claim = try await submitClaim(service, amountFen: 128_000)
            let queued = try await queue(service, of: "sup-1")
            let approval = try #require(queued.first)
            #expect(queued.count == 1)
            #expect(approval.subjectType == .expenseClaim)
            #expect(approval.contractID == claim)
            #expect(approval.contractNumber == "BX-2026-000007")
            #expect(approval.title == "差旅 · 宁波客户拜访高铁")
            #expect(approval.steps.map(\.role) == [.supervisor])
            #expect(approval.policyVersion == 1)

            let assigned = try #require(try await service.outbox(ApprovalStepAssigned.self).first)
            #expect(assigned.subjectType == .expenseClaim)
            #expect(assigned.subjectID == claim)
            #expect(assigned.subjectTitle == "差旅 · 宁波客户拜访高铁")
            #expect(try await service.outbox(ApprovalRequested.self).first?.subjectType == .expenseClaim)

            let response = await service.call(Operation.Approvals.approve, as: "sup-1", #"{"comment":"同意"}"#, id: approval.id.description)
            #expect(response.status == 200, "\(response.text)")
            #expect(try await service.outbox(ApprovalStepDecided.self).first?.subjectType == .expenseClaim)
            let completed = try #require(try await service.outbox(ApprovalCompleted.self).first)
            #expect(completed.outcome == .approved)
            #expect(completed.subjectType == .expenseClaim)
            #expect(completed.subjectID == claim)
            #expect(completed.contractID == claim)
        }
    }

    @Test("an expense claim over 5,000.00 CNY goes supervisor → regional manager; a rejection there ends it rejected")
    func largeClaimRejected() async throws {
        try await withService { service in
            try await submitClaim(service, amountFen: 680_000)
            let id = try #require(try await queue(service, of: "sup-1").first).id.description
            #expect(await service.call(Operation.Approvals.approve, as: "sup-1", id: id).status == 200)
            let atManager = try #require(try await queue(service, of: "rm-east").first)
            #expect(atManager.id.description == id)
            #expect(atManager.steps.map(\.role) == [.supervisor, .regionalManager])
            let response = await service.call(Operation.Approvals.reject, as: "rm-east", #"{"comment":"超标准"}"#, id: id)
            #expect(response.status == 200, "\(response.text)")
            let completed = try #require(try await service.outbox(ApprovalCompleted.self).first)
            #expect(completed.outcome == .rejected)
            #expect(completed.subjectType == .expenseClaim)
            #expect(try await queue(service, of: "gm").isEmpty)
        }
    }

    @Test("an admin edits the expense policy over the API: its own versions and timing; contracts' policy and a bad subjectType untouched")
    func editSubjectPolicy() async throws {
        try await withService { service in
            let body =
                #"{"tiers":[{"aboveFen":0,"steps":["supervisor","regional_manager"]}],"reminderWorkingHours":2,"maxReminders":1,"slaWorkingDays":0.5,"escalation":"reassign"}"#
            let put = await service.call(
                Operation.Approvals.putPolicies,
                as: "admin",
                body,
                query: "subjectType=expense_claim",
                key: UUID().uuidString
            )
            #expect(put.status == 200, "\(put.text)")
            let stored = try put.json()
            #expect(stored["subjectType"]?.stringValue == "expense_claim" && stored["version"]?.integerValue == 2, "\(stored)")
            #expect(stored["slaWorkingDays"]?.doubleValue == 0.5 && stored["escalation"]?.stringValue == "reassign")

            let expense = try await service.call(Operation.Approvals.getPolicies, as: "admin", query: "subjectType=expense_claim").json()
            #expect(expense["version"]?.integerValue == 2 && expense["maxReminders"]?.integerValue == 1, "\(expense)")
            let contracts = try await service.call(Operation.Approvals.getPolicies, as: "admin").json()
            #expect(contracts["subjectType"]?.stringValue == "contract" && contracts["version"]?.integerValue == 1, "\(contracts)")
            #expect(contracts["slaWorkingDays"]?.doubleValue == 1)
            let discount = try await service.call(Operation.Approvals.getPolicies, as: "admin", query: "subjectType=discount").json()
            #expect(discount["subjectType"]?.stringValue == "discount" && discount["version"]?.integerValue == 1, "\(discount)")

            #expect(await service.call(Operation.Approvals.getPolicies, as: "admin", query: "subjectType=order").status == 422)
            let refused = await service.call(Operation.Approvals.putPolicies, as: "sup-1", body, query: "subjectType=expense_claim", key: "k2")
            #expect(refused.status == 403)

            // A claim now takes the new version: both steps even for a small amount, and the step's SLA of half a day.
            try await submitClaim(service, amountFen: 128_000)
            let approval = try #require(try await queue(service, of: "sup-1").first)
            #expect(approval.policyVersion == 2)
            #expect(approval.steps.map(\.role) == [.supervisor, .regionalManager])
            #expect(approval.pendingStep?.slaWorkingDays == 0.5)
        }
    }

    @Test("the claimant cannot decide their own claim; another rep cannot see it; the claimant may recall it")
    func partiesAndScope() async throws {
        try await withService { service in
            try await submitClaim(service, amountFen: 128_000)
            let id = try #require(try await queue(service, of: "sup-1").first).id.description
            #expect(await service.call(Operation.Approvals.get, as: "rep-2", id: id).status == 404)
            #expect(await service.call(Operation.Approvals.approve, as: "rep-1", id: id).status == 403)
            let mine = try await service.call(Operation.Approvals.get, as: "rep-1", id: id).decode(Approval.self)
            #expect(mine.subjectType == .expenseClaim)
            #expect(await service.call(Operation.Approvals.recall, as: "rep-1", id: id).status == 200)
            let completed = try #require(try await service.outbox(ApprovalCompleted.self).first)
            #expect(completed.outcome == .recalled)
            #expect(completed.subjectType == .expenseClaim)
        }
    }

    @Test("a redelivered or re-sent claim request leaves one pending approval; a contract keeps its own policy and no subject")
    func onePerSubjectAndContractsUnchanged() async throws {
        try await withService { service in
            let claim = try await submitClaim(service, amountFen: 128_000)
            try await submitClaim(service, amountFen: 128_000, claim: claim)
            #expect(try await queue(service, of: "sup-1").count == 1)

            // A changed expense policy does not touch the contracts' policy (and the other way round).
            try await service.client.withConnection { connection in
                let repository = PostgresApprovalRepository(logger: service.logger)
                let changed = try await repository.appendPolicy(
                    for: .expenseClaim,
                    tiers: [.init(aboveFen: 0, steps: [.supervisor, .regionalManager])],
                    createdBy: "admin",
                    on: connection
                )
                #expect(changed.version == 2)
                #expect(try await repository.currentPolicy(on: connection).tiers == ApprovalPolicy.defaultTiers)
                #expect(try await repository.currentPolicy(for: .discount, on: connection).tiers == ApprovalPolicy.defaultTiers(for: .discount))
            }

            let contract = UUID().uuidString
            let submitted = ContractSubmitted(
                contractID: contract,
                number: "HT-2026-000123",
                dealID: "deal-1",
                customerID: "c-1",
                customerName: "宁波精工",
                ownerID: "rep-1",
                region: "east-china",
                amountFen: 3_000_000,
                lines: [],
                submittedBy: "rep-1",
                submittedAt: Date()
            )
            try await service.deliver(submitted, source: "deals", subject: contract, sequence: 2)
            let approvals = try await queue(service, of: "sup-1")
            let forContract = try #require(approvals.first { $0.contractID == contract })
            #expect(forContract.subjectType == .contract)
            #expect(forContract.title == nil)
            let assigned = try await service.outbox(ApprovalStepAssigned.self).last
            #expect(assigned?.contractID == contract)
            #expect(assigned?.subjectType == nil)
        }
    }

    @Test("expense_claim.submitted is accepted only from deals")
    func onlyFromDeals() async throws {
        try await withService { service in
            let claim = UUID().uuidString.lowercased()
            let event = ExpenseClaimSubmitted(
                claimID: claim,
                number: "BX-2026-000008",
                category: .other,
                amountFen: 1_000,
                spentOn: "2026-11-27",
                description: "伪造",
                customerID: nil,
                customerName: nil,
                dealID: nil,
                ownerID: "rep-1",
                region: "east-china",
                submittedBy: "rep-1",
                submittedAt: Date()
            )
            var refused = false
            do {
                try await service.deliver(event, source: "customers", subject: claim, sequence: 2)
            } catch {
                refused = true
            }
            let queued = try await queue(service, of: "sup-1")
            #expect(refused && queued.isEmpty)
        }
    }
}
