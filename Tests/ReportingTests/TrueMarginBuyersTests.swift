import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Reporting

/// Issue 14: true margin's re-purchase columns from each (line, customer)'s latest purchase day per scope (reporting
/// migration 0019) equal the exact distinct counts over the purchases, for every scope that has its own key and every
/// period that ends today or later, through signings, a deletion, a repeat arriving, a purchase dated after the
/// period, and folds running at once.
@Suite("True margin buyers")
struct TrueMarginBuyersTests {
    typealias Story = TrueMarginReportTests

    static let today = BusinessCalendar.day(of: Story.now)

    /// Every kind of scope: the company (gm; finance, unrestricted too), each region, each owner who sells here, two
    /// teams, and the warehouse's empty scope.
    static let callers = ["gm", "finance", "rm-east", "rm-north", "rep-1", "rep-2", "rep-3", "rep-north", "sup-1", "sup-2"]

    /// Periods ending today or later (the default 365 days, from several first days), and ones ending before today.
    static let periods: [(from: String, to: String)] = [
        ("2025-12-01", "2026-11-30"), ("2026-06-01", "2026-11-30"), ("2026-06-02", "2026-11-30"), ("2026-10-01", "2026-11-30"),
        ("2026-11-29", "2026-11-30"), ("2026-11-30", "2026-11-30"), ("2026-01-01", "2026-12-31"), ("2026-12-01", "2026-12-31"),
        ("2025-12-01", "2026-11-29"), ("2026-06-01", "2026-10-01"),
    ]

    static func sign(
        _ id: String,
        customer: String,
        owner: String,
        region: String = "east-china",
        on day: String,
        lines: [String],
        _ service: RPCHarness
    )
        async throws
    {
        var signed = ReportOperationsTests.signed(
            id,
            owner: owner,
            region: region,
            at: "\(day)T02:00:00Z",
            lines: lines.map { ReportOperationsTests.line($0, amount: 100_000, cost: 60_000) }
        )
        signed.customerID = customer
        signed.customerName = "客户\(customer)"
        _ = try await service.deliver(signed, source: "deals", subject: id, sequence: 5)
    }

    /// Rows of `customer_line_latest` unlike a recomputation from the purchases, plus counts (folded and not) unlike a
    /// recomputation from `customer_line_latest`.
    static func differences(_ service: RPCHarness) async throws -> Int {
        let rows = try await service.client.query(
            """
            WITH latest AS (
                SELECT product_line, customer_id, scope_key, last_day, repeat FROM customer_line_latest
            ), latest_recomputed AS (
                SELECT d.product_line, d.customer_id, s.scope_key, max(d.day), bool_or(r.second_day IS NOT NULL)
                FROM customer_line_days d
                    CROSS JOIN LATERAL (VALUES ('*'), ('region:' || d.region), ('owner:' || d.owner_id)) AS s (scope_key)
                    LEFT JOIN customer_line_repeats r ON r.customer_id = d.customer_id AND r.product_line = d.product_line
                WHERE d.lines > 0
                GROUP BY 1, 2, 3
            ), counts AS (
                SELECT scope_key, last_day, product_line, repeat, sum(buyers)::bigint
                FROM (SELECT * FROM customer_line_latest_counts UNION ALL SELECT * FROM customer_line_latest_changes) c
                GROUP BY 1, 2, 3, 4 HAVING sum(buyers) <> 0
            ), counts_recomputed AS (
                SELECT scope_key, last_day, product_line, repeat, count(*)::bigint FROM customer_line_latest GROUP BY 1, 2, 3, 4
            )
            SELECT ((SELECT count(*) FROM ((TABLE latest EXCEPT ALL TABLE latest_recomputed)
                    UNION ALL (TABLE latest_recomputed EXCEPT ALL TABLE latest)) l)
                + (SELECT count(*) FROM ((TABLE counts EXCEPT ALL TABLE counts_recomputed)
                    UNION ALL (TABLE counts_recomputed EXCEPT ALL TABLE counts)) c))::bigint
            """,
            logger: service.logger
        )
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return -1
    }

    /// Compares the two reads for every caller and period. `fastFrom` is the first period end (exclusive) from which the
    /// latest purchase days must answer: the day after today, or later while a purchase is dated after today.
    static func expectLatestEqualsExact(_ service: RPCHarness, fastFrom: CalendarDay, _ comment: String) async throws {
        #expect(try await differences(service) == 0, "\(comment): the latest rows and counts equal their recomputation")
        let repository = CollectionsRepository(logger: service.logger)
        var answered = 0
        for caller in callers {
            let scope = DataScope(Org.identity(caller))
            for (from, to) in periods {
                let period = try ReportPeriod.days(from: from, to: to, now: Story.now)
                let (exact, latest, buyers) = try await service.client.withConnection { connection in
                    (
                        try await repository.exactBuyers(in: period, scope: scope, on: connection),
                        try await repository.latestBuyers(in: period, scope: scope, today: today, on: connection),
                        try await repository.buyers(in: period, scope: scope, today: today, on: connection)
                    )
                }
                let label = "\(comment): \(caller) \(from)…\(to)"
                let expected = exact.mapValues { [$0.customers, $0.repeats] }
                #expect(buyers.mapValues { [$0.customers, $0.repeats] } == expected, "\(label)")
                let hasKey = CollectionsRepository.latestScopeKey(scope) != nil
                if hasKey && BusinessCalendar.day(of: period.end) >= fastFrom {
                    #expect(latest != nil, "\(label): read from the latest purchase days")
                } else {
                    #expect(latest == nil, "\(label): read from the purchases")
                }
                if let latest {
                    answered += 1
                    #expect(latest.mapValues { [$0.customers, $0.repeats] } == expected, "\(label)")
                }
            }
        }
        #expect(answered > 0)
    }

    static func foldTwiceAtOnce(_ service: RPCHarness) async throws {
        async let first = CountsFolder.fold(CollectionsRepository.buyersFold, on: service.client, logger: service.logger)
        async let second = CountsFolder.fold(CollectionsRepository.buyersFold, on: service.client, logger: service.logger)
        #expect(try await first + second > 0, "there were changes to fold")
        let left = try await service.client.query("SELECT count(*)::bigint FROM customer_line_latest_changes", logger: service.logger)
        for try await count in left.decode(Int64.self) { #expect(count == 0, "the changes are gone once folded") }
    }

    @Test("the latest purchase days answer as the purchases do, for the company, each region, each owner and any period ending today or later")
    func latestEqualsExact() async throws {
        try await Story.withService { service in
            try await Org.seed(service)
            let tomorrow = Self.today.adding(days: 1)
            // k-1 buys A from rep-1 in east-china and from rep-north in north-china: one buyer of the company, one of each
            // region and owner, a repeat everywhere. k-2 buys A twice on one day (one purchase day) and B today; k-3 buys
            // B yesterday.
            try await Self.sign("c1", customer: "k-1", owner: "rep-1", on: "2026-06-01", lines: ["A", "B"], service)
            try await Self.sign("c2", customer: "k-1", owner: "rep-north", region: "north-china", on: "2026-10-01", lines: ["A"], service)
            try await Self.sign("c3", customer: "k-2", owner: "rep-2", on: "2026-11-30", lines: ["A", "A"], service)
            try await Self.sign("c4", customer: "k-3", owner: "rep-1", on: "2026-11-29", lines: ["B"], service)
            try await Self.sign("c5", customer: "k-2", owner: "rep-2", on: "2026-11-30", lines: ["B"], service)
            try await Self.expectLatestEqualsExact(service, fastFrom: tomorrow, "signed")

            try await Self.foldTwiceAtOnce(service)
            try await Self.expectLatestEqualsExact(service, fastFrom: tomorrow, "folded")

            // A repeat arrives (k-3 buys B again today, from rep-3), and c2 goes: k-1 is one region's and one owner's
            // buyer of A again, on one day, no longer a repeat. Not folded: the reads add the changes.
            try await Self.sign("c6", customer: "k-3", owner: "rep-3", on: "2026-11-30", lines: ["B"], service)
            try await service.client.query("DELETE FROM signed_contracts WHERE contract_id = 'c2'", logger: service.logger)
            try await Self.expectLatestEqualsExact(service, fastFrom: tomorrow, "a repeat and a deletion, not folded")

            // A purchase dated tomorrow: for periods ending today a last day no longer says "bought in the period".
            try await Self.sign("c7", customer: "k-1", owner: "rep-1", on: "2026-12-01", lines: ["A"], service)
            try await Self.expectLatestEqualsExact(service, fastFrom: tomorrow.adding(days: 1), "a purchase dated after today")
            try await service.client.query("DELETE FROM signed_contracts WHERE contract_id = 'c7'", logger: service.logger)
            try await Self.expectLatestEqualsExact(service, fastFrom: tomorrow, "the purchase dated after today gone")

            try await Self.foldTwiceAtOnce(service)
            try await Self.expectLatestEqualsExact(service, fastFrom: tomorrow, "folded again")

            // The report reads them: the company's A, the 365 days to today: k-1 (rep-1, June) and k-2 (today), no repeat
            // since c2 went; B: k-1, k-2, and k-3, whose second day is today.
            let report = try await Story.report(as: "gm", service)
            let figures = report.items.map { [$0.productLine: [$0.customers, $0.repeatCustomers]] }
            #expect(figures.contains(["A": [2, 0]]) && figures.contains(["B": [3, 1]]), "\(figures)")
        }
    }

    @Test("two writers of one customer's line at once take turns: the second recomputes from what the first committed")
    func concurrentWritersOfOnePair() async throws {
        try await Story.withService { service in
            try await Org.seed(service)
            try await Self.sign("c0", customer: "k-1", owner: "rep-1", on: "2026-11-01", lines: ["A"], service)
            let second: Task<Void, any Error> = try await service.client.withTransaction(logger: service.logger) { connection in
                // The first writer: k-1 buys A on 20 November, not committed yet.
                try await connection.query(
                    """
                    INSERT INTO signed_contracts (contract_id, number, deal_id, owner_id, region, amount_fen, cost_fen, signed_at, customer_id)
                    VALUES ('c1', 'HT-c1', 'deal-c1', 'rep-1', 'east-china', 100000, 60000, '2026-11-20T02:00:00Z', 'k-1')
                    """,
                    logger: service.logger
                )
                try await connection.query(
                    "INSERT INTO signed_contract_lines VALUES ('c1', 1, 'p-A', 'A', 1, 100000, 60000)",
                    logger: service.logger
                )
                var pid: Int32 = 0
                for try await value in try await connection.query("SELECT pg_backend_pid()", logger: service.logger).decode(Int32.self) {
                    pid = value
                }
                // The second: k-1 buys A on 25 November from rep-north, through the handler; it waits for the first.
                let second = Task {
                    try await Self.sign("c2", customer: "k-1", owner: "rep-north", region: "north-china", on: "2026-11-25", lines: ["A"], service)
                }
                let deadline = Date().addingTimeInterval(10)
                var waiting = false
                while !waiting && Date() < deadline {
                    let rows = try await service.client.query(
                        "SELECT count(*)::bigint FROM pg_stat_activity WHERE \(pid) = ANY(pg_blocking_pids(pid))",
                        logger: service.logger
                    )
                    for try await count in rows.decode(Int64.self) { waiting = count > 0 }
                    if !waiting { try await Task.sleep(for: .milliseconds(20)) }
                }
                #expect(waiting, "the second writer waits for the first")
                return second
            }
            try await second.value
            #expect(try await Self.differences(service) == 0)
            try await Self.expectLatestEqualsExact(service, fastFrom: Self.today.adding(days: 1), "two writers at once")
            let rows = try await service.client.query(
                "SELECT scope_key, last_day::text FROM customer_line_latest WHERE customer_id = 'k-1' ORDER BY scope_key",
                logger: service.logger
            )
            var latest: [String: String] = [:]
            for try await (key, day) in rows.decode((String, String).self) { latest[key] = day }
            #expect(
                latest == [
                    "*": "2026-11-25", "region:east-china": "2026-11-20", "owner:rep-1": "2026-11-20", "region:north-china": "2026-11-25",
                    "owner:rep-north": "2026-11-25",
                ]
            )
        }
    }
}
