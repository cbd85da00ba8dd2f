import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Deals

/// Issue 11's chain after the signature, over real HTTP on the six executables: the warehouse ships in two parts and
/// the deal becomes delivered by itself; the payment plan has three installments, one paid late and one partly; the
/// working-day overdue check, run here with a controlled clock against the system's own database, alerts once per
/// threshold (owner, then their supervisor past 15 days) and the alerts reach the inboxes; full collection makes the
/// deal paid by itself.
@Suite("End to end: after the signature", .timeLimit(.minutes(8)))
struct AfterSignatureChainTests {
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

    /// The first working day after today (Asia/Shanghai), at 09:00: the controlled clock's next occurrence of the
    /// overdue check, which the system's own deals process (on the real clock) cannot have claimed yet.
    static func nextCheck(after now: Date, calendar: WorkingCalendar = WorkingCalendar()) -> Date {
        var instant = now
        while true {
            instant = PaymentOverdueCheckJob.schedule.nextOccurrence(after: instant)!
            if calendar.isWorkingDay(BusinessCalendar.day(of: instant)), instant.timeIntervalSince(now) > 3600 { return instant }
        }
    }

    @Test(
        "ship in two parts → delivered; three installments, one paid late, one partly; the overdue alert fires once per threshold; full collection → paid"
    )
    func chain() async throws {
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
        let finance = try await story.createUser(system, admin, ["username": "cai", "role": "finance"])
        let warehouse = try await story.createUser(system, admin, ["username": "cang", "role": "warehouse"])

        // A signed contract of 40 × ¥1,000.00 = ¥40,000.00 (4,000,000 fen).
        let product = try await Self.call(
            system,
            "POST",
            "/api/v1/products",
            as: admin,
            json: ["name": "M8 螺栓", "productLine": "bolts", "listPriceFen": 100_000, "unitCostFen": 60_000],
            expect: 201
        )
        let customer = try await Self.call(
            system,
            "POST",
            "/api/v1/customers",
            as: rep,
            json: ["name": "宁波精工", "region": "east-china", "industry": "machinery", "contacts": [["name": "王经理", "phone": "13800138000"]]],
            expect: 201
        )
        let deal = try await SalesStoryTests.until(
            system,
            "POST",
            "/api/v1/deals",
            as: rep,
            json: ["customerId": customer["id"] ?? "", "title": "M8 螺栓", "expectedAmountFen": 4_000_000, "expectedCloseDate": "2026-12-31"],
            status: 201
        )
        let dealID = deal["id"] as? String ?? ""
        try await Self.call(system, "POST", "/api/v1/deals/\(dealID)/stage", as: rep, json: ["stage": "qualified"], expect: 200)
        let quote = try await Self.call(
            system,
            "POST",
            "/api/v1/deals/\(dealID)/quotes",
            as: rep,
            json: ["lines": [["productId": product["id"] ?? "", "quantity": 40]]],
            expect: 201
        )
        let contract = try await Self.call(system, "POST", "/api/v1/contracts", as: rep, json: ["quoteId": quote["id"] ?? ""], expect: 201)
        let contractID = contract["id"] as? String ?? ""
        try await Self.call(system, "POST", "/api/v1/contracts/\(contractID)/submit", as: rep, expect: 200)
        // Under ¥50,000 the supervisor alone approves.
        let approval = try await story.pendingApproval(system, for: supervisor, contract: contractID)
        try await Self.call(system, "POST", "/api/v1/approvals/\(approval)/approve", as: supervisor, json: ["comment": "同意"], expect: 200)
        _ = try await SalesStoryTests.until(system, "GET", "/api/v1/contracts/\(contractID)", as: rep, status: 200) {
            $0["status"] as? String == "approved"
        }
        try await Self.call(system, "POST", "/api/v1/contracts/\(contractID)/sign", as: rep, expect: 200)

        // The plan signing proposed (30 / 60 / 10), then the owner's own: the deposit was due 20 days ago.
        let proposed = try await Self.call(system, "GET", "/api/v1/contracts/\(contractID)/payments", as: finance, expect: 200)
        #expect((proposed["installments"] as? [[String: Any]])?.compactMap { $0["amountFen"] as? Int } == [1_200_000, 2_400_000, 400_000])
        let today = BusinessCalendar.day(of: Date())
        let depositDue = PaymentPlan.day(today, plus: -20).description
        let plan = try await Self.call(
            system,
            "PUT",
            "/api/v1/contracts/\(contractID)/payment-plan",
            as: rep,
            json: [
                "installments": [
                    ["label": "预付款", "amountFen": 1_200_000, "dueOn": depositDue],
                    ["label": "发货款", "amountFen": 2_400_000, "dueAfterDeliveryDays": 30],
                    ["label": "质保金", "amountFen": 400_000, "dueAfterDeliveryDays": 90],
                ]
            ],
            expect: 200
        )
        let installments = (plan["installments"] as? [[String: Any]]) ?? []
        #expect(installments.map { $0["status"] as? String } == ["overdue", "scheduled", "scheduled"])

        // Shipped in two parts: the deal stays at contract after the first, and is delivered by the second.
        let refused = try await system.request("POST", "/api/v1/deals/\(dealID)/stage", token: rep.token, json: ["stage": "delivered"])
        #expect(refused.status == 409, "a hand move to delivered: \(refused.status) \(refused.text)")
        for (index, quantity) in [15, 25].enumerated() {
            try await Self.call(
                system,
                "POST",
                "/api/v1/contracts/\(contractID)/shipments",
                as: warehouse,
                json: [
                    "shippedOn": today.description, "carrier": "顺丰", "trackingNumber": "SF\(index)",
                    "lines": [["lineNumber": 1, "quantity": quantity]],
                ],
                expect: 201
            )
            let stage = try await Self.call(system, "GET", "/api/v1/deals/\(dealID)", as: rep, expect: 200)["stage"] as? String
            #expect(stage == (index == 0 ? "contract" : "delivered"))
        }
        let delivered = try await Self.call(system, "GET", "/api/v1/contracts/\(contractID)/payments", as: rep, expect: 200)
        let dueDates = (delivered["installments"] as? [[String: Any]])?.map { $0["dueOn"] as? String }
        #expect(dueDates == [depositDue, PaymentPlan.day(today, plus: 30).description, PaymentPlan.day(today, plus: 90).description])

        // The overdue check, on a controlled clock: the next working day's 09:00, then the one after.
        let settings = try PostgresSettings(
            url: Self.serviceURL(system, role: "deals"),
            schema: "deals",
            applicationName: "after-signature-test"
        )
        let logger = Logger(label: "after-signature-test")
        let client = settings.makeClient(logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group async throws -> Void in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            let job = PaymentOverdueCheckJob.job(repository: ReceivablesRepository(logger: logger))
            let first = Self.nextCheck(after: Date())
            #expect(try await job.runIfDue(now: first.addingTimeInterval(60), client: client, logger: logger) == .ran(first))
            #expect(try await Self.overdueEvents(client, logger) == 2, "the deposit reached both thresholds: 1 day and 16 days late")
            #expect(try await job.runIfDue(now: first.addingTimeInterval(120), client: client, logger: logger) == .alreadyClaimed(first))
            let second = Self.nextCheck(after: first)
            #expect(try await job.runIfDue(now: second.addingTimeInterval(60), client: client, logger: logger) == .ran(second))
            #expect(try await Self.overdueEvents(client, logger) == 2, "a later check alerts nobody again")
        }
        // The owner hears it at both thresholds, their supervisor once (past 15 days).
        for (actor, expected) in [(rep, 2), (supervisor, 1)] {
            let inbox = try await SalesStoryTests.until(system, "GET", "/api/v1/notifications", as: actor, status: 200) { page in
                SalesStoryTests.items(page).filter { $0["kind"] as? String == "payment_overdue" }.count >= expected
            }
            let alerts = SalesStoryTests.items(inbox).filter { $0["kind"] as? String == "payment_overdue" }
            #expect(alerts.count == expected)
            #expect(alerts.allSatisfy { "\($0["body"] ?? "")".contains("宁波精工") })
        }

        // The deposit, late; part of the delivery payment; then the rest, which collects the contract.
        for (amount, expectedOutstanding) in [(1_200_000, 2_800_000), (1_000_000, 1_800_000)] {
            let after = try await Self.call(
                system,
                "POST",
                "/api/v1/contracts/\(contractID)/receipts",
                as: finance,
                json: ["amountFen": amount, "receivedOn": today.description, "method": "bank_transfer", "reference": "银行回单"],
                expect: 201
            )
            #expect(after["outstandingFen"] as? Int == expectedOutstanding)
        }
        let partly = try await Self.call(system, "GET", "/api/v1/contracts/\(contractID)/payments", as: rep, expect: 200)
        let owed = (partly["installments"] as? [[String: Any]])?.map { $0["outstandingFen"] as? Int } ?? []
        #expect(owed == [0, 1_400_000, 400_000])
        #expect(try await Self.call(system, "GET", "/api/v1/deals/\(dealID)", as: rep, expect: 200)["stage"] as? String == "delivered")
        let owing = try await Self.call(system, "GET", "/api/v1/receivables?by=company", as: finance, expect: 200)["total"] as? [String: Any]
        #expect(owing?["totalFen"] as? Int == 1_800_000 && owing?["overdueFen"] as? Int == 0)
        let collected = try await Self.call(
            system,
            "POST",
            "/api/v1/contracts/\(contractID)/receipts",
            as: finance,
            json: ["amountFen": 1_800_000, "receivedOn": today.description, "method": "bank_transfer"],
            expect: 201
        )
        #expect(collected["collected"] as? Bool == true && collected["outstandingFen"] as? Int == 0)
        #expect(try await Self.call(system, "GET", "/api/v1/deals/\(dealID)", as: rep, expect: 200)["stage"] as? String == "paid")
        let settled = try await Self.call(system, "GET", "/api/v1/receivables?by=company", as: finance, expect: 200)["total"] as? [String: Any]
        #expect(settled?["totalFen"] as? Int == 0)
    }

    /// The system's database as one service's role sees it.
    static func serviceURL(_ system: SalesDeskSystem, role: String) throws -> String {
        var url = try #require(URLComponents(string: system.postgresAdminURL))
        url.user = role
        url.password = "salesdesk-\(role)"
        url.path = "/\(system.database)"
        return try #require(url.string)
    }

    /// `payment.overdue` events in the deals outbox (published or not).
    static func overdueEvents(_ client: PostgresClient, _ logger: Logger) async throws -> Int {
        let rows = try await client.query("SELECT count(*)::int FROM outbox WHERE type = \(PaymentOverdue.eventType)", logger: logger)
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }
}
