import Contracts
import Foundation
import TestSupport
import Testing

/// Issue 4's story over real HTTP on the gateway, with the six executables, PostgreSQL, RabbitMQ and a WeCom
/// stand-in: deal → quote versions → contract → three-level approval pushed to WeCom → signed → dashboard.
@Suite("End to end: the sales story", .timeLimit(.minutes(8)))
struct SalesStoryTests {
    static let password = "story-password"

    /// A logged-in user of the story.
    struct Actor {
        var id: String
        var token: String
    }

    /// Calls the gateway and expects a status; returns the JSON object.
    @discardableResult
    static func call(
        _ system: SalesDeskSystem,
        _ method: String,
        _ path: String,
        as actor: Actor,
        json: Any? = nil,
        expect status: Int,
        _ comment: Comment? = nil
    ) async throws -> [String: Any] {
        let reply = try await system.request(method, path, token: actor.token, json: json)
        #expect(reply.status == status, "\(method) \(path): \(reply.status) \(reply.text)")
        return (try? reply.json()) ?? [:]
    }

    /// Repeats a call until it answers `status` (events between services arrive asynchronously).
    static func until(
        _ system: SalesDeskSystem,
        _ method: String,
        _ path: String,
        as actor: Actor,
        json: Any? = nil,
        status: Int,
        where check: @Sendable ([String: Any]) -> Bool = { _ in true }
    ) async throws -> [String: Any] {
        var last = ""
        var result: [String: Any] = [:]
        let reached = await eventually(timeout: .seconds(45), interval: .milliseconds(200)) {
            guard let reply = try? await system.request(method, path, token: actor.token, json: json) else { return false }
            last = "\(reply.status) \(reply.text)"
            guard reply.status == status, let object = try? reply.json(), check(object) else { return false }
            result = object
            return true
        }
        #expect(reached, "\(method) \(path) never answered \(status) as expected; last: \(last)")
        return result
    }

    static func items(_ object: [String: Any]) -> [[String: Any]] { object["items"] as? [[String: Any]] ?? [] }

    func createUser(_ system: SalesDeskSystem, _ admin: Actor, _ fields: [String: Any]) async throws -> Actor {
        var json = fields
        json["password"] = Self.password
        json["displayName"] = fields["username"]
        let created = try await Self.call(system, "POST", "/api/v1/users", as: admin, json: json, expect: 201)
        let token = try await system.login(fields["username"] as? String ?? "", Self.password)
        return Actor(id: (created["id"] as? String ?? "").lowercased(), token: token)
    }

    /// The pending approval of a contract in an approver's queue (waits for it to arrive).
    func pendingApproval(_ system: SalesDeskSystem, for approver: Actor, contract: String) async throws -> String {
        let queue = try await Self.until(system, "GET", "/api/v1/approvals?status=pending", as: approver, status: 200) { page in
            SalesStoryTests.items(page).contains { ($0["contractId"] as? String)?.lowercased() == contract }
        }
        return Self.items(queue).first { ($0["contractId"] as? String)?.lowercased() == contract }?["id"] as? String ?? ""
    }

    @Test("deal → quote v1, v2 → contract from v2 → supervisor, regional manager, gm approve (pushed to WeCom) → signed → reports")
    func salesStory() async throws {
        let wecom = WeComStandIn()
        try await wecom.serve { wecomURL in
            let system = try await SalesDeskSystem.start(extraEnvironment: [
                "WECOM_WEBHOOK_BASE_URL": wecomURL, "WECOM_WEBHOOK_KEY": "story-key",
                "NOTIFICATIONS_DELIVERY_RETRY_BASE_MS": "200",
            ])
            defer { system.stop() }
            let admin = Actor(id: "", token: try await system.login("admin", SalesDeskSystem.adminPassword))

            // The organisation.
            try await Self.call(system, "POST", "/api/v1/regions", as: admin, json: ["code": "east-china", "name": "华东"], expect: 201)
            try await system.waitForRegion("east-china")
            let gm = try await createUser(system, admin, ["username": "boss", "role": "gm", "mobile": "13900000001"])
            let manager = try await createUser(
                system,
                admin,
                ["username": "zhao", "role": "regional_manager", "region": "east-china", "supervisorId": gm.id, "mobile": "13900000002"]
            )
            let supervisor = try await createUser(
                system,
                admin,
                ["username": "qian", "role": "supervisor", "region": "east-china", "supervisorId": manager.id, "mobile": "13900000003"]
            )
            let rep = try await createUser(
                system,
                admin,
                ["username": "sun", "role": "rep", "region": "east-china", "supervisorId": supervisor.id, "mobile": "13900000004"]
            )
            _ = try await createUser(system, admin, ["username": "li", "role": "rep", "region": "east-china", "supervisorId": supervisor.id])

            // Catalogue, customer, deal.
            let product = try await Self.call(
                system,
                "POST",
                "/api/v1/products",
                as: admin,
                json: ["name": "M8 螺栓", "productLine": "bolts", "listPriceFen": 100_000, "unitCostFen": 60_000],
                expect: 201
            )
            let productID = product["id"] as? String ?? ""
            let customer = try await Self.call(
                system,
                "POST",
                "/api/v1/customers",
                as: rep,
                json: ["name": "宁波精工", "region": "east-china", "industry": "machinery", "contacts": [["name": "王经理", "phone": "13800138000"]]],
                expect: 201
            )
            let deal = try await Self.until(
                system,
                "POST",
                "/api/v1/deals",
                as: rep,
                json: ["customerId": customer["id"] ?? "", "title": "M8 螺栓年度采购", "expectedAmountFen": 8_000_000, "expectedCloseDate": "2026-12-31"],
                status: 201
            )
            let dealID = deal["id"] as? String ?? ""
            try await Self.call(system, "POST", "/api/v1/deals/\(dealID)/stage", as: rep, json: ["stage": "qualified"], expect: 200)

            // Two quote versions; a contract from the superseded one is refused and names the current one.
            let v1 = try await Self.call(
                system,
                "POST",
                "/api/v1/deals/\(dealID)/quotes",
                as: rep,
                json: ["lines": [["productId": productID, "quantity": 70]]],
                expect: 201
            )
            let v2 = try await Self.call(
                system,
                "POST",
                "/api/v1/deals/\(dealID)/quotes",
                as: rep,
                json: ["lines": [["productId": productID, "quantity": 80]]],
                expect: 201
            )
            #expect(v2["version"] as? Int == 2)
            #expect(v2["totalFen"] as? Int == 8_000_000)
            let refused = try await system.request("POST", "/api/v1/contracts", token: rep.token, json: ["quoteId": v1["id"] ?? ""])
            #expect(refused.status == 409)
            #expect(refused.text.contains("2"), "the refusal should name the current version: \(refused.text)")
            let contract = try await Self.call(system, "POST", "/api/v1/contracts", as: rep, json: ["quoteId": v2["id"] ?? ""], expect: 201)
            let contractID = contract["id"] as? String ?? ""
            let number = contract["number"] as? String ?? ""
            #expect(number.hasPrefix("HT-2026-") || number.hasPrefix("HT-"))
            #expect(contract["amountFen"] as? Int == 8_000_000)
            try await Self.call(system, "POST", "/api/v1/contracts/\(contractID)/submit", as: rep, expect: 200)

            // Three approvers in turn, each pushed to WeCom; approvals is killed (-9) between two steps.
            for (index, approver) in [supervisor, manager, gm].enumerated() {
                let approvalID = try await pendingApproval(system, for: approver, contract: contractID)
                let mobile = ["13900000003", "13900000002", "13900000001"][index]
                let pushed = await eventually(timeout: .seconds(30)) {
                    await wecom.successes.contains { "\($0.body)".contains(mobile) && "\($0.body)".contains(number) }
                }
                #expect(pushed, "step \(index + 1): no WeCom push mentioning \(mobile)")
                try await Self.call(
                    system,
                    "POST",
                    "/api/v1/approvals/\(approvalID)/approve",
                    as: approver,
                    json: ["comment": "同意"],
                    expect: 200
                )
                if index == 0 {
                    system.kill("approvals")
                    try await system.restart("approvals")
                }
            }
            let approved = try await Self.until(system, "GET", "/api/v1/contracts/\(contractID)", as: rep, status: 200) {
                $0["status"] as? String == "approved"
            }
            #expect(approved["status"] as? String == "approved")
            try await Self.call(system, "POST", "/api/v1/contracts/\(contractID)/sign", as: rep, expect: 200)

            // Nothing lost, nothing twice: one approval for the contract, one push per step.
            let history = try await Self.call(system, "GET", "/api/v1/approvals", as: rep, expect: 200)
            #expect(Self.items(history).filter { ($0["contractId"] as? String)?.lowercased() == contractID }.count == 1)
            // Through the gateway, the contract's approval by its id, and the rep's contracts by owner (the screens' filters).
            let ofContract = try await Self.call(system, "GET", "/api/v1/approvals?contract=\(contractID)", as: rep, expect: 200)
            #expect(Self.items(ofContract).map { ($0["contractId"] as? String)?.lowercased() } == [contractID.lowercased()])
            let owner = contract["ownerId"] as? String ?? ""
            #expect(!owner.isEmpty && owner == rep.id, "\(contract)")
            let ofOwner = try await Self.call(system, "GET", "/api/v1/contracts?owner=\(owner)", as: gm, expect: 200)
            #expect(Self.items(ofOwner).compactMap { $0["id"] as? String } == [contractID])
            let pushes = await wecom.successes.filter { "\($0.body)".contains(number) }
            #expect(pushes.filter { !"\($0.body)".contains("13900000004") }.count == 3, "expected one push per approver")

            // The dashboard.
            // The business month (Asia/Shanghai), as reporting buckets sales: from 16:00 UTC on a month's last day
            // it is already the next one (CI failed on 2026-11-30 at 16:58 UTC asking for 2026-11).
            let month = String(BusinessCalendar.day(of: Date()).description.prefix(7))
            let top = try await Self.until(system, "GET", "/api/v1/reports/top-reps?month=\(month)", as: admin, status: 200) { page in
                SalesStoryTests.items(page).contains { ($0["userId"] as? String)?.lowercased() == rep.id }
            }
            #expect(Self.items(top).first { ($0["userId"] as? String)?.lowercased() == rep.id }?["signedAmountFen"] as? Int == 8_000_000)
            let margins = try await Self.until(system, "GET", "/api/v1/reports/product-line-margins", as: admin, status: 200) { page in
                SalesStoryTests.items(page).contains { $0["productLine"] as? String == "bolts" }
            }
            let bolts = Self.items(margins).first { $0["productLine"] as? String == "bolts" }
            #expect(bolts?["revenueFen"] as? Int == 8_000_000)
            #expect(bolts?["costFen"] as? Int == 4_800_000)
            let funnel = try await Self.call(system, "GET", "/api/v1/reports/funnel", as: admin, expect: 200)
            #expect((funnel["stages"] as? [[String: Any]])?.first?["count"] as? Int ?? 0 >= 1)
            let times = try await Self.until(system, "GET", "/api/v1/reports/approval-times", as: admin, status: 200) {
                ($0["count"] as? Int ?? 0) >= 1
            }
            #expect(times["count"] as? Int == 1)

            // A 30,000 CNY contract needs only the supervisor; rejected at step 2 of a big one tells the submitter.
            let small = try await Self.call(
                system,
                "POST",
                "/api/v1/deals/\(dealID)/quotes",
                as: rep,
                json: ["lines": [["productId": productID, "quantity": 30]]],
                expect: 201
            )
            let smallContract = try await Self.call(system, "POST", "/api/v1/contracts", as: rep, json: ["quoteId": small["id"] ?? ""], expect: 201)
            let smallID = smallContract["id"] as? String ?? ""
            try await Self.call(system, "POST", "/api/v1/contracts/\(smallID)/submit", as: rep, expect: 200)
            let smallApproval = try await pendingApproval(system, for: supervisor, contract: smallID)
            try await Self.call(system, "POST", "/api/v1/approvals/\(smallApproval)/approve", as: supervisor, json: ["comment": "ok"], expect: 200)
            _ = try await Self.until(system, "GET", "/api/v1/contracts/\(smallID)", as: rep, status: 200) {
                $0["status"] as? String == "approved"
            }

            let big = try await Self.call(
                system,
                "POST",
                "/api/v1/deals/\(dealID)/quotes",
                as: rep,
                json: ["lines": [["productId": productID, "quantity": 90]]],
                expect: 201
            )
            let bigContract = try await Self.call(system, "POST", "/api/v1/contracts", as: rep, json: ["quoteId": big["id"] ?? ""], expect: 201)
            let bigID = bigContract["id"] as? String ?? ""
            try await Self.call(system, "POST", "/api/v1/contracts/\(bigID)/submit", as: rep, expect: 200)
            let step1 = try await pendingApproval(system, for: supervisor, contract: bigID)
            try await Self.call(system, "POST", "/api/v1/approvals/\(step1)/approve", as: supervisor, json: ["comment": "ok"], expect: 200)
            let step2 = try await pendingApproval(system, for: manager, contract: bigID)
            try await Self.call(system, "POST", "/api/v1/approvals/\(step2)/reject", as: manager, json: [String: Any](), expect: 422)
            try await Self.call(system, "POST", "/api/v1/approvals/\(step2)/reject", as: manager, json: ["comment": "价格太低"], expect: 200)
            _ = try await Self.until(system, "GET", "/api/v1/contracts/\(bigID)", as: rep, status: 200) {
                $0["status"] as? String == "rejected"
            }
            let told = try await Self.until(system, "GET", "/api/v1/notifications", as: rep, status: 200) { page in
                SalesStoryTests.items(page).contains { "\($0)".contains("reject") || "\($0)".contains("驳回") }
            }
            #expect(!Self.items(told).isEmpty)
        }
    }
}
