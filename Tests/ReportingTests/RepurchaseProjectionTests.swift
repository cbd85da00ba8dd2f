import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Reporting

/// Issue 14: the `customer_line_purchases` projection (migration 0012) that the 复购预测 list, its counts and the daily
/// check read, kept by triggers whoever writes the detail rows; and the list's keyset pages.
@Suite("Re-purchase projection and pages")
struct RepurchaseProjectionTests {
    static func instant(_ text: String) -> Date { ReportOperationsTests.instant(text) }

    /// A row of the projection, or of its recomputation.
    struct Row: Hashable, CustomStringConvertible {
        var customer: String
        var line: String
        var purchases: Int
        var lastOn: String
        var medianGapDays: Int
        var nextOn: String
        var name: String
        var owner: String
        var region: String
        var description: String { "\(customer)/\(line) \(purchases)× last \(lastOn) gap \(medianGapDays) next \(nextOn) \(name) \(owner)@\(region)" }
    }

    /// What the projection must hold, recomputed in Swift from the detail rows with the domain rules (``Repurchase``):
    /// the owner and region are the customer's, or else those of its newest contract with lines; the name that of its
    /// newest contract that has one, or else the id.
    static func recomputed(_ connection: PostgresConnection, logger: Logger) async throws -> Set<Row> {
        let rows = try await connection.query(
            """
            SELECT c.customer_id, c.contract_id, c.signed_at, c.customer_name, c.owner_id, c.region, l.product_line,
                to_char(c.signed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), cp.owner_id, cp.region
            FROM signed_contracts c JOIN signed_contract_lines l ON l.contract_id = c.contract_id
                LEFT JOIN customer_projection cp ON cp.id = c.customer_id
            WHERE c.customer_id IS NOT NULL
            """,
            logger: logger
        )
        struct Customer {
            var newest: (Date, String, String, String)?  // signed_at, contract, owner, region
            var named: (Date, String, String)?  // signed_at, contract, name
            var owner: String?
            var region: String?
            var days: [String: [CalendarDay]] = [:]
        }
        var customers: [String: Customer] = [:]
        for try await (customer, contract, signedAt, name, owner, region, line, day, customerOwner, customerRegion) in rows.decode(
            (String, String, Date, String?, String, String, String, String, String?, String?).self
        ) {
            var entry = customers[customer] ?? Customer()
            if entry.newest.map({ ($0.0, $0.1) < (signedAt, contract) }) ?? true { entry.newest = (signedAt, contract, owner, region) }
            if let name, entry.named.map({ ($0.0, $0.1) < (signedAt, contract) }) ?? true { entry.named = (signedAt, contract, name) }
            entry.owner = customerOwner
            entry.region = customerRegion
            entry.days[line, default: []].append(CalendarDay(day)!)
            customers[customer] = entry
        }
        var result: Set<Row> = []
        for (id, customer) in customers {
            guard let newest = customer.newest else { continue }
            for (line, days) in customer.days {
                guard let expectation = Repurchase.expectation(purchaseDays: days) else { continue }
                result.insert(
                    Row(
                        customer: id,
                        line: line,
                        purchases: expectation.purchases,
                        lastOn: expectation.lastOn.description,
                        medianGapDays: expectation.medianGapDays,
                        nextOn: expectation.nextOn.description,
                        name: customer.named?.2 ?? id,
                        owner: customer.owner ?? newest.2,
                        region: customer.region ?? newest.3
                    )
                )
            }
        }
        return result
    }

    static func stored(_ connection: PostgresConnection, logger: Logger) async throws -> Set<Row> {
        let rows = try await connection.query(
            """
            SELECT customer_id, product_line, purchases, last_on::text, median_gap_days, next_on::text, customer_name, owner_id, region
            FROM customer_line_purchases
            """,
            logger: logger
        )
        var result: Set<Row> = []
        for try await (customer, line, purchases, last, gap, next, name, owner, region) in rows.decode(
            (String, String, Int32, String, Int32, String, String, String, String).self
        ) {
            result.insert(
                Row(
                    customer: customer,
                    line: line,
                    purchases: Int(purchases),
                    lastOn: last,
                    medianGapDays: Int(gap),
                    nextOn: next,
                    name: name,
                    owner: owner,
                    region: region
                )
            )
        }
        return result
    }

    /// The counts per (owner, region, day) and per (region, day) under owner '', without the keys at zero.
    static func storedCounts(_ connection: PostgresConnection, logger: Logger) async throws -> [String: Int] {
        let rows = try await connection.query(
            "SELECT owner_id, region, next_on::text, lines FROM customer_line_purchase_counts WHERE lines <> 0",
            logger: logger
        )
        var result: [String: Int] = [:]
        for try await (owner, region, day, lines) in rows.decode((String, String, String, Int64).self) {
            result["\(owner)|\(region)|\(day)"] = Int(lines)
        }
        return result
    }

    static func counts(of rows: Set<Row>) -> [String: Int] {
        var result: [String: Int] = [:]
        for row in rows {
            result["\(row.owner)|\(row.region)|\(row.nextOn)", default: 0] += 1
            result["|\(row.region)|\(row.nextOn)", default: 0] += 1
        }
        return result
    }

    /// The projection and its counts equal their recomputation from the detail rows.
    static func expectConsistent(_ service: RPCHarness, _ comment: Comment, minimum: Int = 1) async throws {
        try await service.client.withConnection { connection in
            let expected = try await recomputed(connection, logger: service.logger)
            let actual = try await stored(connection, logger: service.logger)
            #expect(expected.count >= minimum, "\(comment): the data exercises the projection")
            #expect(actual.subtracting(expected).sorted(by: { $0.description < $1.description }).isEmpty, "\(comment): rows not expected")
            #expect(expected.subtracting(actual).sorted(by: { $0.description < $1.description }).isEmpty, "\(comment): rows missing")
            #expect(try await storedCounts(connection, logger: service.logger) == counts(of: actual), "\(comment): counts")
        }
    }

    /// `count` contracts written straight into the tables the way seed-demo writes them (one statement each for the
    /// contracts and their lines): customers k-00…k-14, one to three lines of four, days spread over 2026 with
    /// several on the same day, every seventh contract without its customer (it comes later), some without a name.
    static func bulkInsert(_ service: RPCHarness, from: Int, count: Int) async throws {
        try await service.client.withConnection { connection in
            try await connection.query(
                """
                INSERT INTO signed_contracts (contract_id, number, deal_id, owner_id, region, amount_fen, cost_fen, signed_at,
                    customer_id, customer_name, ends_on)
                SELECT 'bulk-' || i, 'HT-B-' || i, 'deal-bulk-' || i, 'rep-' || (1 + i % 3),
                    CASE WHEN i % 5 = 0 THEN 'north-china' ELSE 'east-china' END, 100000, 60000,
                    timestamptz '2026-01-01 02:00:00+00' + make_interval(days => (i * 37 % 330), hours => (i % 4) * 5),
                    CASE WHEN i % 7 = 3 THEN NULL ELSE 'k-' || lpad((i % 15)::text, 2, '0') END,
                    CASE WHEN i % 4 = 1 THEN NULL ELSE '客户' || (i % 15) || '号 v' || i END, NULL
                FROM generate_series(\(from)::integer, \(from + count - 1)::integer) AS i
                """,
                logger: service.logger
            )
            try await connection.query(
                """
                INSERT INTO signed_contract_lines (contract_id, line_no, product_id, product_line, quantity, amount_fen, cost_fen)
                SELECT 'bulk-' || i, k, 'p-' || k, (ARRAY['M8 bolts', '液压泵', '轴承', '密封件'])[1 + (i / 15 + k) % 4], 1, 50000, 30000
                FROM generate_series(\(from)::integer, \(from + count - 1)::integer) AS i CROSS JOIN LATERAL generate_series(1, 1 + i / 15 % 3) AS k
                """,
                logger: service.logger
            )
        }
    }

    @Test("the projection equals a recomputation from the detail rows after bulk SQL, a redelivered event, a later customer fill and an owner change")
    func projectionFollowsEveryWriter() async throws {
        try await RepurchaseReminderTests.withService(now: Self.instant("2026-11-25T02:00:00Z")) { service in
            try await Org.seed(service)
            // Bulk SQL, as seed-demo writes it, in two batches (the second adds purchases to pairs the first made).
            try await Self.bulkInsert(service, from: 0, count: 150)
            try await Self.expectConsistent(service, "after the first bulk batch", minimum: 20)
            try await Self.bulkInsert(service, from: 150, count: 150)
            try await Self.expectConsistent(service, "after the second bulk batch", minimum: 30)

            // Events: a new purchase through contract.signed, then the same event again.
            var signed = ReportOperationsTests.signed(
                "ev-1",
                owner: "rep-2",
                at: "2026-12-20T02:00:00Z",
                lines: [ReportOperationsTests.line("M8 bolts", amount: 100_000, cost: 60_000)]
            )
            signed.customerID = "k-01"
            signed.customerName = "客户k-01 新名"
            let envelope = try await service.deliver(signed, source: "deals", subject: "ev-1", sequence: 5)
            try await Self.expectConsistent(service, "after contract.signed")
            let before = try await service.client.withConnection { try await Self.stored($0, logger: service.logger) }
            #expect(before.contains { $0.customer == "k-01" && $0.line == "M8 bolts" && $0.lastOn == "2026-12-20" && $0.name == "客户k-01 新名" })
            try await service.deliver(envelope)
            try await service.replay(envelope)
            let after = try await service.client.withConnection { try await Self.stored($0, logger: service.logger) }
            #expect(after == before, "a redelivered (and a replayed) contract.signed changes nothing")
            try await Self.expectConsistent(service, "after the redelivery")

            // The contracts signed without a customer get it later (a payment plan names it; a deal's stage change too).
            let nameless = try await service.client.withConnection { connection in
                var ids: [String] = []
                for try await id in try await connection.query(
                    "SELECT contract_id FROM signed_contracts WHERE customer_id IS NULL ORDER BY contract_id",
                    logger: service.logger
                ).decode(String.self) { ids.append(id) }
                return ids
            }
            #expect(nameless.count > 10)
            for (index, contract) in nameless.prefix(8).enumerated() {
                let plan = PaymentPlanChanged(
                    party: ContractParty(
                        contractID: contract,
                        dealID: "deal-\(contract)",
                        customerID: "k-\(String(format: "%02d", index % 3))",
                        customerName: "客户 from plan",
                        ownerID: "rep-1",
                        region: "east-china"
                    ),
                    amountFen: 100_000,
                    signedAt: Self.instant("2026-06-01T02:00:00Z"),
                    installments: [],
                    at: Self.instant("2026-06-01T02:00:00Z")
                )
                _ = try await service.deliver(plan, source: "deals", subject: contract, sequence: 6)
            }
            try await Self.expectConsistent(service, "after customers filled by payment plans")
            for contract in nameless.dropFirst(8) {
                _ = try await service.deliver(
                    DealStageChanged(
                        dealID: "deal-\(contract)",
                        customerID: "k-11",
                        ownerID: "rep-3",
                        region: "east-china",
                        from: nil,
                        to: .lead,
                        lostReason: nil,
                        at: Self.instant("2026-01-01T02:00:00Z")
                    ),
                    subject: "deal-\(contract)",
                    sequence: 1
                )
            }
            try await Self.expectConsistent(service, "after customers filled by deal stage changes")
            let filled = try await service.count("signed_contracts WHERE customer_id IS NULL")
            #expect(filled == 0)

            // The customer's owner (customer events) wins over the contracts'; a transfer moves its rows.
            try await service.client.withConnection { connection in
                try await connection.query(
                    """
                    INSERT INTO customer_projection (id, region, industry, owner_id, sequence, created_at, updated_at)
                    VALUES ('k-02', 'south-china', '机械', 'rep-9', 1, now(), now()), ('k-03', 'east-china', '机械', NULL, 1, now(), now())
                    """,
                    logger: service.logger
                )
            }
            try await Self.expectConsistent(service, "after customers arrived")
            try await service.client.withConnection { connection in
                try await connection.query("UPDATE customer_projection SET owner_id = 'rep-8' WHERE id = 'k-02'", logger: service.logger)
            }
            try await Self.expectConsistent(service, "after a transfer")
            let moved = try await service.client.withConnection { try await Self.stored($0, logger: service.logger) }
            #expect(moved.filter { $0.customer == "k-02" }.allSatisfy { $0.owner == "rep-8" && $0.region == "south-china" })
        }
    }

    struct Page: Decodable {
        struct Item: Decodable, Hashable {
            var customerId: String
            var ownerId: String
            var productLine: String
            var nextExpectedOn: String
            var status: String
        }
        struct Counts: Decodable, Equatable {
            var overdue: Int
            var upcoming: Int
            var expected: Int
        }
        var counts: Counts
        var items: [Item]
        var nextCursor: String?
    }

    /// Every page of the list for `caller` (and `status`), following nextCursor.
    static func allPages(
        _ service: RPCHarness,
        as caller: String,
        status: String? = nil,
        limit: Int
    ) async throws -> (items: [Page.Item], pages: [Page]) {
        var items: [Page.Item] = []
        var pages: [Page] = []
        var cursor: String?
        repeat {
            var query = "limit=\(limit)"
            if let status { query += "&status=\(status)" }
            if let cursor { query += "&cursor=\(cursor)" }
            let response = await service.call(Operation.Reporting.repurchase, as: caller, query: query)
            #expect(response.status == 200, "\(response.text)")
            let page = try response.decode(Page.self)
            #expect(page.items.count <= limit)
            items += page.items
            pages.append(page)
            cursor = page.nextCursor
            if pages.count > 100 { break }
        } while cursor != nil
        return (items, pages)
    }

    @Test("pages: each item once, in (next expected day, customer, line) order, within the caller's scope and status; counts of the whole scope")
    func pagesNeitherLoseNorRepeat() async throws {
        try await RepurchaseReminderTests.withService(now: Self.instant("2026-11-25T02:00:00Z")) { service in
            try await Org.seed(service)
            try await Self.bulkInsert(service, from: 0, count: 600)
            let all = try await service.client.withConnection { try await Self.stored($0, logger: service.logger) }
            let today = CalendarDay("2026-11-25")!
            func status(_ row: Row) -> String {
                Repurchase.status(next: CalendarDay(row.nextOn)!, today: today, remindDays: 7).rawValue
            }
            for (caller, visible) in [("gm", all), ("rep-1", all.filter { $0.owner == "rep-1" }), ("rep-2", all.filter { $0.owner == "rep-2" })] {
                let expected = visible.sorted { ($0.nextOn, $0.customer, $0.line) < ($1.nextOn, $1.customer, $1.line) }
                    .map {
                        Page.Item(customerId: $0.customer, ownerId: $0.owner, productLine: $0.line, nextExpectedOn: $0.nextOn, status: status($0))
                    }
                #expect(expected.count > 14, "\(caller) has several pages")
                let (items, pages) = try await Self.allPages(service, as: caller, limit: 7)
                #expect(items == expected, "\(caller): every item once, in order")
                #expect(pages.count == (expected.count + 6) / 7)
                let counts = Page.Counts(
                    overdue: expected.filter { $0.status == "overdue" }.count,
                    upcoming: expected.filter { $0.status == "upcoming" }.count,
                    expected: expected.filter { $0.status == "expected" }.count
                )
                #expect(pages.allSatisfy { $0.counts == counts }, "\(caller): the counts are the scope's, on every page")
                for wanted in ["overdue", "upcoming", "expected"] {
                    let (filtered, _) = try await Self.allPages(service, as: caller, status: wanted, limit: 5)
                    #expect(filtered == expected.filter { $0.status == wanted }, "\(caller) \(wanted)")
                }
            }
            #expect(
                all.contains { status($0) == "upcoming" } && all.contains { status($0) == "overdue" } && all.contains { status($0) == "expected" }
            )

            // Bad input is a 422 naming the parameter.
            for (query, field) in [("cursor=bm90LWEtY3Vyc29y", "cursor"), ("status=late", "status"), ("limit=0", "limit")] {
                let response = await service.call(Operation.Reporting.repurchase, as: "gm", query: query)
                #expect(response.status == 422, "\(query)")
                #expect(try response.problem().errors?.map(\.field) == [field], "\(query)")
            }
        }
    }
}
