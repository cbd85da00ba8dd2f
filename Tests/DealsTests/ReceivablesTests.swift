import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Deals

/// The ageing rule at its edges, without a database.
@Suite("Receivables ageing rule")
struct AgeingRuleTests {
    @Test("days overdue land in not due, 1–30, 31–60, 61–90 and over 90 at the bucket edges")
    func bucketEdges() {
        let expected: [(Int?, Ageing.Bucket)] = [
            (nil, .notDue), (-5, .notDue), (0, .notDue), (1, .d1to30), (30, .d1to30), (31, .d31to60), (60, .d31to60),
            (61, .d61to90), (90, .d61to90), (91, .over90), (1_000, .over90),
        ]
        for (days, bucket) in expected {
            #expect(Ageing.Bucket(daysOverdue: days) == bucket, "\(String(describing: days)) days")
        }
    }

    @Test("days overdue count Shanghai calendar days from the due date, across months, years and 29 February")
    func daysOverdue() throws {
        func days(_ due: String, _ asOf: String) throws -> Int? {
            Ageing.daysOverdue(dueOn: try #require(CalendarDay(due)), asOf: try #require(CalendarDay(asOf)))
        }
        #expect(try days("2026-12-31", "2026-12-31") == 0)
        #expect(try days("2026-12-31", "2027-01-01") == 1)
        #expect(try days("2026-12-01", "2026-12-31") == 30)
        #expect(try days("2026-11-30", "2026-12-31") == 31)
        #expect(try days("2028-02-28", "2028-03-01") == 2, "2028 is a leap year")
        #expect(try days("2027-01-10", "2026-12-31") == -10)
        #expect(Ageing.daysOverdue(dueOn: nil, asOf: CalendarDay(year: 2026, month: 12, day: 31)) == nil)
    }

    @Test("alerts are due at 1 day and at 16 days (more than 15 days late)")
    func thresholds() {
        #expect(Ageing.thresholdsReached(daysOverdue: 0).isEmpty)
        #expect(Ageing.thresholdsReached(daysOverdue: 1) == [1])
        #expect(Ageing.thresholdsReached(daysOverdue: 15) == [1])
        #expect(Ageing.thresholdsReached(daysOverdue: 16) == [1, 16])
        #expect(Ageing.thresholdsReached(daysOverdue: 200) == [1, 16])
    }

    @Test("buckets add up: total is every bucket, overdue all but not due")
    func bucketSums() {
        var buckets = Ageing.Buckets()
        buckets.add(100, to: .notDue)
        buckets.add(20, to: .d1to30)
        buckets.add(3, to: .over90)
        var more = Ageing.Buckets()
        more.add(1_000, to: .d61to90)
        buckets.add(more)
        #expect(buckets.totalFen == 1_123 && buckets.overdueFen == 1_023 && buckets.d61to90Fen == 1_000)
    }
}

/// Signed contracts with payment plans, receipts and write-offs written straight into the deals test database (the
/// payments API is another branch's).
struct ReceivablesFixture {
    let service: RPCHarness
    static let created = ISO8601DateFormatter().date(from: "2026-09-01T02:00:00Z")!

    /// A signed contract of a new deal; returns the ids of its installments in plan order.
    @discardableResult
    func contract(
        _ number: String,
        customer: (id: String, name: String),
        owner: String,
        region: String,
        status: String = "signed",
        installments: [(label: String, amountFen: Fen, dueOn: String?)]
    ) async throws -> [UUID] {
        let (dealID, quoteID, contractID) = (UUID(), UUID(), UUID())
        let amount = installments.reduce(0) { $0 + $1.amountFen }
        let at = Self.created
        let signedAt: Date? = status == "signed" ? at : nil
        try await service.client.query(
            """
            INSERT INTO deals (id, customer_id, customer_name, owner_id, region, title, expected_amount_fen, expected_close_date, stage,
                               version, created_by, created_at, updated_at)
            VALUES (\(dealID), \(customer.id), \(customer.name), \(owner), \(region), 'deal', \(amount), '2026-12-31', 'contract',
                    1, \(owner), \(at), \(at))
            """,
            logger: service.logger
        )
        try await service.client.query(
            """
            INSERT INTO quote_versions (id, deal_id, version, lines, total_fen, cost_fen, margin_fen, margin_basis_points, created_by, created_at)
            VALUES (\(quoteID), \(dealID), 1, '[]'::jsonb, \(amount), 0, \(amount), 10000, \(owner), \(at))
            """,
            logger: service.logger
        )
        try await service.client.query(
            """
            INSERT INTO contracts (id, number, deal_id, quote_id, quote_version, lines, amount_fen, cost_fen, status, version, signed_at,
                                   created_by, created_at, updated_at)
            VALUES (\(contractID), \(number), \(dealID), \(quoteID), 1, '[]'::jsonb, \(amount), 0, \(status), 1, \(signedAt),
                    \(owner), \(at), \(at))
            """,
            logger: service.logger
        )
        var ids: [UUID] = []
        for (index, installment) in installments.enumerated() {
            let id = UUID()
            let afterDelivery: Int? = installment.dueOn == nil ? 90 : nil
            try await service.client.query(
                """
                INSERT INTO payment_installments (id, contract_id, sequence, label, amount_fen, due_on, due_after_delivery_days, created_at)
                VALUES (\(id), \(contractID), \(index + 1), \(installment.label), \(installment.amountFen), \(installment.dueOn)::date,
                        \(afterDelivery), \(at))
                """,
                logger: service.logger
            )
            ids.append(id)
        }
        return ids
    }

    /// A receipt allocated to one installment; `reversedAt` reverses it.
    func receipt(_ installment: UUID, amountFen: Fen, receivedOn: String, reversedAt: Date? = nil) async throws {
        let id = UUID()
        try await service.client.query(
            """
            INSERT INTO receipts (id, contract_id, amount_fen, received_on, method, recorded_by, recorded_at, reversed_at, reversed_by,
                                  reversal_reason)
            SELECT \(id), contract_id, \(amountFen), \(receivedOn)::date, 'bank_transfer', 'finance', \(Self.created), \(reversedAt),
                   CASE WHEN \(reversedAt)::timestamptz IS NULL THEN NULL ELSE 'finance' END,
                   CASE WHEN \(reversedAt)::timestamptz IS NULL THEN NULL ELSE '录错' END
            FROM payment_installments WHERE id = \(installment)
            """,
            logger: service.logger
        )
        try await service.client.query(
            "INSERT INTO receipt_allocations (receipt_id, installment_id, amount_fen) VALUES (\(id), \(installment), \(amountFen))",
            logger: service.logger
        )
    }

    /// Writes off what is left of an installment at `time`.
    func writeOff(_ installment: UUID, amountFen: Fen, at time: Date) async throws {
        try await service.client.query(
            """
            UPDATE payment_installments SET written_off_fen = \(amountFen), written_off_reason = '坏账', written_off_by = 'finance',
                written_off_at = \(time)
            WHERE id = \(installment)
            """,
            logger: service.logger
        )
    }
}

/// The receivables report as a client decodes it.
struct ReceivablesView: Decodable {
    struct Buckets: Decodable, Equatable {
        var notDueFen: Fen
        var d1to30Fen: Fen
        var d31to60Fen: Fen
        var d61to90Fen: Fen
        var over90Fen: Fen
    }
    struct Row: Decodable {
        var key: String
        var name: String
        var buckets: Buckets
        var totalFen: Fen
        var overdueFen: Fen
        var installments: Int
    }
    struct Total: Decodable {
        var buckets: Buckets
        var totalFen: Fen
        var overdueFen: Fen
        var installments: Int
    }
    var asOf: String
    var by: String
    var rows: [Row]
    var total: Total
}

/// One installment of the drill-down as a client decodes it.
struct ReceivableInstallmentView: Decodable {
    var installmentId: String
    var contractNumber: String
    var customerName: String
    var ownerName: String
    var sequence: Int
    var label: String
    var dueOn: String?
    var outstandingFen: Fen
    var daysOverdue: Int
    var bucket: String
}

@Suite("Receivables report and drill-down")
struct ReceivablesReportTests {
    static let eastOne = (id: "c-east-1", name: "宁波精工")
    static let eastTwo = (id: "c-east-2", name: "杭州机床")
    static let north = (id: "c-north", name: "天津重工")
    static let reversedAt = ISO8601DateFormatter().date(from: "2026-12-20T02:00:00Z")!

    /// As of 2026-12-31: 宁波精工 (rep-1) 40,000 not due (one due today, one waiting for the delivery) and 60,000 one
    /// day late; 杭州机床 (rep-2) one installment at each edge 30, 31, 60, 61, 90, 91 days; 天津重工 (rep-north) one
    /// paid, one with a reversed receipt (30,000 left), one written off; a contract not yet signed does not count.
    static func seed(_ service: RPCHarness) async throws {
        try await Org.seed(service)
        let fixture = ReceivablesFixture(service: service)
        try await fixture.contract(
            "HT-2026-0001",
            customer: eastOne,
            owner: "rep-1",
            region: "east-china",
            installments: [("预付款", 30_000, "2026-12-31"), ("发货款", 60_000, "2026-12-30"), ("质保金", 10_000, nil)]
        )
        try await fixture.contract(
            "HT-2026-0002",
            customer: eastTwo,
            owner: "rep-2",
            region: "east-china",
            installments: [
                ("第一笔", 10_000, "2026-12-01"), ("第二笔", 20_000, "2026-11-30"), ("第三笔", 40_000, "2026-11-01"),
                ("第四笔", 80_000, "2026-10-31"), ("第五笔", 160_000, "2026-10-02"), ("第六笔", 320_000, "2026-10-01"),
            ]
        )
        let northIDs = try await fixture.contract(
            "HT-2026-0003",
            customer: north,
            owner: "rep-north",
            region: "north-china",
            installments: [("预付款", 100_000, "2026-12-01"), ("发货款", 50_000, "2026-12-01"), ("质保金", 70_000, "2026-12-01")]
        )
        try await fixture.receipt(northIDs[0], amountFen: 100_000, receivedOn: "2026-12-15")
        try await fixture.receipt(northIDs[1], amountFen: 20_000, receivedOn: "2026-12-05")
        try await fixture.receipt(northIDs[1], amountFen: 30_000, receivedOn: "2026-12-05", reversedAt: reversedAt)
        try await fixture.writeOff(northIDs[2], amountFen: 70_000, at: reversedAt)
        try await fixture.contract(
            "HT-2026-0004",
            customer: eastOne,
            owner: "rep-1",
            region: "east-china",
            status: "approved",
            installments: [("预付款", 999_000, "2026-10-01")]
        )
    }

    static func report(_ service: RPCHarness, as user: String, _ query: String) async throws -> ReceivablesView {
        let response = await service.call(ReceivablesReportHandler.operation, as: user, query: query)
        #expect(response.status == 200, "\(response.text)")
        return try response.decode(ReceivablesView.self)
    }

    static func buckets(_ values: [Fen]) -> ReceivablesView.Buckets {
        ReceivablesView.Buckets(notDueFen: values[0], d1to30Fen: values[1], d31to60Fen: values[2], d61to90Fen: values[3], over90Fen: values[4])
    }

    @Test("finance sees every customer's ageing at the bucket edges and the company total; rep, region and company groupings agree")
    func ageingByCustomerRepRegion() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            try await Self.seed(service)
            let byCustomer = try await Self.report(service, as: "finance", "by=customer&asOf=2026-12-31")
            #expect(byCustomer.asOf == "2026-12-31" && byCustomer.by == "customer")
            #expect(byCustomer.rows.map(\.key) == ["c-east-2", "c-east-1", "c-north"], "largest total first")
            #expect(byCustomer.rows.map(\.name) == ["杭州机床", "宁波精工", "天津重工"])
            #expect(byCustomer.rows[0].buckets == Self.buckets([0, 10_000, 60_000, 240_000, 320_000]))
            #expect(byCustomer.rows[0].totalFen == 630_000 && byCustomer.rows[0].overdueFen == 630_000 && byCustomer.rows[0].installments == 6)
            #expect(byCustomer.rows[1].buckets == Self.buckets([40_000, 60_000, 0, 0, 0]))
            #expect(byCustomer.rows[1].totalFen == 100_000 && byCustomer.rows[1].overdueFen == 60_000)
            #expect(byCustomer.rows[2].buckets == Self.buckets([0, 30_000, 0, 0, 0]), "paid, reversed and written off taken into account")
            #expect(byCustomer.total.buckets == Self.buckets([40_000, 100_000, 60_000, 240_000, 320_000]))
            #expect(byCustomer.total.totalFen == 760_000 && byCustomer.total.overdueFen == 720_000 && byCustomer.total.installments == 10)

            let byRep = try await Self.report(service, as: "gm", "by=rep&asOf=2026-12-31")
            #expect(byRep.rows.map(\.key) == ["rep-2", "rep-1", "rep-north"])
            #expect(byRep.rows.map(\.name) == ["李娜", "张伟", "赵磊"], "names from the org replica")
            let byRegion = try await Self.report(service, as: "admin", "by=region&asOf=2026-12-31")
            #expect(byRegion.rows.map(\.key) == ["east-china", "north-china"])
            #expect(byRegion.rows.map(\.totalFen) == [730_000, 30_000])
            let company = try await Self.report(service, as: "finance", "by=company&asOf=2026-12-31")
            #expect(company.rows.map(\.key) == ["company"] && company.rows[0].totalFen == 760_000)
            #expect(company.total.buckets == byCustomer.total.buckets)
        }
    }

    @Test("as of an earlier day, later receipts, reversals and write-offs do not count yet")
    func asOfEarlierDay() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            try await Self.seed(service)
            let report = try await Self.report(service, as: "finance", "by=customer&asOf=2026-12-10")
            let north = try #require(report.rows.first { $0.key == "c-north" })
            // 100,000 not received until the 15th, 50,000 fully received on the 5th (reversal on the 20th), 70,000 not
            // written off until the 20th: 170,000, nine days late.
            #expect(north.buckets == Self.buckets([0, 170_000, 0, 0, 0]))
            let eastOne = try #require(report.rows.first { $0.key == "c-east-1" })
            #expect(eastOne.buckets == Self.buckets([100_000, 0, 0, 0, 0]))
            let before = try await Self.report(service, as: "finance", "asOf=2026-08-31")
            #expect(before.rows.isEmpty && before.total.totalFen == 0, "no installment existed yet")
        }
    }

    @Test("each role sees its scope: a rep their customers, a supervisor the team, a regional manager the region")
    func scope() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            try await Self.seed(service)
            let rep = try await Self.report(service, as: "rep-1", "by=customer")
            #expect(rep.rows.map(\.key) == ["c-east-1"])
            let supervisor = try await Self.report(service, as: "sup-1", "by=customer&asOf=2026-12-31")
            #expect(supervisor.rows.map(\.key) == ["c-east-1"] && supervisor.total.totalFen == 100_000)
            let team = try await Self.report(service, as: "sup-2", "by=rep&asOf=2026-12-31")
            #expect(team.rows.map(\.key) == ["rep-2"])
            let east = try await Self.report(service, as: "rm-east", "by=customer&asOf=2026-12-31")
            #expect(Set(east.rows.map(\.key)) == ["c-east-1", "c-east-2"] && east.total.totalFen == 730_000)
            let north = try await Self.report(service, as: "rm-north", "by=region&asOf=2026-12-31")
            #expect(north.rows.map(\.key) == ["north-china"])
            let other = try await Self.report(service, as: "rep-3", "by=customer")
            #expect(other.rows.isEmpty && other.total.totalFen == 0)

            let repAsOf = await service.call(ReceivablesReportHandler.operation, as: "rep-1", query: "asOf=2026-12-31")
            #expect(repAsOf.status == 403)
            #expect(await service.call(ReceivablesReportHandler.operation, as: "finance", query: "by=product").status == 422)
            #expect(await service.call(ReceivablesReportHandler.operation, as: "finance", query: "asOf=2026-02-30").status == 422)
            #expect(await service.call(ReceivablesReportHandler.operation, as: nil as CallerIdentity?).status == 401)
        }
    }

    static func installments(_ service: RPCHarness, as user: String, _ query: String) async throws -> ListPage<ReceivableInstallmentView> {
        let response = await service.call(ListReceivableInstallmentsHandler.operation, as: user, query: query)
        #expect(response.status == 200, "\(response.text)")
        return try response.decode(ListPage<ReceivableInstallmentView>.self)
    }

    @Test("the drill-down lists a cell's installments most overdue first, pages without gaps, and keeps to the scope")
    func drillDown() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            try await Self.seed(service)
            let cell = try await Self.installments(service, as: "finance", "bucket=d61to90&customerId=c-east-2&asOf=2026-12-31")
            #expect(cell.items.map(\.sequence) == [5, 4])
            #expect(cell.items.map(\.daysOverdue) == [90, 61])
            #expect(cell.items.map(\.outstandingFen) == [160_000, 80_000])
            #expect(cell.items.allSatisfy { $0.contractNumber == "HT-2026-0002" && $0.customerName == "杭州机床" && $0.ownerName == "李娜" })
            #expect(cell.nextCursor == nil)

            var seen: [Int] = []
            var cursor: String?
            var pages = 0
            repeat {
                let query = "customerId=c-east-2&asOf=2026-12-31&limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await Self.installments(service, as: "finance", query)
                seen += page.items.map(\.sequence)
                cursor = page.nextCursor
                pages += 1
            } while cursor != nil && pages < 10
            #expect(seen == [6, 5, 4, 3, 2, 1] && pages == 3)

            let eastOne = try await Self.installments(service, as: "finance", "customerId=c-east-1&asOf=2026-12-31")
            #expect(eastOne.items.map(\.sequence) == [2, 1, 3], "undated last")
            #expect(eastOne.items.map(\.bucket) == ["d1to30", "notDue", "notDue"])
            #expect(eastOne.items[2].dueOn == nil && eastOne.items[2].daysOverdue == 0)
            let notDue = try await Self.installments(service, as: "finance", "bucket=notDue&asOf=2026-12-31")
            #expect(notDue.items.map(\.label) == ["预付款", "质保金"])
            let overNinety = try await Self.installments(service, as: "finance", "bucket=over90&asOf=2026-12-31")
            #expect(overNinety.items.map(\.daysOverdue) == [91])
            let byOwner = try await Self.installments(service, as: "finance", "owner=rep-north&asOf=2026-12-31")
            #expect(byOwner.items.map(\.outstandingFen) == [30_000])
            let byRegion = try await Self.installments(service, as: "finance", "region=north-china&bucket=d1to30&asOf=2026-12-31")
            #expect(byRegion.items.count == 1)

            let outOfScope = try await Self.installments(service, as: "sup-1", "customerId=c-east-2")
            #expect(outOfScope.items.isEmpty, "a filter narrows the scope, never widens it")
            #expect(await service.call(ListReceivableInstallmentsHandler.operation, as: "finance", query: "bucket=late").status == 422)
            #expect(await service.call(ListReceivableInstallmentsHandler.operation, as: "finance", query: "cursor=nope").status == 422)
        }
    }
}

@Suite("Payment overdue check")
struct PaymentOverdueCheckTests {
    /// 2026-11-30 is a Monday; 09:00 in Shanghai is 01:00Z.
    static let mondayNine = ISO8601DateFormatter().date(from: "2026-11-30T01:00:00Z")!
    static let day: TimeInterval = 86_400

    static func job(_ service: RPCHarness) -> ScheduledJob {
        PaymentOverdueCheckJob.job(repository: ReceivablesRepository(logger: service.logger))
    }

    static func alerts(_ service: RPCHarness) async throws -> [String] {
        try await service.outbox(PaymentOverdue.self).map { "\($0.label)@\($0.thresholdDays)/\($0.daysOverdue)" }
    }

    @Test("Monday 09:00 alerts each overdue installment once per threshold; again, elsewhere or the next day adds nothing twice")
    func alertsOncePerThreshold() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            try await Org.seed(service)
            let fixture = ReceivablesFixture(service: service)
            let ids = try await fixture.contract(
                "HT-2026-0101",
                customer: (id: "c-1", name: "宁波精工"),
                owner: "rep-1",
                region: "east-china",
                installments: [
                    ("三天", 10_000, "2026-11-27"), ("十六天", 20_000, "2026-11-14"), ("今天", 30_000, "2026-11-30"), ("已付", 40_000, "2026-11-20"),
                    ("发货后", 50_000, nil),
                ]
            )
            try await fixture.receipt(ids[1], amountFen: 5_000, receivedOn: "2026-11-20")
            try await fixture.receipt(ids[3], amountFen: 40_000, receivedOn: "2026-11-20")
            let job = Self.job(service)

            #expect(
                try await job.runIfDue(now: Self.mondayNine.addingTimeInterval(-60), client: service.client, logger: service.logger)
                    != .ran(Self.mondayNine)
            )
            #expect(try await Self.alerts(service).isEmpty, "08:59 is before the occurrence")

            #expect(
                try await job.runIfDue(now: Self.mondayNine.addingTimeInterval(30), client: service.client, logger: service.logger)
                    == .ran(Self.mondayNine)
            )
            #expect(try await Self.alerts(service) == ["十六天@1/16", "十六天@16/16", "三天@1/3"])
            let sixteen = try #require(try await service.outbox(PaymentOverdue.self).first { $0.thresholdDays == 16 })
            #expect(sixteen.party.ownerID == "rep-1" && sixteen.party.customerName == "宁波精工" && sixteen.party.region == "east-china")
            #expect(sixteen.contractNumber == "HT-2026-0101" && sixteen.sequence == 2 && sixteen.dueOn == "2026-11-14")
            #expect(sixteen.outstandingFen == 15_000 && sixteen.installmentID == ids[1].uuidString.lowercased())
            let envelope = try #require(try await service.outbox(type: PaymentOverdue.eventType).first)
            #expect(envelope.source == "deals")

            // The same occurrence again, from this instance or another, at once or later.
            async let first = Self.job(service).runIfDue(now: Self.mondayNine.addingTimeInterval(40), client: service.client, logger: service.logger)
            async let second = Self.job(service).runIfDue(now: Self.mondayNine.addingTimeInterval(41), client: service.client, logger: service.logger)
            #expect(try await [first, second] == [.alreadyClaimed(Self.mondayNine), .alreadyClaimed(Self.mondayNine)])
            // Even a check that ran again for the day (its claim lost) publishes nothing already published.
            let again = try await service.client.withTransaction(logger: service.logger) { connection in
                try await PaymentOverdueCheckJob.check(
                    occurrence: Self.mondayNine,
                    calendar: WorkingCalendar(),
                    repository: ReceivablesRepository(logger: service.logger),
                    on: connection,
                    logger: service.logger
                )
            }
            #expect(again.isEmpty)
            #expect(try await service.outbox(PaymentOverdue.self).count == 3)

            // Tuesday: only the installment due on Monday is new.
            let tuesday = Self.mondayNine.addingTimeInterval(Self.day)
            #expect(try await job.runIfDue(now: tuesday.addingTimeInterval(5), client: service.client, logger: service.logger) == .ran(tuesday))
            #expect(try await Self.alerts(service) == ["十六天@1/16", "十六天@16/16", "三天@1/3", "今天@1/1"])
            #expect(try await service.count("payment_overdue_alerts") == 4)
        }
    }

    @Test("a weekend check publishes nothing; the next working day catches up once, with the days as they are then")
    func weekendCatchUp() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            try await Org.seed(service)
            let fixture = ReceivablesFixture(service: service)
            // Due Friday 2026-12-04: one day late on Saturday. Due 2026-11-27: 16 days late on Sunday 2026-12-13.
            try await fixture.contract(
                "HT-2026-0102",
                customer: (id: "c-2", name: "杭州机床"),
                owner: "rep-2",
                region: "east-china",
                installments: [("周五到期", 10_000, "2026-12-04"), ("十一月", 20_000, "2026-11-27")]
            )
            let job = Self.job(service)
            let saturday = Self.mondayNine.addingTimeInterval(5 * Self.day)
            let sunday = saturday.addingTimeInterval(Self.day)
            #expect(try await job.runIfDue(now: saturday.addingTimeInterval(10), client: service.client, logger: service.logger) == .ran(saturday))
            #expect(try await job.runIfDue(now: sunday.addingTimeInterval(10), client: service.client, logger: service.logger) == .ran(sunday))
            #expect(try await Self.alerts(service).isEmpty, "weekends publish nothing")

            let monday = sunday.addingTimeInterval(Self.day)
            #expect(try await job.runIfDue(now: monday.addingTimeInterval(10), client: service.client, logger: service.logger) == .ran(monday))
            #expect(try await Self.alerts(service) == ["十一月@1/10", "周五到期@1/3"])

            let nextSunday = sunday.addingTimeInterval(7 * Self.day)
            #expect(
                try await job.runIfDue(now: nextSunday.addingTimeInterval(10), client: service.client, logger: service.logger) == .ran(nextSunday)
            )
            #expect(try await Self.alerts(service).count == 2)
            let nextMonday = nextSunday.addingTimeInterval(Self.day)
            #expect(
                try await job.runIfDue(now: nextMonday.addingTimeInterval(10), client: service.client, logger: service.logger) == .ran(nextMonday)
            )
            #expect(try await Self.alerts(service) == ["十一月@1/10", "周五到期@1/3", "十一月@16/17"])
        }
    }
}
