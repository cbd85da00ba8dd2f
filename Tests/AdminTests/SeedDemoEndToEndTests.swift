import Admin
import ArgumentParser
import Foundation
import TestSupport
import Testing

/// `salesdesk-admin seed-demo` against the six real services: the team, the catalogue and the customers go in through
/// the API, the year of contracts straight into deals and reporting; the reports and the contract pages read them
/// like any other data, and a second run changes nothing.
@Suite("End to end: salesdesk-admin seed-demo", .timeLimit(.minutes(5)))
struct SeedDemoEndToEndTests {
    @Test("seed-demo loads a consistent company that the API and the reports read, and a second run adds nothing")
    func seedsAConsistentCompanyOnce() async throws {
        let system = try await SalesDeskSystem.start()
        defer { system.stop() }
        let arguments = [
            "seed-demo", "--gateway", system.gatewayURL, "--admin-password", SalesDeskSystem.adminPassword,
            "--postgres-url", system.databaseURL, "--customers", "45", "--contracts", "150", "--batch", "100", "--until", "2026-11-20",
        ]
        let first = try #require(try SalesDeskAdmin.parseAsRoot(arguments) as? SeedDemo)
        try await first.run()

        // What went in, in each service's schema.
        #expect(try system.psql("SELECT count(*) FROM gateway.users WHERE username LIKE 'demo-%'") == "\(DemoData.team.count)")
        #expect(try system.psql("SELECT count(*) FROM customers.customers WHERE external_id LIKE 'DEMO-%'") == "45")
        #expect(try system.psql("SELECT count(*) FROM deals.contracts WHERE status = 'signed'") == "150")
        #expect(try system.psql("SELECT count(*) FROM deals.deals") == "225")
        #expect(try system.psql("SELECT count(*) FROM reporting.signed_contracts") == "150")
        // Every contract's lines add up to it, in deals and in reporting, and both schemas hold the same money.
        #expect(
            try system.psql(
                """
                SELECT count(*) FROM deals.contracts c
                WHERE c.amount_fen <> (SELECT sum((l ->> 'amountFen')::bigint) FROM jsonb_array_elements(c.lines) l)
                   OR c.amount_fen <> (SELECT sum(amount_fen) FROM reporting.signed_contract_lines r WHERE r.contract_id = c.id::text)
                """
            ) == "0"
        )
        let fingerprint = """
            SELECT md5(string_agg(c.number || ':' || c.amount_fen || ':' || c.cost_fen || ':' || c.signed_at || ':' || d.stage, ',' ORDER BY c.number))
            FROM deals.contracts c JOIN deals.deals d ON d.id = c.deal_id
            """
        let before = try system.psql(fingerprint)
        let total = try system.psql("SELECT sum(amount_fen) FROM deals.contracts")

        // The reports read the history: the product lines' revenue over the year is every contract's amount.
        let gm = try await system.login("demo-gm", "Demo-2026-SalesDesk")
        let margins = try await system.request("GET", "/api/v1/reports/product-line-margins?from=2025-11-01&to=2026-11-30", token: gm)
        #expect(margins.status == 200)
        let lines = try #require(try margins.json()["items"] as? [[String: Any]])
        #expect(lines.count == 4)
        #expect(String(lines.compactMap { ($0["revenueFen"] as? NSNumber)?.int64Value }.reduce(0, +)) == total)

        // A seeded contract reads like any other through the API, and a rep sees only their own.
        let number = try system.psql("SELECT number FROM deals.contracts ORDER BY number LIMIT 1")
        let rep = try system.psql(
            "SELECT u.username FROM deals.contracts c JOIN deals.deals d ON d.id = c.deal_id JOIN gateway.users u ON u.id::text = d.owner_id WHERE c.number = '\(number)'"
        )
        let repToken = try await system.login(rep, "Demo-2026-SalesDesk")
        let page = try await system.request("GET", "/api/v1/contracts?limit=100", token: repToken)
        #expect(page.status == 200)
        let mine = try #require(try page.json()["items"] as? [[String: Any]])
        let repID = try system.psql("SELECT id FROM gateway.users WHERE username = '\(rep)'")
        #expect(!mine.isEmpty)
        #expect(mine.allSatisfy { $0["ownerId"] as? String == repID })
        let contractID = try system.psql("SELECT id FROM deals.contracts WHERE number = '\(number)'")
        let contract = try await system.request("GET", "/api/v1/contracts/\(contractID)", token: repToken)
        #expect(contract.status == 200)
        #expect(try contract.json()["number"] as? String == number)

        // A second run finds everything there and writes nothing.
        let second = try #require(try SalesDeskAdmin.parseAsRoot(arguments) as? SeedDemo)
        try await second.run()
        #expect(try system.psql(fingerprint) == before)
        #expect(try system.psql("SELECT count(*) FROM deals.deals") == "225")
        #expect(try system.psql("SELECT count(*) FROM customers.customers") == "45")
        #expect(try system.psql("SELECT count(*) FROM gateway.users WHERE username LIKE 'demo-%'") == "\(DemoData.team.count)")
    }

    @Test("the demo's names are unique and its team has the shape of the companies SalesDesk is for")
    func demoDataIsWellFormed() {
        let names = (0..<5000).map { DemoData.customer($0).name }
        #expect(Set(names).count == names.count)
        #expect(DemoData.reps.count == 30)
        #expect(DemoData.team.filter { $0.role == "rep" }.allSatisfy { $0.supervisor != nil && $0.region != nil })
        #expect(DemoData.importCSV(0..<2).split(separator: "\r\n").count == 3)
        #expect(throws: (any Error).self) { try SalesDeskAdmin.parseAsRoot(["seed-demo", "--customers", "0"]) }
    }
}
