import Contracts
import Foundation
import TestSupport
import Testing

/// Issue 12's discount approval over real HTTP on the six executables: a rep's quote version beyond the rep's 10 %
/// limit is saved pending (待折扣审批) and cannot become a contract; deals asks approvals
/// (`quote.discount_approval_requested`), the discount policy's tiers apply to what the discount is worth, and the
/// outcome comes back to deals as `approval.completed` with subject `discount`, after which the contract is allowed.
@Suite("End to end: discount approval", .timeLimit(.minutes(8)))
struct DiscountApprovalEndToEndTests {
    typealias Actor = SalesStoryTests.Actor
    let story = SalesStoryTests()

    @discardableResult
    static func call(
        _ system: SalesDeskSystem,
        _ method: String,
        _ path: String,
        as actor: Actor,
        json: Any? = nil,
        expect status: Int
    ) async throws -> [String: Any] {
        try await SalesStoryTests.call(system, method, path, as: actor, json: json, expect: status)
    }

    /// A qualified deal of `rep`'s new customer with one quote version of `quantity` × `product` at `discount` basis
    /// points; returns the version.
    func quotedDeal(
        _ system: SalesDeskSystem,
        rep: Actor,
        product: String,
        quantity: Int,
        discount: Int,
        customer name: String,
        phone: String
    ) async throws -> [String: Any] {
        let customer = try await Self.call(
            system,
            "POST",
            "/api/v1/customers",
            as: rep,
            json: ["name": name, "region": "east-china", "industry": "machinery", "contacts": [["name": "王经理", "phone": phone]]],
            expect: 201
        )
        let deal = try await SalesStoryTests.until(
            system,
            "POST",
            "/api/v1/deals",
            as: rep,
            json: ["customerId": customer["id"] ?? "", "title": "\(name)年度采购", "expectedAmountFen": 3_000_000, "expectedCloseDate": "2026-12-31"],
            status: 201
        )
        let dealID = deal["id"] as? String ?? ""
        try await Self.call(system, "POST", "/api/v1/deals/\(dealID)/stage", as: rep, json: ["stage": "qualified"], expect: 200)
        return try await Self.call(
            system,
            "POST",
            "/api/v1/deals/\(dealID)/quotes",
            as: rep,
            json: ["lines": [["productId": product, "quantity": quantity, "discountBasisPoints": discount]]],
            expect: 201
        )
    }

    /// Waits until the version's discount is `status` (deals applies the approval's outcome from its queue).
    func discount(_ system: SalesDeskSystem, of quote: String, as rep: Actor, becomes status: String) async throws -> [String: Any] {
        try await SalesStoryTests.until(system, "GET", "/api/v1/quotes/\(quote)", as: rep, status: 200) { version in
            version["discountStatus"] as? String == status
        }
    }

    @Test("rep quotes beyond the limit → pending, no contract → supervisor approves → contract; a big discount also needs the regional manager")
    func discountApproved() async throws {
        let system = try await SalesDeskSystem.start()
        defer { system.stop() }
        let admin = Actor(id: "", token: try await system.login("admin", SalesDeskSystem.adminPassword))
        try await Self.call(system, "POST", "/api/v1/regions", as: admin, json: ["code": "east-china", "name": "华东"], expect: 201)
        try await system.waitForRegion("east-china")
        let gm = try await story.createUser(system, admin, ["username": "boss", "role": "gm"])
        let manager = try await story.createUser(
            system,
            admin,
            ["username": "zhao", "role": "regional_manager", "region": "east-china", "supervisorId": gm.id]
        )
        let supervisor = try await story.createUser(
            system,
            admin,
            ["username": "qian", "role": "supervisor", "region": "east-china", "supervisorId": manager.id]
        )
        let rep = try await story.createUser(
            system,
            admin,
            ["username": "sun", "role": "rep", "region": "east-china", "supervisorId": supervisor.id]
        )
        let product = try await Self.call(
            system,
            "POST",
            "/api/v1/products",
            as: admin,
            json: ["name": "M8 螺栓", "productLine": "bolts", "listPriceFen": 100_000, "unitCostFen": 60_000],
            expect: 201
        )
        let productID = product["id"] as? String ?? ""
        let limits = try await Self.call(system, "GET", "/api/v1/discount-limits", as: rep, expect: 200)
        #expect(limits["callerMaxDiscountBasisPoints"] as? Int == 1_000)

        // 30 × 1,000.00 CNY at 15 % off: 4,500.00 CNY of discount, the supervisor alone.
        let small = try await quotedDeal(system, rep: rep, product: productID, quantity: 30, discount: 1_500, customer: "宁波精工", phone: "13800138001")
        let smallID = (small["id"] as? String ?? "").lowercased()
        #expect(small["discountStatus"] as? String == "pending_approval")
        #expect((small["discountApproval"] as? [String: Any])?["discountFen"] as? Int == 450_000)
        let refused = try await system.request("POST", "/api/v1/contracts", token: rep.token, json: ["quoteId": smallID])
        #expect(refused.status == 409)
        #expect(refused.text.contains("quote-discount-not-approved"))

        let approval = try await story.pendingApproval(system, for: supervisor, contract: smallID)
        let pending = try await Self.call(system, "GET", "/api/v1/approvals/\(approval)", as: supervisor, expect: 200)
        #expect(pending["subjectType"] as? String == "discount")
        #expect((pending["title"] as? String)?.contains("折扣 15%（权限 10%）") == true)
        #expect(pending["amountFen"] as? Int == 450_000)
        #expect((pending["steps"] as? [[String: Any]])?.compactMap { $0["role"] as? String } == ["supervisor"])
        try await Self.call(system, "POST", "/api/v1/approvals/\(approval)/approve", as: supervisor, json: ["comment": "同意"], expect: 200)
        let approved = try await discount(system, of: smallID, as: rep, becomes: "approved")
        #expect(((approved["discountApproval"] as? [String: Any])?["approvalId"] as? String)?.lowercased() == approval.lowercased())
        try await Self.call(system, "POST", "/api/v1/contracts", as: rep, json: ["quoteId": smallID], expect: 201)

        // 300 × 1,000.00 CNY at 25 % off: 75,000.00 CNY of discount, over 20,000.00: supervisor → regional manager.
        let big = try await quotedDeal(system, rep: rep, product: productID, quantity: 300, discount: 2_500, customer: "温州五金", phone: "13800138002")
        let bigID = (big["id"] as? String ?? "").lowercased()
        #expect(big["discountStatus"] as? String == "pending_approval")
        let bigApproval = try await story.pendingApproval(system, for: supervisor, contract: bigID)
        try await Self.call(system, "POST", "/api/v1/approvals/\(bigApproval)/approve", as: supervisor, json: ["comment": "同意"], expect: 200)
        #expect(try await story.pendingApproval(system, for: manager, contract: bigID) == bigApproval)
        let stillPending = try await system.request("POST", "/api/v1/contracts", token: rep.token, json: ["quoteId": bigID])
        #expect(stillPending.status == 409)
        try await Self.call(system, "POST", "/api/v1/approvals/\(bigApproval)/approve", as: manager, json: ["comment": "战略客户"], expect: 200)
        _ = try await discount(system, of: bigID, as: rep, becomes: "approved")
        try await Self.call(system, "POST", "/api/v1/contracts", as: rep, json: ["quoteId": bigID], expect: 201)
    }
}
