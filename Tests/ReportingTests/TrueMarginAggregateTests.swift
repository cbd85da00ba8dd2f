import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Reporting

/// Issue 14: the true margin from daily aggregates (migration 0013) — the per-contract rows, the aggregates the
/// triggers keep from them, and the report against the per-contract arithmetic of issue 11.
@Suite("True margin aggregates")
struct TrueMarginAggregateTests {
    typealias Story = TrueMarginReportTests

    static func sign(_ id: String, customer: String, owner: String = "rep-1", on day: String, lines: [(String, Fen, Fen)]) -> ContractSigned {
        var signed = ReportOperationsTests.signed(
            id,
            owner: owner,
            at: "\(day)T02:00:00Z",
            lines: lines.map { ReportOperationsTests.line($0.0, amount: $0.1, cost: $0.2) }
        )
        signed.customerID = customer
        signed.customerName = "客户\(customer)"
        return signed
    }

    static func writeOff(_ installment: String, _ contract: String, customer: String, amount: Fen, on day: String) -> InstallmentWrittenOff {
        InstallmentWrittenOff(
            installmentID: installment,
            party: Story.party(contract, customer: customer),
            amountFen: amount,
            reason: "坏账",
            byUserID: "fin-1",
            at: Story.instant("\(day)T02:00:00Z")
        )
    }

    static func reversal(_ receipt: String, _ contract: String, customer: String, amount: Fen, on day: String) -> ReceiptReversed {
        ReceiptReversed(
            receiptID: receipt,
            party: Story.party(contract, customer: customer),
            amountFen: amount,
            reason: "退票",
            byUserID: "fin-1",
            outstandingFen: 0,
            at: Story.instant("\(day)T04:00:00Z")
        )
    }

    /// An event to deliver, with its subject and sequence.
    struct Delivery: Sendable {
        var event: any DomainEvent
        var source: String?
        var subject: String
        var sequence: Int64
    }

    /// Contracts with plans, receipts, reversals and write-offs. Every amount is a multiple of 4 and the line amounts
    /// are 1:1 or 1:3, so every split is exact and the per-contract arithmetic of issue 11 and the per-line one of
    /// issue 14 differ only in where the cost of money is rounded.
    static let deliveries: [Delivery] = {
        var list: [Delivery] = []
        func add(_ event: any DomainEvent, source: String? = nil, _ subject: String, _ sequence: Int64) {
            list.append(Delivery(event: event, source: source, subject: subject, sequence: sequence))
        }
        // c1: A and B 1:1, a plan of two installments, the first paid 2 days late, the second due after today.
        add(sign("c1", customer: "k-1", on: "2026-08-01", lines: [("A", 400_000, 300_000), ("B", 400_000, 200_000)]), source: "deals", "c1", 5)
        add(Story.plan("c1", customer: "k-1", signedOn: "2026-08-01", [("c1-1", 400_000, "2026-09-30"), ("c1-2", 400_000, "2027-01-31")]), "c1", 6)
        add(Story.receipt("r-c1", "c1", customer: "k-1", amount: 400_000, on: "2026-10-02", to: "c1-1"), "c1", 7)
        // c2: A alone, no plan: a receipt reversed, another kept, and a write-off of part of the rest.
        add(sign("c2", customer: "k-1", on: "2026-09-15", lines: [("A", 300_000, 240_000)]), source: "deals", "c2", 5)
        add(Story.receipt("r-c2a", "c2", customer: "k-1", amount: 100_000, on: "2026-09-20", to: nil), "c2", 6)
        add(reversal("r-c2a", "c2", customer: "k-1", amount: 100_000, on: "2026-09-21"), "c2", 7)
        add(Story.receipt("r-c2b", "c2", customer: "k-1", amount: 200_000, on: "2026-10-15", to: nil), "c2", 8)
        add(writeOff("c2-x", "c2", customer: "k-1", amount: 40_000, on: "2026-11-01"), "c2", 9)
        // c3: A and B 1:3, a plan with a passed due date, an unknown one and a written-off installment.
        add(sign("c3", customer: "k-2", on: "2026-05-10", lines: [("A", 200_000, 100_000), ("B", 600_000, 500_000)]), source: "deals", "c3", 5)
        add(
            Story.plan(
                "c3",
                customer: "k-2",
                signedOn: "2026-05-10",
                [("c3-1", 400_000, "2026-06-09"), ("c3-2", 200_000, "2026-07-09"), ("c3-3", 200_000, nil)]
            ),
            "c3",
            6
        )
        add(Story.receipt("r-c3", "c3", customer: "k-2", amount: 200_000, on: "2026-06-29", to: "c3-1"), "c3", 7)
        add(writeOff("c3-2", "c3", customer: "k-2", amount: 200_000, on: "2026-10-01"), "c3", 8)
        // c4: rep-2's, no money events yet: all of it open since signing.
        add(sign("c4", customer: "k-3", owner: "rep-2", on: "2026-11-02", lines: [("B", 800_000, 400_000)]), source: "deals", "c4", 5)
        // c5: k-2 buys A again, a plan whose second version (sequence 9) replaces the first.
        add(sign("c5", customer: "k-2", on: "2026-10-20", lines: [("A", 120_000, 60_000)]), source: "deals", "c5", 5)
        add(Story.plan("c5", customer: "k-2", signedOn: "2026-10-20", [("c5-0", 120_000, "2026-11-19")], sequence: 6), "c5", 6)
        add(Story.plan("c5", customer: "k-2", signedOn: "2026-10-20", [("c5-1", 120_000, "2026-12-19")], sequence: 9), "c5", 9)
        return list
    }()

    /// Sums the per-contract rows and compares them with the aggregates: the number of rows that differ.
    static func aggregateDifferences(_ service: RPCHarness) async throws -> Int {
        let rows = try await service.client.query(
            """
            WITH daily AS (
                SELECT day, owner_id, region, product_line, lines, revenue_fen, cost_fen, written_off_fen, received_fen,
                    received_fen_days, open_undated_fen
                FROM true_margin_daily WHERE lines <> 0
            ), recomputed AS (
                SELECT signed_on, owner_id, region, product_line, count(*)::bigint, sum(revenue_fen)::bigint, sum(cost_fen)::bigint,
                    sum(written_off_fen)::bigint, sum(received_fen)::bigint, sum(received_fen_days), sum(open_undated_fen)::bigint
                FROM contract_line_money GROUP BY 1, 2, 3, 4
            ), open AS (
                SELECT day, owner_id, region, product_line, due_on, pieces, open_fen FROM true_margin_open_daily WHERE pieces <> 0
            ), open_recomputed AS (
                SELECT signed_on, owner_id, region, product_line, due_on, count(*)::bigint, sum(open_fen)::bigint
                FROM contract_line_open GROUP BY 1, 2, 3, 4, 5
            ), buyers AS (
                SELECT product_line, day, owner_id, region, customer_id, lines FROM customer_line_days WHERE lines <> 0
            ), buyers_recomputed AS (
                SELECT product_line, signed_on, owner_id, region, customer_id, count(*)::bigint
                FROM contract_line_money WHERE customer_id IS NOT NULL GROUP BY 1, 2, 3, 4, 5
            ), repeats AS (
                SELECT customer_id, product_line, second_day FROM customer_line_repeats WHERE second_day IS NOT NULL
            ), repeats_recomputed AS (
                SELECT * FROM (
                    SELECT customer_id, product_line, (array_agg(DISTINCT signed_on ORDER BY signed_on))[2] AS second_day
                    FROM contract_line_money WHERE customer_id IS NOT NULL GROUP BY 1, 2) r
                WHERE second_day IS NOT NULL
            )
            SELECT ((SELECT count(*) FROM ((TABLE daily EXCEPT ALL TABLE recomputed) UNION ALL (TABLE recomputed EXCEPT ALL TABLE daily)) d)
                + (SELECT count(*) FROM ((TABLE open EXCEPT ALL TABLE open_recomputed) UNION ALL (TABLE open_recomputed EXCEPT ALL TABLE open)) o)
                + (SELECT count(*) FROM ((TABLE buyers EXCEPT ALL TABLE buyers_recomputed)
                    UNION ALL (TABLE buyers_recomputed EXCEPT ALL TABLE buyers)) b)
                + (SELECT count(*) FROM ((TABLE repeats EXCEPT ALL TABLE repeats_recomputed)
                    UNION ALL (TABLE repeats_recomputed EXCEPT ALL TABLE repeats)) r))::bigint
            """,
            logger: service.logger
        )
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return -1
    }

    /// The per-contract rows as text, in key order.
    static func perContractRows(_ service: RPCHarness) async throws -> [String] {
        var result: [String] = []
        for table in ["contract_line_money", "contract_line_open"] {
            let rows = try await service.client.query(
                "SELECT t::text FROM \(unescaped: table) t ORDER BY contract_id, line_no, t::text",
                logger: service.logger
            )
            for try await row in rows.decode(String.self) { result.append(row) }
        }
        return result
    }

    /// The report as issue 11 computed it, per contract (``TrueMargin/lines``), with the cost of money rounded per line
    /// instead (``TrueMargin/ranked``), as the report's view; and the issue-11 cost of money per line.
    static func perContractReport(
        as caller: String,
        from: String? = nil,
        to: String? = nil,
        _ service: RPCHarness
    ) async throws -> (lines: [Story.Line], oldCostOfMoney: [String: Fen]) {
        let today = BusinessCalendar.day(of: Story.now)
        let period = try ReportPeriod.days(
            from: from ?? today.adding(days: -364).description,
            to: to ?? today.description,
            now: Story.now
        )
        let repository = CollectionsRepository(logger: service.logger)
        let (contracts, purchases) = try await service.client.withConnection { connection in
            let contracts = try await repository.contracts(in: period, scope: DataScope(Org.identity(caller)), on: connection)
            let customers = Set(contracts.compactMap(\.customerID)).sorted()
            return (contracts, try await repository.purchaseDays(customers: customers, before: period.end, on: connection))
        }
        let old = TrueMargin.lines(contracts, annualRateBp: 600, today: today, purchaseDays: purchases)
        let lines = TrueMargin.ranked(old, annualRateBp: 600).map { line in
            Story.Line(
                productLine: line.productLine,
                revenueFen: line.revenueFen,
                costFen: line.costFen,
                quotedMarginFen: line.quotedMarginFen,
                quotedMarginBp: line.quotedMarginBp,
                costOfMoneyFen: line.costOfMoneyFen,
                writtenOffFen: line.writtenOffFen,
                trueMarginFen: line.trueMarginFen,
                trueMarginBp: line.trueMarginBp,
                averageDaysToCollect: line.averageDaysToCollect,
                customers: line.customers,
                repeatCustomers: line.repeatCustomers,
                repurchaseRateBp: line.repurchaseRateBp
            )
        }
        return (lines, Dictionary(uniqueKeysWithValues: old.map { ($0.productLine, $0.costOfMoneyFen) }))
    }

    @Test(
        "the report equals the per-contract arithmetic but for the cost of money's rounding, whatever the order of the events and however often they come",
        arguments: ["in order", "reversed", "signed last"]
    )
    func reportEqualsPerContractArithmetic(order: String) async throws {
        try await Story.withService { service in
            try await Org.seed(service)
            var deliveries = Self.deliveries
            switch order {
            case "reversed": deliveries.reverse()
            case "signed last":
                deliveries = deliveries.filter { !($0.event is ContractSigned) } + deliveries.filter { $0.event is ContractSigned }
            default: break
            }
            var envelopes: [EventEnvelope] = []
            for delivery in deliveries {
                envelopes.append(
                    try await service.deliver(delivery.event, source: delivery.source, subject: delivery.subject, sequence: delivery.sequence)
                )
            }
            for envelope in envelopes.reversed() { try await service.deliver(envelope) }
            #expect(try await Self.aggregateDifferences(service) == 0)

            let cases: [(String, String?, String?)] = [
                ("gm", nil, nil), ("rep-1", nil, nil), ("rep-2", nil, nil), ("gm", "2026-09-01", "2026-10-31"),
            ]
            for (caller, from, to) in cases {
                let query = from.map { "from=\($0)&to=\(to ?? "")" }
                let report = try await Story.report(as: caller, query: query, service)
                let expected = try await Self.perContractReport(as: caller, from: from, to: to, service)
                #expect(report.items == expected.lines, "\(caller) \(from ?? "")")
                for line in report.items {
                    // Issue 11 rounded each contract's cost of money and split the rounded fen: with at most 4 contracts
                    // in a line, within 4 × (½ + ½) + ½ fen of the per-line rounding.
                    #expect(abs(line.costOfMoneyFen - (expected.oldCostOfMoney[line.productLine] ?? 0)) <= 4, "\(line.productLine)")
                }
            }
            // Hand-checked anchors (gm, the 365 days to 2026-11-30), line A:
            //   c1's half: 200 000 received 62 days after signing (12 400 000), 200 000 open to 2027-01-31, 183 days
            //     (36 600 000);
            //   c2: 200 000 received after 30 days (6 000 000), 60 000 open without a due date, 76 days (4 560 000);
            //   c3's quarter: 50 000 received after 50 days (2 500 000), 50 000 of c3-1 past its due date and 50 000
            //     without one, both to today, 204 days (10 200 000 each); 50 000 of c3-2 written off;
            //   c5: 120 000 due 2026-12-19 (the newer plan), 60 days (7 200 000).
            // 89 660 000 fen·days over 930 000 fen: 96.41 → 96 days; × 600 ÷ 3 650 000 = 14 738.63 → 14 739. Issue 11
            // rounded per contract: c1 8 055 + c2 1 736 + c3 3 765 (15 058 split 1:3, the tie to the earlier line)
            // + c5 1 184 = 14 740.
            let report = try await Story.report(as: "gm", service)
            let a = try #require(report.items.first { $0.productLine == "A" })
            #expect(a.revenueFen == 1_020_000 && a.writtenOffFen == 90_000)
            #expect(a.costOfMoneyFen == 14_739)
            #expect(a.averageDaysToCollect == 96)
            #expect(a.customers == 2 && a.repeatCustomers == 2, "k-1 on 08-01 and 09-15, k-2 on 05-10 and 10-20")
        }
    }

    @Test("aggregates equal a recomputation from the per-contract rows, and the migration's set-based backfill equals the Swift recompute")
    func aggregatesEqualRecomputation() async throws {
        try await Story.withService { service in
            try await Story.seedStory(service)
            for delivery in Self.deliveries {
                _ = try await service.deliver(delivery.event, source: delivery.source, subject: delivery.subject, sequence: delivery.sequence)
            }
            #expect(try await Self.aggregateDifferences(service) == 0)
            let swift = try await Self.perContractRows(service)
            // 14 contract lines (the story's 7, c1–c5's 7) and 5 dated open shares: c1's 2027-01-31 on A and B, c3-1's
            // 2026-06-09 on A and B, c5's 2026-12-19.
            #expect(swift.count == 19)
            let before = try await Story.report(as: "gm", service)

            // Back to the lines' initial rows (what the trigger writes at signature), then the migration's backfill.
            try await service.client.query(
                """
                UPDATE contract_line_money SET written_off_fen = 0, received_fen = 0, received_fen_days = 0,
                    open_undated_fen = GREATEST(revenue_fen, 0)
                """,
                logger: service.logger
            )
            try await service.client.query("DELETE FROM contract_line_open", logger: service.logger)
            #expect(try await Self.perContractRows(service) != swift)
            try await service.client.query("SELECT true_margin_recompute_money()", logger: service.logger)
            #expect(try await Self.perContractRows(service) == swift)
            #expect(try await Self.aggregateDifferences(service) == 0)
            #expect(try await Story.report(as: "gm", service).items == before.items)
        }
    }

    @Test("the cost of money is rounded once per product line: two contracts of 1.40 fen each make 3 fen, not 1 + 1")
    func roundedOncePerLine() async throws {
        try await Story.withService { service in
            try await Org.seed(service)
            for id in ["w1", "w2"] {
                try await Story.sign(id, customer: "k-\(id)", line: "垫圈", amount: 501, cost: 300, on: "2026-10-01", service)
                _ = try await service.deliver(
                    Story.plan(id, customer: "k-\(id)", signedOn: "2026-10-01", [("\(id)-1", 501, "2026-10-18")]),
                    subject: id,
                    sequence: 6
                )
                _ = try await service.deliver(
                    Story.receipt("r-\(id)", id, customer: "k-\(id)", amount: 501, on: "2026-10-18", to: "\(id)-1"),
                    subject: id,
                    sequence: 7
                )
            }
            // Each: 501 fen × 17 days = 8 517 fen·days; × 600 ÷ 3 650 000 = 1.40005 fen, which issue 11 rounded to 1 per
            // contract (2 in all). Per line: 17 034 × 600 ÷ 3 650 000 = 2.8001 → 3.
            let line = try #require(try await Story.report(as: "gm", service).items.first)
            #expect(line.costOfMoneyFen == 3)
            #expect(line.trueMarginFen == 1_002 - 600 - 3)
            #expect(line.averageDaysToCollect == 17)
        }
    }
}
