import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Reporting

/// The daily aggregates the sales reports read (reporting migration 0011) and their monthly rollups (0015) stay equal to a recomputation from the
/// detail projections, whatever order events arrive in and however often they are delivered.
@Suite("Report aggregates")
struct DailyAggregateTests {
    typealias Reports = ReportOperationsTests

    /// Each aggregate (its rows that are not all zero) beside the same figures recomputed from the detail rows.
    static let pairs: [(name: String, aggregate: String, recomputed: String)] = [
        (
            "sales_daily",
            """
            SELECT day, owner_id, region, contracts, amount_fen, cost_fen FROM sales_daily
            WHERE contracts <> 0 OR amount_fen <> 0 OR cost_fen <> 0
            """,
            """
            SELECT (signed_at AT TIME ZONE 'Asia/Shanghai')::date, owner_id, region, count(*)::bigint, sum(amount_fen)::bigint,
                sum(cost_fen)::bigint
            FROM signed_contracts GROUP BY 1, 2, 3
            """
        ),
        (
            "product_line_daily",
            """
            SELECT day, owner_id, region, product_line, lines, amount_fen, cost_fen FROM product_line_daily
            WHERE lines <> 0 OR amount_fen <> 0 OR cost_fen <> 0
            """,
            """
            SELECT (c.signed_at AT TIME ZONE 'Asia/Shanghai')::date, c.owner_id, c.region, l.product_line, count(*)::bigint,
                sum(l.amount_fen)::bigint, sum(l.cost_fen)::bigint
            FROM signed_contract_lines l JOIN signed_contracts c ON c.contract_id = l.contract_id GROUP BY 1, 2, 3, 4
            """
        ),
        (
            "deal_funnel_daily",
            """
            SELECT day, owner_id, region, funnel_stage, sum(deals)::bigint
            FROM (SELECT * FROM deal_funnel_daily UNION ALL SELECT * FROM deal_funnel_changes) d
            GROUP BY 1, 2, 3, 4 HAVING sum(deals) <> 0
            """,
            """
            SELECT (created_at AT TIME ZONE 'Asia/Shanghai')::date, owner_id, region, funnel_stage, count(*)::bigint
            FROM deal_projection WHERE created_at IS NOT NULL GROUP BY 1, 2, 3, 4
            """
        ),
        (
            "product_line_monthly",
            """
            SELECT month, owner_id, region, product_line, lines, amount_fen, cost_fen FROM product_line_monthly
            WHERE lines <> 0 OR amount_fen <> 0 OR cost_fen <> 0
            """,
            """
            SELECT date_trunc('month', c.signed_at AT TIME ZONE 'Asia/Shanghai')::date, c.owner_id, c.region, l.product_line,
                count(*)::bigint, sum(l.amount_fen)::bigint, sum(l.cost_fen)::bigint
            FROM signed_contract_lines l JOIN signed_contracts c ON c.contract_id = l.contract_id GROUP BY 1, 2, 3, 4
            """
        ),
        (
            "deal_funnel_monthly",
            """
            SELECT month, owner_id, region, funnel_stage, sum(deals)::bigint
            FROM (
                SELECT month, owner_id, region, funnel_stage, deals FROM deal_funnel_monthly
                UNION ALL
                SELECT date_trunc('month', day)::date, owner_id, region, funnel_stage, deals FROM deal_funnel_changes
            ) d
            GROUP BY 1, 2, 3, 4 HAVING sum(deals) <> 0
            """,
            """
            SELECT date_trunc('month', created_at AT TIME ZONE 'Asia/Shanghai')::date, owner_id, region, funnel_stage, count(*)::bigint
            FROM deal_projection WHERE created_at IS NOT NULL GROUP BY 1, 2, 3, 4
            """
        ),
        (
            "customer_counts",
            """
            SELECT owner_id, region, industry, sum(customers)::bigint
            FROM (SELECT * FROM customer_counts UNION ALL SELECT * FROM customer_count_changes) c
            GROUP BY 1, 2, 3 HAVING sum(customers) <> 0
            """,
            """
            SELECT COALESCE(owner_id, ''), region, industry, count(*)::bigint FROM customer_projection GROUP BY 1, 2, 3
            """
        ),
    ]

    /// Rows recomputed, and rows in one side but not the other.
    func compare(_ aggregate: String, _ recomputed: String, _ service: RPCHarness) async throws -> (rows: Int64, differing: Int64) {
        let rows = try await service.client.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT (SELECT count(*) FROM (\(recomputed)) r)::bigint,
                        (SELECT count(*) FROM (((\(aggregate)) EXCEPT (\(recomputed))) UNION ALL ((\(recomputed)) EXCEPT (\(aggregate)))) d)::bigint
                    """
            ),
            logger: service.logger
        )
        for try await pair in rows.decode((Int64, Int64).self) { return pair }
        return (0, -1)
    }

    func stage(
        _ deal: String,
        _ from: DealStage?,
        _ to: DealStage,
        at: String,
        sequence: Int64,
        owner: String = "rep-1",
        region: String = "east-china"
    ) throws -> EventEnvelope {
        let change = DealStageChanged(
            dealID: deal,
            customerID: "c-\(deal)",
            ownerID: owner,
            region: region,
            from: from,
            to: to,
            lostReason: to == .lost ? "price" : nil,
            at: Reports.instant(at)
        )
        return try EventEnvelope(change, source: DealStageChanged.source, subject: deal, sequence: sequence)
    }

    func signed(_ contract: ContractSigned) throws -> EventEnvelope {
        try EventEnvelope(contract, source: ContractSigned.source, subject: contract.contractID, sequence: 5)
    }

    func customer(
        _ id: String,
        owner: String?,
        region: String = "east-china",
        industry: String = "retail",
        version: Int64
    )
        -> CustomerSnapshot
    {
        CustomerSnapshot(id: id, name: "客户 \(id)", region: region, industry: industry, ownerID: owner, contacts: [], version: version)
    }

    @Test("the aggregates equal a recomputation from the detail rows after out-of-order, reassigned and redelivered events")
    func aggregatesMatchDetail() async throws {
        try await RPCHarness.with(ReportingService.self) { service in
            try await Org.seed(service)
            let day = "2026-11-10T02:00:00Z"
            let bolts = Reports.line("M8 bolts", amount: 10_000, cost: 6_000)
            let nuts = Reports.line("M8 nuts", amount: 3_000, cost: 1_000)
            let events: [EventEnvelope] = [
                try stage("d1", nil, .lead, at: day, sequence: 1),
                try stage("d1", .lead, .qualified, at: day, sequence: 2),
                // d2 is reassigned from rep-1 to rep-2, and the reassignment arrives before the earlier stage.
                try stage("d2", nil, .lead, at: day, sequence: 1),
                try stage("d2", .qualified, .quoted, at: "2026-11-12T02:00:00Z", sequence: 3, owner: "rep-2"),
                try stage("d2", .lead, .qualified, at: "2026-11-11T02:00:00Z", sequence: 2),
                // d3 arrives backwards and moves region; its creation (the day it counts on) comes last.
                try stage("d3", .quoted, .contract, at: "2026-11-14T02:00:00Z", sequence: 4, owner: "rep-north", region: "north-china"),
                try stage("d3", .lead, .qualified, at: "2026-11-12T02:00:00Z", sequence: 2),
                try stage("d3", nil, .lead, at: "2026-10-31T16:30:00Z", sequence: 1),
                // Contracts: two lines, a Shanghai day boundary, and one signed before its deal's creation arrives.
                try signed(Reports.signed("c1", owner: "rep-1", deal: "d1", at: day, lines: [bolts, nuts])),
                try signed(Reports.signed("c2", owner: "rep-2", deal: "d2", at: "2026-11-30T16:30:00Z", lines: [bolts])),
                try signed(Reports.signed("c4", owner: "rep-2", deal: "d4", at: "2026-11-30T15:59:00Z", lines: [nuts, nuts])),
                try stage("d4", nil, .lead, at: day, sequence: 1, owner: "rep-2"),
                try stage("d4", .lead, .contract, at: day, sequence: 2, owner: "rep-2"),
                // Customers: one moves owner and industry, a late older version of it changes nothing, one has no owner.
                try EventEnvelope(
                    CustomerCreated(customer: customer("cu-1", owner: "rep-1", version: 1)),
                    source: "customers",
                    subject: "cu-1",
                    sequence: 1
                ),
                try EventEnvelope(
                    CustomerUpdated(
                        customer: customer("cu-1", owner: "rep-2", industry: "energy", version: 3),
                        changedFields: ["ownerId", "industry"]
                    ),
                    source: "customers",
                    subject: "cu-1",
                    sequence: 3
                ),
                try EventEnvelope(
                    CustomerUpdated(customer: customer("cu-1", owner: "rep-1", version: 2), changedFields: ["name"]),
                    source: "customers",
                    subject: "cu-1",
                    sequence: 2
                ),
                try EventEnvelope(
                    CustomerCreated(customer: customer("cu-2", owner: nil, version: 1)),
                    source: "customers",
                    subject: "cu-2",
                    sequence: 1
                ),
                try EventEnvelope(
                    CustomerCreated(customer: customer("cu-3", owner: "rep-north", region: "north-china", version: 1)),
                    source: "customers",
                    subject: "cu-3",
                    sequence: 1
                ),
                // cu-2 merges into cu-3: it leaves the projection.
                try EventEnvelope(
                    CustomerMerged(
                        survivorID: "cu-3",
                        mergedID: "cu-2",
                        byUserID: "admin",
                        at: Reports.instant(day),
                        survivor: customer("cu-3", owner: "rep-north", region: "north-china", version: 2)
                    ),
                    source: "customers",
                    subject: "cu-3",
                    sequence: 2
                ),
            ]
            for envelope in events {
                try await service.deliver(envelope)
            }
            // Every event again: through the inbox (refused there), and straight to its handler (idempotent itself).
            for envelope in events {
                try await service.deliver(envelope)
                try await service.replay(envelope)
            }
            // The same signature published twice (a new event id) is one contract.
            try await service.deliver(Reports.signed("c1", owner: "rep-1", deal: "d1", at: day, lines: [bolts, nuts]), subject: "c1", sequence: 5)

            for pair in Self.pairs {
                let (rows, differing) = try await compare(pair.aggregate, pair.recomputed, service)
                #expect(rows > 1, "\(pair.name) has figures to compare")
                #expect(differing == 0, "\(pair.name) differs from its recomputation in \(differing) rows")
            }
            // Folded (each twice at once, as two instances may), the changes are gone and every aggregate agrees still:
            // the funnel's fold upserts deal_funnel_daily, whose trigger keeps the monthly rollup.
            let folds = [
                ("customer_count_changes", ReportingRepository.customerCountsFold), ("deal_funnel_changes", SalesReportsRepository.dealFunnelFold),
            ]
            for (changes, fold) in folds {
                async let first = CountsFolder.fold(fold, on: service.client, logger: service.logger)
                async let second = CountsFolder.fold(fold, on: service.client, logger: service.logger)
                #expect(try await first + second > 0, "\(changes) had changes to fold")
                let left = try await service.client.query(PostgresQuery(unsafeSQL: "SELECT count(*)::bigint FROM \(changes)"), logger: service.logger)
                for try await count in left.decode(Int64.self) { #expect(count == 0, "\(changes) is empty once folded") }
            }
            for pair in Self.pairs {
                let (_, differing) = try await compare(pair.aggregate, pair.recomputed, service)
                #expect(differing == 0, "\(pair.name) differs from its recomputation in \(differing) rows after the folds")
            }

            // The reports read them: November's funnel: d1, d2 and d4 won by their contracts, d3 (created 1 November in Shanghai) at contract.
            let (status, body) = try await Reports().call(Operation.Reporting.funnel, as: "gm", query: "from=2026-11-01&to=2026-11-30", service)
            #expect(status == 200)
            let counts = Reports().items(body, "stages").compactMap { $0["count"]?.doubleValue }
            #expect(counts == [4, 4, 4, 4, 3])

            // Margins over ranges that take whole months from the monthly rollup and the days around them from the daily
            // aggregate: c1 (bolts 100.00 + nuts 30.00) on 10 November, c4 (nuts twice) on 30 November, c2 (bolts) on
            // 1 December (Shanghai).
            let ranges: [(from: String, to: String, bolts: Double, nuts: Double)] = [
                ("2026-11-01", "2026-12-01", 20_000, 9_000),  // November whole, 1 December by day
                ("2026-11-10", "2026-11-30", 10_000, 9_000),  // days only
                ("2026-10-15", "2026-12-31", 20_000, 9_000),  // November and December whole, October's days
                ("2026-11-11", "2026-12-01", 10_000, 6_000),  // days in two months, no whole month
                ("2026-12-01", "2026-12-01", 10_000, 0),
            ]
            for range in ranges {
                let (status, body) = try await Reports().call(
                    Operation.Reporting.productLineMargins,
                    as: "gm",
                    query: "from=\(range.from)&to=\(range.to)",
                    service
                )
                #expect(status == 200)
                var revenue: [String: Double] = [:]
                for item in Reports().items(body) {
                    if let line = item["productLine"]?.stringValue { revenue[line] = item["revenueFen"]?.doubleValue }
                }
                #expect(revenue["M8 bolts"] == range.bolts, "\(range.from)…\(range.to)")
                #expect(revenue["M8 nuts"] == (range.nuts == 0 ? nil : range.nuts), "\(range.from)…\(range.to)")
            }
        }
    }
}
