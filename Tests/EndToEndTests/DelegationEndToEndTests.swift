import Contracts
import Foundation
import TestSupport
import Testing

/// Issue 12's delegation and reassignment over real HTTP on the six executables: a supervisor away names a delegate,
/// whose inbox gets the new contract's step and who approves it on the supervisor's behalf; after the delegation is
/// cancelled, the supervisor is deactivated and their pending step moves up the line at once.
@Suite("End to end: approval delegation", .timeLimit(.minutes(8)))
struct DelegationEndToEndTests {
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

    /// A submitted ¥30,000.00 contract of `rep` (the supervisor alone approves it); returns its id.
    func submittedContract(
        _ system: SalesDeskSystem,
        rep: Actor,
        product: String,
        title: String,
        customer name: String,
        phone: String
    ) async throws
        -> String
    {
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
            json: ["customerId": customer["id"] ?? "", "title": title, "expectedAmountFen": 3_000_000, "expectedCloseDate": "2026-12-31"],
            status: 201
        )
        let dealID = deal["id"] as? String ?? ""
        try await Self.call(system, "POST", "/api/v1/deals/\(dealID)/stage", as: rep, json: ["stage": "qualified"], expect: 200)
        let quote = try await Self.call(
            system,
            "POST",
            "/api/v1/deals/\(dealID)/quotes",
            as: rep,
            json: ["lines": [["productId": product, "quantity": 30]]],
            expect: 201
        )
        let contract = try await Self.call(system, "POST", "/api/v1/contracts", as: rep, json: ["quoteId": quote["id"] ?? ""], expect: 201)
        let contractID = contract["id"] as? String ?? ""
        try await Self.call(system, "POST", "/api/v1/contracts/\(contractID)/submit", as: rep, expect: 200)
        return contractID
    }

    @Test("a delegate approves on the away supervisor's behalf; a deactivated supervisor's pending step moves up the line at once")
    func delegationAndDeactivation() async throws {
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
        let away = try await story.createUser(
            system,
            admin,
            ["username": "qian", "role": "supervisor", "region": "east-china", "supervisorId": manager.id]
        )
        let stand = try await story.createUser(
            system,
            admin,
            ["username": "li", "role": "supervisor", "region": "east-china", "supervisorId": manager.id]
        )
        let rep = try await story.createUser(system, admin, ["username": "sun", "role": "rep", "region": "east-china", "supervisorId": away.id])
        let product = try await Self.call(
            system,
            "POST",
            "/api/v1/products",
            as: admin,
            json: ["name": "M8 螺栓", "productLine": "bolts", "listPriceFen": 100_000, "unitCostFen": 60_000],
            expect: 201
        )
        let productID = product["id"] as? String ?? ""

        // qian is away for three days from today and leaves li to decide (the replica may still be catching up: 422).
        let today = BusinessCalendar.day(of: Date())
        let last = BusinessCalendar.day(of: BusinessCalendar.start(of: today).addingTimeInterval(2 * 86_400 + 3_600))
        let delegation = try await SalesStoryTests.until(
            system,
            "POST",
            "/api/v1/approval-delegations",
            as: away,
            json: ["delegateId": stand.id, "from": today.description, "to": last.description, "reason": "出差"],
            status: 201
        )
        #expect(delegation["status"] as? String == "active")
        let overlapping = try await system.request(
            "POST",
            "/api/v1/approval-delegations",
            token: away.token,
            json: ["delegateId": manager.id, "from": last.description, "to": last.description, "reason": "休假"]
        )
        #expect(overlapping.status == 409)

        let first = try await submittedContract(system, rep: rep, product: productID, title: "第一单", customer: "宁波精工", phone: "13800138001")
        let approval = try await story.pendingApproval(system, for: stand, contract: first)
        try await Self.call(system, "POST", "/api/v1/approvals/\(approval)/approve", as: stand, json: ["comment": "代审同意"], expect: 200)
        let decided = try await Self.call(system, "GET", "/api/v1/approvals/\(approval)", as: rep, expect: 200)
        let step = (decided["steps"] as? [[String: Any]])?.first ?? [:]
        #expect(step["decidedById"] as? String == stand.id)
        #expect(step["onBehalfOfId"] as? String == away.id)
        #expect(step["onBehalfOfName"] as? String == "qian")
        // notifications pushed the delegate, with no change of its own: the step_assigned event names them.
        _ = try await SalesStoryTests.until(system, "GET", "/api/v1/notifications", as: stand, status: 200) { page in
            SalesStoryTests.items(page).contains { ($0["approvalId"] as? String)?.lowercased() == approval.lowercased() }
        }

        // Back early: qian cancels; the next contract waits for qian, who is then deactivated.
        try await Self.call(system, "POST", "/api/v1/approval-delegations/\(delegation["id"] as? String ?? "")/cancel", as: away, expect: 200)
        let second = try await submittedContract(system, rep: rep, product: productID, title: "第二单", customer: "苏州恒力液压", phone: "13900139002")
        _ = try await story.pendingApproval(system, for: away, contract: second)
        try await Self.call(system, "POST", "/api/v1/users/\(away.id)/deactivate", as: admin, expect: 200)
        let moved = try await story.pendingApproval(system, for: manager, contract: second)
        let detail = try await Self.call(system, "GET", "/api/v1/approvals/\(moved)", as: manager, expect: 200)
        let movedStep = (detail["steps"] as? [[String: Any]])?.first ?? [:]
        #expect(movedStep["reassignedReason"] as? String == "deactivated")
        #expect(movedStep["reassignedFromId"] as? String == away.id)
    }
}
