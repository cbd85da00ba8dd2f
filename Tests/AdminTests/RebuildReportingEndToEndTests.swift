import Admin
import ArgumentParser
import Foundation
import TestSupport
import Testing

/// `salesdesk-admin rebuild reporting` against the real services: the projections rebuilt from the event log equal the
/// live ones, the reports answer from the new schema, and events that arrive afterwards land in it.
@Suite("End to end: salesdesk-admin rebuild reporting", .timeLimit(.minutes(5)))
struct RebuildReportingEndToEndTests {
    /// Every projection row that events made, as one checksum per table (the aggregates: their rows that count).
    static let fingerprint = """
        SELECT concat_ws('|',
            (SELECT md5(coalesce(string_agg(concat_ws(',', id, region, industry, owner_id, sequence), ';' ORDER BY id), '')) FROM reporting.customer_projection),
            (SELECT md5(coalesce(string_agg(concat_ws(',', deal_id, owner_id, region, stage, sequence, created_at), ';' ORDER BY deal_id), '')) FROM reporting.deal_projection),
            (SELECT md5(coalesce(string_agg(concat_ws(',', deal_id, stage, reached_at), ';' ORDER BY deal_id, stage), '')) FROM reporting.deal_stages),
            (SELECT md5(coalesce(string_agg(concat_ws(',', id, username, role, region, active, sequence), ';' ORDER BY id), '')) FROM reporting.org_replica),
            (SELECT md5(coalesce(string_agg(concat_ws(',', user_id, day), ';' ORDER BY user_id, day), '')) FROM reporting.daily_active_users),
            (SELECT md5(coalesce(string_agg(concat_ws(',', day, owner_id, region, funnel_stage, deals), ';' ORDER BY day, owner_id, region, funnel_stage), '')) FROM (
                SELECT day, owner_id, region, funnel_stage, sum(deals) AS deals
                FROM (SELECT * FROM reporting.deal_funnel_daily UNION ALL SELECT * FROM reporting.deal_funnel_changes) d
                GROUP BY 1, 2, 3, 4 HAVING sum(deals) <> 0) funnel),
            (SELECT md5(coalesce(string_agg(concat_ws(',', owner_id, region, industry, customers), ';' ORDER BY owner_id, region, industry), '')) FROM (
                SELECT owner_id, region, industry, sum(customers) AS customers
                FROM (SELECT * FROM reporting.customer_counts UNION ALL SELECT * FROM reporting.customer_count_changes) c
                GROUP BY 1, 2, 3 HAVING sum(customers) <> 0) counts),
            (SELECT count(*) FROM reporting.event_log))
        """

    @Test("a rebuild reproduces every projection, swaps schemas, and later events land in the new one")
    func rebuildReproducesTheProjections() async throws {
        let system = try await SalesDeskSystem.start()
        defer { system.stop() }
        // A team and customers through the API (seed-demo, no SQL history), then deals moved along by a rep.
        let seed = try #require(
            try SalesDeskAdmin.parseAsRoot([
                "seed-demo", "--gateway", system.gatewayURL, "--admin-password", SalesDeskSystem.adminPassword,
                "--postgres-url", system.databaseURL, "--customers", "12", "--contracts", "0",
            ]) as? SeedDemo
        )
        try await seed.run()
        let rep = try await system.login("demo-rep-east-1-1", "Demo-2026-SalesDesk")
        let customers = try await system.request("GET", "/api/v1/customers?limit=5", token: rep)
        let customerIDs = try #require(try customers.json()["items"] as? [[String: Any]]).compactMap { $0["id"] as? String }
        #expect(!customerIDs.isEmpty)
        func openDeal(_ customerID: String, _ title: String) async throws -> String {
            let reply = try await system.request(
                "POST",
                "/api/v1/deals",
                token: rep,
                json: ["customerId": customerID, "title": title, "expectedAmountFen": 1_200_000, "expectedCloseDate": "2027-01-15"],
                headers: ["Idempotency-Key": UUID().uuidString]
            )
            #expect(reply.status == 201, "\(reply.text)")
            return try #require(try reply.json()["id"] as? String)
        }
        for (index, customerID) in customerIDs.enumerated() {
            let deal = try await openDeal(customerID, "重建测试 \(index)")
            if index % 2 == 0 {
                let moved = try await system.request(
                    "POST",
                    "/api/v1/deals/\(deal)/stage",
                    token: rep,
                    json: ["stage": "qualified"],
                    headers: ["Idempotency-Key": UUID().uuidString]
                )
                #expect(moved.status == 200, "\(moved.text)")
            }
        }
        let stagesExpected = customerIDs.count + (customerIDs.count + 1) / 2
        let settled = await eventually(timeout: .seconds(60)) {
            (try? system.psql("SELECT count(*) FROM reporting.deal_stages")) == "\(stagesExpected)"
        }
        #expect(settled)
        let gm = try await system.login("demo-gm", "Demo-2026-SalesDesk")
        let funnelPath = "/api/v1/reports/funnel?from=2026-01-01&to=2027-12-31"
        let funnelBefore = try await system.request("GET", funnelPath, token: gm).text
        // Logins and requests are events too (user.logged_in, user.active): take the fingerprint once it holds still.
        var atRest = try system.psql(Self.fingerprint)
        for _ in 0..<30 {
            try await Task.sleep(for: .seconds(1))
            let now = try system.psql(Self.fingerprint)
            if now == atRest { break }
            atRest = now
        }

        // As reporting's own user, which owns its schema.
        var reportingURL = try #require(URLComponents(string: system.databaseURL))
        reportingURL.user = "reporting"
        reportingURL.password = "salesdesk-reporting"
        let url = try #require(reportingURL.string)
        let rebuild = try #require(try SalesDeskAdmin.parseAsRoot(["rebuild", "reporting", "--postgres-url", url]) as? RebuildReporting)
        try await rebuild.run()

        let after = try system.psql(Self.fingerprint)
        #expect(after == atRest, "projections before | after the rebuild:\n\(atRest)\n\(after)")
        #expect(try system.psql("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'reporting_old_%'") == "1")
        #expect(try system.psql("SELECT count(*) FROM pg_namespace WHERE nspname = 'reporting_rebuild'") == "0")
        #expect(try await system.request("GET", funnelPath, token: gm).text == funnelBefore)

        // Consumers write into the new schema: one more deal reaches the rebuilt projections.
        _ = try await openDeal(customerIDs[0], "重建之后")
        let landed = await eventually(timeout: .seconds(60)) {
            (try? system.psql("SELECT count(*) FROM reporting.deal_projection")) == "\(customerIDs.count + 1)"
        }
        #expect(landed)
    }
}
