import Contracts
import Foundation
import ServiceRuntime
import TestSupport
import Testing

@testable import Deals

/// Discount authority and discount approval (折扣审批, issue 12) in deals: the limit rule, the limits API, and the state
/// of a quote version beyond its author's limit, driven by `approval.completed` (subject `discount`).
@Suite("Discount approval")
struct DiscountApprovalTests {
    static let rep = DealOperationsTests.rep
    static let admin = DealOperationsTests.admin
    static let supervisor = CallerIdentity(userID: "sup-1", role: .supervisor, region: "east-china", team: ["rep-1"])
    static let ops = DealOperationsTests()

    struct Limits: Decodable, Sendable {
        struct Limit: Decodable, Sendable {
            var role: String
            var maxDiscountBasisPoints: Int64?
            var updatedBy: String?
        }
        var items: [Limit]
        var callerRole: String
        var callerMaxDiscountBasisPoints: Int64?
    }

    struct Version: Decodable, Sendable {
        struct Approval: Decodable, Sendable {
            var status: String
            var limitBasisPoints: Int64
            var maxDiscountBasisPoints: Int64
            var listTotalFen: Fen
            var discountFen: Fen
            var approvalId: String?
            var decisionComment: String?
        }
        var id: String
        var version: Int
        var totalFen: Fen
        var discountStatus: String
        var discountApproval: Approval?
    }

    // MARK: The limit rule

    static func line(_ quantity: Int64, price: Fen, discount: Int64 = 0, product: String = "p") -> PricedLine {
        PricedLine(
            productID: product,
            productName: product,
            productLine: "x",
            quantity: quantity,
            unitPriceFen: price,
            discountBasisPoints: discount,
            amountFen: Quote.lineAmount(quantity: quantity, unitPriceFen: price, discountBasisPoints: discount)!,
            costFen: 0
        )
    }

    @Test("a line is above the limit when its discount off the list price exceeds it, by discountBasisPoints or a lower price")
    func limitRule() {
        let list: [String: Fen] = ["a": 10_000, "b": 3]
        // Exactly 10 % is within a 10 % limit; 10.01 % is not.
        #expect(!DiscountRules.assess([Self.line(1, price: 10_000, discount: 1_000, product: "a")], listPrices: list, limit: 1_000).needsApproval)
        let over = DiscountRules.assess([Self.line(1, price: 10_000, discount: 1_001, product: "a")], listPrices: list, limit: 1_000)
        #expect(over.needsApproval && over.linesAboveLimit == [0])
        #expect(over.maxDiscountBasisPoints == 1_001)
        // A price lowered below the list is a discount too: 8,500 of 10,000 is 15 % off.
        let lowered = DiscountRules.assess([Self.line(2, price: 8_500, product: "a")], listPrices: list, limit: 1_000)
        #expect(lowered.needsApproval)
        #expect(lowered.maxDiscountBasisPoints == 1_500)
        #expect(lowered.listTotalFen == 20_000 && lowered.discountFen == 3_000)
        // A price above the list gives nothing, and does not hide another line's discount in the worth.
        let mixed = DiscountRules.assess(
            [Self.line(1, price: 12_000, product: "a"), Self.line(100, price: 3, discount: 5_000, product: "b")],
            listPrices: list,
            limit: 1_000
        )
        #expect(mixed.linesAboveLimit == [1])
        #expect(mixed.discountFen == 150)
        // 1 fen off 3 fen is 33.33…%: shown rounded up, so it never looks equal to a limit it exceeds.
        let tiny = DiscountRules.assess([Self.line(1, price: 2, product: "b")], listPrices: list, limit: 3_333)
        #expect(tiny.needsApproval && tiny.maxDiscountBasisPoints == 3_334)
        // No limit (gm): nothing needs approval.
        #expect(!DiscountRules.assess([Self.line(1, price: 1, product: "a")], listPrices: list, limit: nil).needsApproval)
    }

    @Test("an approval outcome moves only a pending discount: approved, rejected, recalled; anything later is ignored")
    func stateMachine() {
        #expect(DiscountRules.status(after: .approved, from: .pendingApproval) == .approved)
        #expect(DiscountRules.status(after: .rejected, from: .pendingApproval) == .rejected)
        #expect(DiscountRules.status(after: .recalled, from: .pendingApproval) == .recalled)
        for status in [QuoteDiscount.Status.approved, .rejected, .recalled] {
            #expect(DiscountRules.status(after: .approved, from: status) == nil)
            #expect(DiscountRules.status(after: .rejected, from: status) == nil)
        }
    }

    // MARK: The limits API

    @Test("the limits start at rep 10 %, supervisor 20 %, regional manager 30 %, gm unlimited; only an admin changes them")
    func limitsAPI() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let read = try await service.call(DiscountLimitHandlers.get, as: Self.rep).decode(Limits.self)
            #expect(read.items.map(\.role) == ["rep", "supervisor", "regional_manager", "gm"])
            #expect(read.items.map(\.maxDiscountBasisPoints) == [1_000, 2_000, 3_000, nil])
            #expect(read.callerRole == "rep" && read.callerMaxDiscountBasisPoints == 1_000)
            // An admin has no discount authority of their own.
            #expect(try await service.call(DiscountLimitHandlers.get, as: Self.admin).decode(Limits.self).callerMaxDiscountBasisPoints == 0)

            let body = #"{"limits":[{"role":"rep","maxDiscountBasisPoints":1200},{"role":"supervisor","maxDiscountBasisPoints":null}]}"#
            #expect(await service.call(DiscountLimitHandlers.replace, as: Self.rep, body).status == 403)
            #expect(await service.call(DiscountLimitHandlers.replace, as: Self.supervisor, body).status == 403)
            for bad in [
                #"{"limits":[]}"#,
                #"{"limits":[{"role":"admin","maxDiscountBasisPoints":100}]}"#,
                #"{"limits":[{"role":"rep","maxDiscountBasisPoints":10001}]}"#,
                #"{"limits":[{"role":"rep","maxDiscountBasisPoints":-1}]}"#,
                #"{"limits":[{"role":"rep"}]}"#,
                #"{"limits":[{"role":"rep","maxDiscountBasisPoints":1},{"role":"rep","maxDiscountBasisPoints":2}]}"#,
            ] {
                #expect(await service.call(DiscountLimitHandlers.replace, as: Self.admin, bad).status == 422, "\(bad)")
            }
            #expect(await service.call(DiscountLimitHandlers.replace, as: Self.admin, #"{"limits":"no"}"#).status == 400)
            let changed = await service.call(DiscountLimitHandlers.replace, as: Self.admin, body, key: "limits-1")
            #expect(changed.status == 200, "\(changed.text)")
            let after = try changed.decode(Limits.self)
            #expect(after.items.map(\.maxDiscountBasisPoints) == [1_200, nil, 3_000, nil])
            #expect(after.items.first?.updatedBy == "admin-1")
            #expect(try await service.call(DiscountLimitHandlers.get, as: Self.rep).decode(Limits.self).callerMaxDiscountBasisPoints == 1_200)
        }
    }

    // MARK: Quote versions beyond the limit

    /// A qualified deal of rep-1's and the two catalogue products (bolt list 1.35 CNY, gear list 10,000.00 CNY).
    func dealAndProducts(_ service: RPCHarness) async throws -> (deal: DealView, bolt: String, gear: String) {
        let deal = try await Self.ops.lead(service)
        let (bolt, gear) = try await Self.ops.createProducts(service)
        #expect(await Self.ops.changeStage(service, #"{"stage":"qualified"}"#, of: deal.id).status == 200)
        return (deal, bolt, gear)
    }

    func quote(_ service: RPCHarness, _ deal: DealView, as identity: CallerIdentity = rep, _ lines: String) async throws -> Version {
        let response = await service.call(Operation.Deals.createQuoteVersion, as: identity, #"{"lines":[\#(lines)]}"#, id: deal.id)
        #expect(response.status == 201, "\(response.text)")
        return try response.decode(Version.self)
    }

    func outcome(_ version: Version, _ outcome: ApprovalOutcome, comment: String? = nil) -> ApprovalCompleted {
        ApprovalCompleted(
            approvalID: "5d2c8a40-1f7e-4c1b-9a0e-3b6f2d1c4e5f",
            contractID: version.id,
            contractNumber: "Q-X v\(version.version)",
            submitterID: "rep-1",
            outcome: outcome,
            comment: comment,
            requestedAt: Date(),
            completedAt: Date(),
            workingDays: 0.1,
            subjectType: .discount,
            subjectID: version.id,
            subjectTitle: "报价"
        )
    }

    func contract(_ service: RPCHarness, from version: Version) async -> RPCResponse {
        await service.call(Operation.Deals.createContract, as: Self.rep, #"{"quoteId":"\#(version.id)"}"#)
    }

    @Test("a version within the author's limit is as before: within_limit, no request, a contract may be made from it")
    func withinLimit() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (deal, bolt, _) = try await dealAndProducts(service)
            let version = try await quote(service, deal, #"{"productId":"\#(bolt)","quantity":1000,"discountBasisPoints":1000}"#)
            #expect(version.discountStatus == "within_limit" && version.discountApproval == nil)
            #expect(try await service.outbox(QuoteDiscountApprovalRequested.self).isEmpty)
            // 15 % is beyond a rep's limit but within a supervisor's.
            let bySupervisor = try await quote(
                service,
                deal,
                as: Self.supervisor,
                #"{"productId":"\#(bolt)","quantity":1000,"discountBasisPoints":1500}"#
            )
            #expect(bySupervisor.discountStatus == "within_limit")
            #expect(await contract(service, from: bySupervisor).status == 201)
        }
    }

    @Test("beyond the limit: pending, the request in the outbox worth list − quoted, no contract until approved, applied once")
    func approved() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (deal, bolt, gear) = try await dealAndProducts(service)
            // Gear: 3 × 10,000.00 at 18 % off → 5,400.00 off; bolt at its list price.
            let version = try await quote(
                service,
                deal,
                #"{"productId":"\#(gear)","quantity":3,"discountBasisPoints":1800},{"productId":"\#(bolt)","quantity":100}"#
            )
            #expect(version.discountStatus == "pending_approval")
            let approval = try #require(version.discountApproval)
            #expect(approval.limitBasisPoints == 1_000 && approval.maxDiscountBasisPoints == 1_800)
            #expect(approval.listTotalFen == 3_000_000 + 13_500 && approval.discountFen == 540_000)

            let events = try await service.outbox(QuoteDiscountApprovalRequested.self)
            #expect(events.count == 1)
            let event = try #require(events.first)
            #expect(event.quoteID == version.id && event.discountFen == 540_000)
            #expect(event.quotedTotalFen == version.totalFen)
            let request = event.approvalRequest
            #expect(request.subjectType == .discount && request.subjectID == version.id)
            #expect(request.amountFen == 540_000)
            #expect(request.ownerID == "rep-1" && request.region == "east-china")
            #expect(request.title.hasPrefix("报价 Q-\(deal.id.prefix(8).uppercased()) v1 折扣 18%（权限 10%）"))

            let refused = await contract(service, from: version)
            #expect(refused.status == 409)
            #expect(try refused.problem().type.hasSuffix("/quote-discount-not-approved"))

            let envelope = try await service.deliver(outcome(version, .approved), source: "approvals", subject: "ap-1", sequence: 3)
            // A redelivery of the same event is a no-op; a late contrary outcome is ignored.
            try await service.deliver(envelope)
            try await service.deliver(outcome(version, .rejected), source: "approvals", subject: "ap-1", sequence: 4)
            let read = try await service.call(Operation.Deals.getQuote, as: Self.rep, id: version.id).decode(Version.self)
            #expect(read.discountStatus == "approved")
            #expect(read.discountApproval?.approvalId == "5d2c8a40-1f7e-4c1b-9a0e-3b6f2d1c4e5f")
            #expect(await contract(service, from: version).status == 201)
        }
    }

    @Test("a rejected version stays readable with the comment and cannot become a contract; a new version within the limit can")
    func rejected() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (deal, bolt, _) = try await dealAndProducts(service)
            // A unit price of 1.00 against a list price of 1.35 is 25.93 % off.
            let version = try await quote(service, deal, #"{"productId":"\#(bolt)","quantity":1000,"unitPriceFen":100}"#)
            #expect(version.discountStatus == "pending_approval")
            #expect(version.discountApproval?.maxDiscountBasisPoints == 2_593)
            try await service.deliver(outcome(version, .rejected, comment: "折扣过大"), source: "approvals", subject: "ap-1", sequence: 3)
            let versions = try await service.call(Operation.Deals.listQuoteVersions, as: Self.rep, id: deal.id)
                .decode(ListPage<Version>.self)
            #expect(versions.items.map(\.discountStatus) == ["rejected"])
            #expect(versions.items.first?.discountApproval?.decisionComment == "折扣过大")
            #expect(await contract(service, from: version).status == 409)

            let next = try await quote(service, deal, #"{"productId":"\#(bolt)","quantity":1000,"unitPriceFen":125}"#)
            #expect(next.discountStatus == "within_limit")
            #expect(await contract(service, from: next).status == 201)
            #expect(try await service.outbox(QuoteDiscountApprovalRequested.self).count == 1)
        }
    }

    @Test("the limit that judges a version is its author's at the time: a raised limit lets the next version through")
    func raisedLimit() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (deal, bolt, _) = try await dealAndProducts(service)
            let line = #"{"productId":"\#(bolt)","quantity":1000,"discountBasisPoints":1500}"#
            let first = try await quote(service, deal, line)
            #expect(first.discountStatus == "pending_approval")
            let raised = await service.call(
                DiscountLimitHandlers.replace,
                as: Self.admin,
                #"{"limits":[{"role":"rep","maxDiscountBasisPoints":1500}]}"#
            )
            #expect(raised.status == 200)
            #expect(
                try await service.call(Operation.Deals.getQuote, as: Self.rep, id: first.id).decode(Version.self).discountStatus == "pending_approval"
            )
            #expect(try await quote(service, deal, line).discountStatus == "within_limit")
        }
    }
}
