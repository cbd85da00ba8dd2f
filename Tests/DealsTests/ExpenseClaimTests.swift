import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Deals

/// Expense claims (报销申请, issue 12) in deals: filing, scope, submission to approvals through the outbox, the approval's
/// outcome applied from `approval.completed`, and finance paying.
@Suite("Expense claims")
struct ExpenseClaimTests {
    static let rep = CallerIdentity(userID: "rep-1", role: .rep, region: "east-china")
    static let otherRep = CallerIdentity(userID: "rep-2", role: .rep, region: "east-china")
    static let supervisor = CallerIdentity(userID: "sup-1", role: .supervisor, region: "east-china", team: ["rep-1"])
    static let otherSupervisor = CallerIdentity(userID: "sup-2", role: .supervisor, region: "east-china", team: ["rep-2"])
    static let manager = CallerIdentity(userID: "rm-east", role: .regionalManager, region: "east-china")
    static let northManager = CallerIdentity(userID: "rm-north", role: .regionalManager, region: "north-china")
    static let finance = CallerIdentity(userID: "fin-1", role: .finance)

    struct ClaimView: Decodable, Sendable {
        var id: String
        var number: String
        var ownerId: String
        var region: String
        var category: String
        var amountFen: Int64
        var spentOn: String
        var description: String
        var customerId: String?
        var customerName: String?
        var dealId: String?
        var status: String
        var version: Int64
        var approvalId: String?
        var decisionComment: String?
        var paidBy: String?
        var paidAt: Date?
    }

    static let travel = #"{"category":"travel","amountFen":128000,"spentOn":"2026-11-27","description":"  宁波客户拜访高铁  "}"#

    func create(_ service: RPCHarness, as identity: CallerIdentity = rep, _ json: String = travel, key: String? = nil) async throws -> ClaimView {
        let response = await service.call(ExpenseClaimHandlers.create, as: identity, json, key: key)
        #expect(response.status == 201, "\(response.text)")
        return try response.decode(ClaimView.self)
    }

    func completed(_ claim: ClaimView, _ outcome: ApprovalOutcome, comment: String? = nil) -> ApprovalCompleted {
        ApprovalCompleted(
            approvalID: "0b7b7c1e-9d1e-4a57-8f7e-1c2d3e4f5a6b",
            contractID: claim.id,
            contractNumber: claim.number,
            submitterID: "rep-1",
            outcome: outcome,
            comment: comment,
            requestedAt: Date(),
            completedAt: Date(),
            workingDays: 0.2,
            subjectType: .expenseClaim,
            subjectID: claim.id,
            subjectTitle: "差旅 · 宁波客户拜访高铁"
        )
    }

    func get(_ service: RPCHarness, _ id: String, as identity: CallerIdentity = rep) async throws -> ClaimView {
        let response = await service.call(ExpenseClaimHandlers.get, as: identity, id: id)
        #expect(response.status == 200, "\(response.text)")
        return try response.decode(ClaimView.self)
    }

    @Test("a rep files a draft claim: numbered BX-<year>-, theirs, in their region, the description trimmed")
    func file() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let claim = try await create(service)
            #expect(claim.number.hasPrefix("BX-20"))
            #expect(claim.ownerId == "rep-1")
            #expect(claim.region == "east-china")
            #expect(claim.status == "draft")
            #expect(claim.category == "travel")
            #expect(claim.amountFen == 128_000)
            #expect(claim.spentOn == "2026-11-27")
            #expect(claim.description == "宁波客户拜访高铁")
            let second = try await create(service)
            #expect(second.number != claim.number)
        }
    }

    @Test("bad claims are refused with 422 naming every field; a malformed body is a 400; finance may not file")
    func badInput() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let bad = await service.call(
                ExpenseClaimHandlers.create,
                as: Self.rep,
                #"{"category":"lunch","amountFen":0,"spentOn":"2099-01-01","description":"   ","customerId":"nope","dealId":"x"}"#
            )
            #expect(bad.status == 422)
            for field in ["category", "amountFen", "spentOn", "description", "customerId", "dealId"] {
                #expect(bad.text.contains("\"\(field)\""), "\(field): \(bad.text)")
            }
            let badDate = await service.call(
                ExpenseClaimHandlers.create,
                as: Self.rep,
                #"{"category":"other","amountFen":100,"spentOn":"2026-02-30","description":"x"}"#
            )
            #expect(badDate.status == 422)
            let tooMuch = await service.call(
                ExpenseClaimHandlers.create,
                as: Self.rep,
                #"{"category":"other","amountFen":100000001,"spentOn":"2026-11-01","description":"x"}"#
            )
            #expect(tooMuch.status == 422)
            // A customer or deal the rep cannot see is not a link they may make.
            let unknownCustomer = await service.call(
                ExpenseClaimHandlers.create,
                as: Self.rep,
                #"{"category":"entertainment","amountFen":100,"spentOn":"2026-11-01","description":"x","customerId":"\#(UUID().uuidString)"}"#
            )
            #expect(unknownCustomer.status == 422)
            #expect(await service.call(ExpenseClaimHandlers.create, as: Self.rep, #"{"category":"travel"}"#).status == 400)
            #expect(await service.call(ExpenseClaimHandlers.create, as: Self.finance, Self.travel).status == 403)
            #expect(await service.call(ExpenseClaimHandlers.create, as: nil as CallerIdentity?, Self.travel).status == 401)
            let stored = try await service.count("expense_claims")
            #expect(stored == 0)
        }
    }

    @Test("a claim may name a customer of the rep's: its name is kept with the claim")
    func customerLink() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let customer = CustomerSnapshot(
                id: "6f1c1f3e-7d0a-4d8e-9c57-0c3b6a1d2e01",
                name: "宁波精工紧固件有限公司",
                region: "east-china",
                industry: "fasteners",
                ownerID: "rep-1",
                contacts: [],
                version: 1
            )
            try await service.deliver(CustomerCreated(customer: customer), source: "customers", subject: customer.id, sequence: 1)
            let json = #"{"category":"entertainment","amountFen":56000,"spentOn":"2026-11-28","description":"客户晚餐","customerId":"\#(customer.id)"}"#
            let claim = try await create(service, json)
            #expect(claim.customerId == customer.id)
            #expect(claim.customerName == "宁波精工紧固件有限公司")
            // rep-2 cannot link rep-1's customer.
            #expect(await service.call(ExpenseClaimHandlers.create, as: Self.otherRep, json).status == 422)
        }
    }

    @Test("claims follow the data scope: another rep's claim is a 404 and absent from their list; supervisors, region and finance see it")
    func scope() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let claim = try await create(service)
            #expect(await service.call(ExpenseClaimHandlers.get, as: Self.otherRep, id: claim.id).status == 404)
            #expect(await service.call(ExpenseClaimHandlers.get, as: Self.otherSupervisor, id: claim.id).status == 404)
            #expect(await service.call(ExpenseClaimHandlers.get, as: Self.northManager, id: claim.id).status == 404)
            #expect(await service.call(ExpenseClaimHandlers.submit, as: Self.otherRep, id: claim.id).status == 404)
            #expect(await service.call(ExpenseClaimHandlers.get, as: Self.rep, id: "not-a-uuid").status == 404)
            for viewer in [Self.rep, Self.supervisor, Self.manager, Self.finance] {
                #expect(try await get(service, claim.id, as: viewer).id == claim.id)
            }
            func listed(_ identity: CallerIdentity, _ query: String = "") async throws -> [String] {
                let response = await service.call(ExpenseClaimHandlers.list, as: identity, query: query)
                #expect(response.status == 200, "\(response.text)")
                return try response.decode(ListPage<ClaimView>.self).items.map(\.id)
            }
            _ = try await create(service, as: Self.otherRep)
            #expect(try await listed(Self.rep) == [claim.id])
            #expect(try await listed(Self.otherRep).count == 1)
            #expect(try await listed(Self.otherRep).first != claim.id)
            #expect(try await listed(Self.finance).count == 2)
            #expect(try await listed(Self.finance, "owner=rep-1") == [claim.id])
            #expect(try await listed(Self.rep, "status=pending_approval").isEmpty)
            #expect(await service.call(ExpenseClaimHandlers.list, as: Self.rep, query: "status=lost").status == 422)
        }
    }

    @Test("claims come a page at a time, newest first")
    func pages() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            var ids: [String] = []
            for _ in 0..<3 { ids.append(try await create(service).id) }
            let first = try await service.call(ExpenseClaimHandlers.list, as: Self.rep, query: "limit=2").decode(ListPage<ClaimView>.self)
            #expect(first.items.map(\.id) == [ids[2], ids[1]])
            let cursor = try #require(first.nextCursor)
            let rest = try await service.call(ExpenseClaimHandlers.list, as: Self.rep, query: "limit=2&cursor=\(cursor)")
                .decode(ListPage<ClaimView>.self)
            #expect(rest.items.map(\.id) == [ids[0]])
            #expect(rest.nextCursor == nil)
        }
    }

    @Test("submit → expense_claim.submitted in the outbox; approved from approval.completed; finance pays; each step once")
    func lifecycle() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let claim = try await create(service)
            // Finance cannot pay a draft; nobody submits a claim twice.
            #expect(await service.call(ExpenseClaimHandlers.pay, as: Self.finance, id: claim.id).status == 409)
            let submitted = await service.call(ExpenseClaimHandlers.submit, as: Self.rep, id: claim.id, key: "submit-1")
            #expect(submitted.status == 200, "\(submitted.text)")
            #expect(try submitted.decode(ClaimView.self).status == "pending_approval")
            // The same Idempotency-Key gets the first answer; a new request is a conflict.
            let repeated = await service.call(ExpenseClaimHandlers.submit, as: Self.rep, id: claim.id, key: "submit-1")
            #expect(repeated.status == 200)
            #expect(await service.call(ExpenseClaimHandlers.submit, as: Self.rep, id: claim.id, key: "submit-2").status == 409)

            let events = try await service.outbox(ExpenseClaimSubmitted.self)
            #expect(events.count == 1)
            let event = try #require(events.first)
            #expect(event.claimID == claim.id)
            #expect(event.amountFen == 128_000)
            #expect(event.approvalRequest.subjectType == .expenseClaim)
            #expect(event.approvalRequest.title == "差旅 · 宁波客户拜访高铁")
            #expect(event.approvalRequest.ownerID == "rep-1")
            #expect(event.approvalRequest.region == "east-china")

            try await service.deliver(completed(claim, .approved), source: "approvals", subject: "ap-1", sequence: 3)
            let approved = try await get(service, claim.id)
            #expect(approved.status == "approved")
            #expect(approved.approvalId == "0b7b7c1e-9d1e-4a57-8f7e-1c2d3e4f5a6b")
            // A late duplicate outcome does not move it again.
            try await service.deliver(completed(claim, .rejected), source: "approvals", subject: "ap-1", sequence: 4)
            #expect(try await get(service, claim.id).status == "approved")

            #expect(await service.call(ExpenseClaimHandlers.pay, as: Self.rep, id: claim.id).status == 403)
            #expect(await service.call(ExpenseClaimHandlers.pay, as: Self.supervisor, id: claim.id).status == 403)
            let paid = await service.call(ExpenseClaimHandlers.pay, as: Self.finance, id: claim.id, key: "pay-1")
            #expect(paid.status == 200, "\(paid.text)")
            let paidClaim = try paid.decode(ClaimView.self)
            #expect(paidClaim.status == "paid")
            #expect(paidClaim.paidBy == "fin-1")
            #expect(paidClaim.paidAt != nil)
            #expect(await service.call(ExpenseClaimHandlers.pay, as: Self.finance, id: claim.id, key: "pay-1").status == 200)
            #expect(await service.call(ExpenseClaimHandlers.pay, as: Self.finance, id: claim.id, key: "pay-2").status == 409)
        }
    }

    @Test("a rejected claim keeps the approver's comment and may be submitted again; a recalled one is a draft again")
    func rejectedAndRecalled() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let claim = try await create(service)
            #expect(await service.call(ExpenseClaimHandlers.submit, as: Self.rep, id: claim.id).status == 200)
            try await service.deliver(completed(claim, .rejected, comment: "缺发票"), source: "approvals", subject: "ap-1", sequence: 3)
            let rejected = try await get(service, claim.id)
            #expect(rejected.status == "rejected")
            #expect(rejected.decisionComment == "缺发票")
            #expect(await service.call(ExpenseClaimHandlers.pay, as: Self.finance, id: claim.id).status == 409)
            #expect(await service.call(ExpenseClaimHandlers.submit, as: Self.rep, id: claim.id).status == 200)
            try await service.deliver(completed(claim, .recalled), source: "approvals", subject: "ap-2", sequence: 3)
            #expect(try await get(service, claim.id).status == "draft")
            #expect(try await service.outbox(ExpenseClaimSubmitted.self).count == 2)
        }
    }
}
