import Contracts
import Foundation
import TestSupport
import Testing

/// Issue 12's generic approval subjects over real HTTP on the six executables: a rep's 6,800.00 CNY expense claim goes
/// from deals to approvals (`expense_claim.submitted`), waits for the supervisor and then the regional manager under the
/// expense policy, comes back to deals as `approval.completed` with its subject, and finance pays it.
@Suite("End to end: expense claims", .timeLimit(.minutes(8)))
struct ExpenseClaimEndToEndTests {
    typealias Actor = SalesStoryTests.Actor
    let story = SalesStoryTests()

    @Test("expense claim → supervisor → regional manager approve → the claim is approved → finance pays it; another rep sees a 404")
    func claimApprovedAndPaid() async throws {
        let system = try await SalesDeskSystem.start()
        defer { system.stop() }
        let admin = Actor(id: "", token: try await system.login("admin", SalesDeskSystem.adminPassword))
        try await SalesStoryTests.call(system, "POST", "/api/v1/regions", as: admin, json: ["code": "east-china", "name": "华东"], expect: 201)
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
        let otherRep = try await story.createUser(
            system,
            admin,
            ["username": "li", "role": "rep", "region": "east-china", "supervisorId": supervisor.id]
        )
        let finance = try await story.createUser(system, admin, ["username": "fin", "role": "finance"])

        let claim = try await SalesStoryTests.call(
            system,
            "POST",
            "/api/v1/expense-claims",
            as: rep,
            json: ["category": "travel", "amountFen": 680_000, "spentOn": "2026-11-27", "description": "上海展会差旅"],
            expect: 201
        )
        let claimID = (claim["id"] as? String ?? "").lowercased()
        #expect(claim["status"] as? String == "draft")
        try await SalesStoryTests.call(system, "GET", "/api/v1/expense-claims/\(claimID)", as: otherRep, expect: 404)
        let submitted = try await SalesStoryTests.call(system, "POST", "/api/v1/expense-claims/\(claimID)/submit", as: rep, expect: 200)
        #expect(submitted["status"] as? String == "pending_approval")

        // Over 5,000.00 CNY: the supervisor, then the regional manager.
        let approval = try await story.pendingApproval(system, for: supervisor, contract: claimID)
        let pending = try await SalesStoryTests.call(system, "GET", "/api/v1/approvals/\(approval)", as: supervisor, expect: 200)
        #expect(pending["subjectType"] as? String == "expense_claim")
        #expect(pending["title"] as? String == "差旅 · 上海展会差旅")
        #expect((pending["steps"] as? [[String: Any]])?.compactMap { $0["role"] as? String } == ["supervisor", "regional_manager"])
        try await SalesStoryTests.call(system, "POST", "/api/v1/approvals/\(approval)/approve", as: supervisor, json: ["comment": "同意"], expect: 200)
        #expect(try await story.pendingApproval(system, for: manager, contract: claimID) == approval)
        try await SalesStoryTests.call(system, "POST", "/api/v1/approvals/\(approval)/approve", as: manager, json: ["comment": "同意"], expect: 200)

        let approved = try await SalesStoryTests.until(system, "GET", "/api/v1/expense-claims/\(claimID)", as: rep, status: 200) { claim in
            claim["status"] as? String == "approved"
        }
        #expect((approved["approvalId"] as? String)?.lowercased() == approval.lowercased())
        try await SalesStoryTests.call(system, "POST", "/api/v1/expense-claims/\(claimID)/pay", as: rep, expect: 403)
        let paid = try await SalesStoryTests.call(system, "POST", "/api/v1/expense-claims/\(claimID)/pay", as: finance, expect: 200)
        #expect(paid["status"] as? String == "paid")
        #expect(paid["paidBy"] as? String == finance.id)
    }
}
