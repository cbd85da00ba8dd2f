import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Reporting

/// Issue 11 domain rules: the true margin's arithmetic (exact in fen), the proportional split, the median gap.
@Suite("True margin and re-purchase rules")
struct TrueMarginRuleTests {
    static func day(_ text: String) -> CalendarDay { CalendarDay(text) ?? CalendarDay(year: 1970, month: 1, day: 1) }

    @Test("day numbers: 1970-01-01 is 0, leap days count, and adding days round-trips across years")
    func dayNumbers() {
        #expect(Self.day("1970-01-01").dayNumber == 0)
        #expect(Self.day("2026-03-02").dayNumber - Self.day("2026-01-01").dayNumber == 60)
        #expect(Self.day("2024-03-01").dayNumber - Self.day("2024-02-28").dayNumber == 2)
        #expect(Self.day("2026-12-31").adding(days: 1) == Self.day("2027-01-01"))
        #expect(Self.day("2026-03-01").adding(days: 180) == Self.day("2026-08-28"))
        #expect(Self.day("2026-03-01").adding(days: -1) == Self.day("2026-02-28"))
    }

    @Test("the split is proportional, exact to the fen, and gives leftover fen to the largest remainders")
    func proportionalSplit() {
        #expect(TrueMargin.split(100, by: [1, 1, 1]) == [34, 33, 33])
        #expect(TrueMargin.split(10, by: [3, 7]) == [3, 7])
        #expect(TrueMargin.split(1_001, by: [1_000, 3_000]) == [250, 751])
        #expect(TrueMargin.split(-5, by: [1, 1]) == [-3, -2])
        #expect(TrueMargin.split(7, by: [0, 0]) == [4, 3], "all-zero weights split evenly")
        #expect(TrueMargin.split(0, by: [5, 9]) == [0, 0])
        let shares = TrueMargin.split(38_318, by: [123_457, 876_543, 1])
        #expect(shares.reduce(0, +) == 38_318)
    }

    @Test("cost of money: received money at its actual days, open money to its due date, or to today once due date passed")
    func costOfMoneyArithmetic() {
        // Signed 2026-01-01, today 2026-11-30, 6 % a year.
        let contract = TrueMargin.Contract(
            contractID: "c",
            customerID: "k",
            signedOn: Self.day("2026-01-01"),
            amountFen: 1_000_000,
            lines: [.init(productLine: "A", amountFen: 1_000_000, costFen: 600_000)],
            receipts: [.init(amountFen: 400_000, receivedOn: Self.day("2026-03-02"))],
            installments: [
                .init(amountFen: 400_000, dueOn: Self.day("2026-03-01"), allocatedFen: 400_000, writtenOffFen: 0),
                .init(amountFen: 300_000, dueOn: Self.day("2026-12-31"), allocatedFen: 0, writtenOffFen: 0),
                .init(amountFen: 300_000, dueOn: Self.day("2026-06-30"), allocatedFen: 0, writtenOffFen: 0),
            ]
        )
        let today = Self.day("2026-11-30")
        // 400 000 × 60 + 300 000 × 364 (due 12-31) + 300 000 × 333 (due passed: to today) = 233 100 000 fen·days;
        // × 600 ÷ (10 000 × 365) = 38 317.81 → 38 318.
        let (fenDays, fen) = TrueMargin.moneyDays(contract, today: today)
        #expect(fenDays == 233_100_000 && fen == 1_000_000)
        #expect(TrueMargin.costOfMoney(contract, annualRateBp: 600, today: today) == 38_318)
        #expect(TrueMargin.costOfMoney(contract, annualRateBp: 0, today: today) == 0)

        // Without a plan: what is neither received nor written off waits to today.
        var planless = contract
        planless.installments = []
        planless.writtenOffFen = 100_000
        #expect(TrueMargin.outstanding(planless).map(\.amountFen) == [500_000])
        // 400 000 × 60 + 500 000 × 333 = 190 500 000; × 600 ÷ 3 650 000 = 31 315.07 → 31 315.
        #expect(TrueMargin.costOfMoney(planless, annualRateBp: 600, today: today) == 31_315)
    }

    @Test("per line: a two-line contract splits its cost of money and write-off by line amount; true margin nets both")
    func perLineFigures() {
        let contract = TrueMargin.Contract(
            contractID: "c",
            customerID: "k",
            signedOn: Self.day("2026-01-01"),
            amountFen: 1_000_000,
            lines: [.init(productLine: "A", amountFen: 250_000, costFen: 200_000), .init(productLine: "B", amountFen: 750_000, costFen: 450_000)],
            receipts: [.init(amountFen: 900_000, receivedOn: Self.day("2026-03-02"))],
            writtenOffFen: 100_001
        )
        // 900 000 × 60 × 600 ÷ 3 650 000 = 8 876.71 → 8 877, split 1:3 → 2 219 / 6 658 (largest remainder to B).
        let lines = TrueMargin.lines([contract], annualRateBp: 600, today: Self.day("2026-11-30"), purchaseDays: [:])
        let byLine = Dictionary(uniqueKeysWithValues: lines.map { ($0.productLine, $0) })
        let a = byLine["A"]
        let b = byLine["B"]
        #expect(a?.costOfMoneyFen == 2_219 && b?.costOfMoneyFen == 6_658)
        #expect(a?.writtenOffFen == 25_000 && b?.writtenOffFen == 75_001)
        // 250 000 − 200 000 − 2 219 − 25 000 and 750 000 − 450 000 − 6 658 − 75 001.
        #expect(a?.trueMarginFen == 22_781)
        #expect(b?.trueMarginFen == 218_341)
        #expect(a?.quotedMarginBp == 2_000 && b?.quotedMarginBp == 4_000)
        #expect(a?.averageDaysToCollect == 60 && b?.averageDaysToCollect == 60)
        #expect(lines.map(\.productLine) == ["B", "A"], "B's true margin rate (29.11 %) beats A's (9.11 %)")
        #expect(b?.trueMarginBp == 2_911 && a?.trueMarginBp == 911)
    }

    @Test("median gap: odd count the middle, even count the mean of the middle two rounded half up; below three purchases none")
    func medianGap() {
        #expect(Repurchase.median([30, 29, 31]) == 30)
        #expect(Repurchase.median([10, 20]) == 15)
        #expect(Repurchase.median([10, 21]) == 16)
        #expect(Repurchase.median([]) == nil)
        #expect(Repurchase.expectation(purchaseDays: [Self.day("2026-06-01"), Self.day("2026-07-01")]) == nil)
        #expect(
            Repurchase.expectation(purchaseDays: [Self.day("2026-06-01"), Self.day("2026-07-01"), Self.day("2026-07-01")]) == nil,
            "two contracts the same day are one purchase"
        )
        let expectation = Repurchase.expectation(purchaseDays: [Self.day("2026-08-01"), Self.day("2026-06-01"), Self.day("2026-07-01")])
        #expect(expectation == .init(purchases: 3, medianGapDays: 31, lastOn: Self.day("2026-08-01"), nextOn: Self.day("2026-09-01")))
    }

    @Test("status and reminders: upcoming within the window, overdue after it only without an open deal, renewals in the window")
    func reminderRules() {
        let next = Self.day("2026-12-02")
        #expect(Repurchase.status(next: next, today: Self.day("2026-11-24"), remindDays: 7) == .expected)
        #expect(Repurchase.status(next: next, today: Self.day("2026-11-25"), remindDays: 7) == .upcoming)
        #expect(Repurchase.status(next: next, today: next, remindDays: 7) == .upcoming)
        #expect(Repurchase.status(next: next, today: Self.day("2026-12-03"), remindDays: 7) == .overdue)
        #expect(Repurchase.reminder(next: next, today: Self.day("2026-12-03"), remindDays: 7, hasOpenDeal: false) == .overdue)
        #expect(Repurchase.reminder(next: next, today: Self.day("2026-12-03"), remindDays: 7, hasOpenDeal: true) == nil)
        #expect(Repurchase.reminder(next: next, today: Self.day("2026-11-20"), remindDays: 7, hasOpenDeal: false) == nil)
        #expect(Repurchase.renewalDue(endsOn: Self.day("2026-11-30"), today: Self.day("2026-11-23"), remindDays: 7))
        #expect(!Repurchase.renewalDue(endsOn: Self.day("2026-11-30"), today: Self.day("2026-11-22"), remindDays: 7))
        #expect(!Repurchase.renewalDue(endsOn: Self.day("2026-11-30"), today: Self.day("2026-12-01"), remindDays: 7))
    }
}

/// The collection projections and the true-margin report against a real PostgreSQL schema, events delivered as the
/// consumer delivers them (issue 11).
@Suite("True margin report")
struct TrueMarginReportTests {
    static func instant(_ text: String) -> Date { ReportOperationsTests.instant(text) }
    /// 2026-11-30 10:00 in Shanghai.
    static let now = instant("2026-11-30T02:00:00Z")

    static func withService(_ body: @Sendable (RPCHarness) async throws -> Void) async throws {
        try await RPCHarness.with(
            ReportingService.name,
            migrationsDirectory: ReportingService.migrationsDirectory,
            router: {
                ReportingService.rpcRouter(postgres: $0, logger: $1, settings: ReportingSettings(annualRateBp: 600, remindDays: 7), now: { now })
            },
            events: { ReportingService.eventHandlers(logger: $0) },
            body
        )
    }

    static func party(_ contract: String, customer: String, owner: String = "rep-1") -> ContractParty {
        ContractParty(
            contractID: contract,
            dealID: "deal-\(contract)",
            customerID: customer,
            customerName: "客户\(customer)",
            ownerID: owner,
            region: "east-china"
        )
    }

    /// Signs a one-line contract for `customer` at 10:00 Shanghai on `day`.
    static func sign(
        _ id: String,
        customer: String,
        line: String,
        amount: Fen,
        cost: Fen,
        on day: String,
        endsOn: String? = nil,
        owner: String = "rep-1",
        _ service: RPCHarness
    ) async throws {
        var signed = ReportOperationsTests.signed(
            id,
            owner: owner,
            at: "\(day)T02:00:00Z",
            lines: [ReportOperationsTests.line(line, amount: amount, cost: cost)]
        )
        signed.customerID = customer
        signed.customerName = "客户\(customer)"
        signed.endsOn = endsOn
        _ = try await service.deliver(signed, source: "deals", subject: id, sequence: 5)
    }

    static func plan(
        _ contract: String,
        customer: String,
        signedOn day: String,
        _ installments: [(String, Fen, String?)],
        sequence: Int64 = 6
    )
        -> PaymentPlanChanged
    {
        PaymentPlanChanged(
            party: party(contract, customer: customer),
            amountFen: installments.reduce(0) { $0 + $1.1 },
            signedAt: instant("\(day)T02:00:00Z"),
            installments: installments.enumerated().map { index, item in
                InstallmentSnapshot(installmentID: item.0, sequence: index + 1, label: "第\(index + 1)期", amountFen: item.1, dueOn: item.2)
            },
            at: instant("\(day)T02:00:00Z").addingTimeInterval(Double(sequence))
        )
    }

    static func receipt(_ id: String, _ contract: String, customer: String, amount: Fen, on day: String, to installment: String?) -> ReceiptRecorded {
        ReceiptRecorded(
            receiptID: id,
            party: party(contract, customer: customer),
            amountFen: amount,
            receivedOn: day,
            method: "bank_transfer",
            allocations: installment.map { [.init(installmentID: $0, amountFen: amount)] } ?? [],
            outstandingFen: 0,
            at: instant("\(day)T03:00:00Z")
        )
    }

    struct Line: Decodable, Equatable {
        var productLine: String
        var revenueFen: Int64
        var costFen: Int64
        var quotedMarginFen: Int64
        var quotedMarginBp: Int64?
        var costOfMoneyFen: Int64
        var writtenOffFen: Int64
        var trueMarginFen: Int64
        var trueMarginBp: Int64?
        var averageDaysToCollect: Int?
        var customers: Int
        var repeatCustomers: Int
        var repurchaseRateBp: Int64?
    }

    struct Report: Decodable {
        var from: String
        var to: String
        var asOf: String
        var annualRateBp: Int64
        var items: [Line]
    }

    static func report(as caller: String, query: String? = nil, _ service: RPCHarness) async throws -> Report {
        let response = await service.call(Operation.Reporting.trueMargin, as: Org.identity(caller), query: query)
        #expect(response.status == 200, "\(response.text)")
        return try response.decode(Report.self)
    }

    /// The story's data set: "M8 bolts" (20 % list margin) bought again and again by customers who pay in 30 days;
    /// "液压泵" (30 % list margin) bought once by a customer who paid 90 % after 180 days, had a receipt reversed and
    /// the rest written off.
    static func seedStory(_ service: RPCHarness) async throws {
        try await Org.seed(service)
        let bolts: [(String, String, String, String)] = [
            ("b1", "k-a", "2026-06-01", "2026-07-01"), ("b2", "k-a", "2026-07-01", "2026-07-31"), ("b3", "k-a", "2026-08-01", "2026-08-31"),
            ("b4", "k-b", "2026-06-10", "2026-07-10"), ("b5", "k-b", "2026-09-10", "2026-10-10"), ("b6", "k-e", "2026-10-01", "2026-10-31"),
        ]
        for (id, customer, signed, paid) in bolts {
            try await sign(id, customer: customer, line: "M8 bolts", amount: 2_000_000, cost: 1_600_000, on: signed, service)
            _ = try await service.deliver(plan(id, customer: customer, signedOn: signed, [("\(id)-1", 2_000_000, paid)]), subject: id, sequence: 6)
            _ = try await service.deliver(
                receipt("r-\(id)", id, customer: customer, amount: 2_000_000, on: paid, to: "\(id)-1"),
                subject: id,
                sequence: 7
            )
        }
        try await sign("p1", customer: "k-c", line: "液压泵", amount: 10_000_000, cost: 7_000_000, on: "2026-03-01", service)
        _ = try await service.deliver(
            plan("p1", customer: "k-c", signedOn: "2026-03-01", [("p1-1", 9_000_000, "2026-08-28"), ("p1-2", 1_000_000, "2026-08-28")]),
            subject: "p1",
            sequence: 6
        )
        _ = try await service.deliver(
            receipt("r-p1-x", "p1", customer: "k-c", amount: 1_000_000, on: "2026-04-01", to: "p1-2"),
            subject: "p1",
            sequence: 7
        )
        _ = try await service.deliver(
            ReceiptReversed(
                receiptID: "r-p1-x",
                party: party("p1", customer: "k-c"),
                amountFen: 1_000_000,
                reason: "退票",
                byUserID: "fin-1",
                outstandingFen: 10_000_000,
                at: instant("2026-04-05T02:00:00Z")
            ),
            subject: "p1",
            sequence: 8
        )
        _ = try await service.deliver(
            receipt("r-p1", "p1", customer: "k-c", amount: 9_000_000, on: "2026-08-28", to: "p1-1"),
            subject: "p1",
            sequence: 9
        )
        _ = try await service.deliver(
            InstallmentWrittenOff(
                installmentID: "p1-2",
                party: party("p1", customer: "k-c"),
                amountFen: 1_000_000,
                reason: "客户破产",
                byUserID: "fin-1",
                at: instant("2026-11-01T02:00:00Z")
            ),
            subject: "p1",
            sequence: 10
        )
    }

    @Test("done when: M8 bolts (20 % list margin, 30-day payers, re-purchased) rank above 液压泵 (30 %, 180 days, a write-off)")
    func fastPayersRankAboveHigherListMargin() async throws {
        try await Self.withService { service in
            try await Self.seedStory(service)
            let report = try await Self.report(as: "gm", service)
            #expect(report.from == "2025-12-01" && report.to == "2026-11-30" && report.asOf == "2026-11-30" && report.annualRateBp == 600)
            #expect(report.items.map(\.productLine) == ["M8 bolts", "液压泵"])
            let bolts = try #require(report.items.first)
            let pumps = try #require(report.items.last)
            #expect((pumps.quotedMarginBp ?? 0) > (bolts.quotedMarginBp ?? 0), "the pumps' list margin is higher")
            // Bolts: 6 × 2 000 000 fen × 30 days = 360 000 000 fen·days; × 600 ÷ 3 650 000 = 59 178.08 → 59 178, rounded
            // once for the line (issue 14). Issue 11 rounded each contract, 9 863.01 → 9 863, six times: the same here.
            #expect(
                bolts
                    == Line(
                        productLine: "M8 bolts",
                        revenueFen: 12_000_000,
                        costFen: 9_600_000,
                        quotedMarginFen: 2_400_000,
                        quotedMarginBp: 2_000,
                        costOfMoneyFen: 59_178,
                        writtenOffFen: 0,
                        trueMarginFen: 2_340_822,
                        trueMarginBp: 1_951,
                        averageDaysToCollect: 30,
                        customers: 3,
                        repeatCustomers: 2,
                        repurchaseRateBp: 6_667
                    )
            )
            // Pumps: the reversed receipt counts for nothing; 9 000 000 × 600 × 180 ÷ 3 650 000 = 266 301; 1 000 000 written off.
            #expect(
                pumps
                    == Line(
                        productLine: "液压泵",
                        revenueFen: 10_000_000,
                        costFen: 7_000_000,
                        quotedMarginFen: 3_000_000,
                        quotedMarginBp: 3_000,
                        costOfMoneyFen: 266_301,
                        writtenOffFen: 1_000_000,
                        trueMarginFen: 1_733_699,
                        trueMarginBp: 1_734,
                        averageDaysToCollect: 180,
                        customers: 1,
                        repeatCustomers: 0,
                        repurchaseRateBp: 0
                    )
            )

            // Scope: rep-2 owns none of it; a period narrows the contracts.
            #expect(try await Self.report(as: "rep-2", service).items.isEmpty)
            let autumn = try await Self.report(as: "gm", query: "from=2026-09-01&to=2026-10-31", service)
            #expect(autumn.items.map(\.productLine) == ["M8 bolts"])
            #expect(autumn.items.first?.revenueFen == 4_000_000)
            #expect(autumn.items.first?.repeatCustomers == 1, "k-b bought before the period; k-e only once")
            let bad = await service.call(Operation.Reporting.trueMargin, as: Org.identity("gm"), query: "from=2026-13-01")
            #expect(bad.status == 422)
        }
    }

    @Test("replay: every collection event delivered twice, and a reversal and an older plan arriving late, change nothing")
    func replayIsIdempotent() async throws {
        try await Self.withService { service in
            try await Org.seed(service)
            try await Self.sign("c1", customer: "k-a", line: "M8 bolts", amount: 1_000_000, cost: 800_000, on: "2026-10-01", service)
            let newer = try await service.deliver(
                Self.plan(
                    "c1",
                    customer: "k-a",
                    signedOn: "2026-10-01",
                    [("c1-1", 500_000, "2026-10-31"), ("c1-2", 500_000, "2026-12-30")],
                    sequence: 9
                ),
                subject: "c1",
                sequence: 9
            )
            // An older plan (one installment) arrives after the newer one: ignored.
            _ = try await service.deliver(
                Self.plan("c1", customer: "k-a", signedOn: "2026-10-01", [("c1-0", 1_000_000, nil)], sequence: 6),
                subject: "c1",
                sequence: 6
            )
            let reversal = ReceiptReversed(
                receiptID: "r-2",
                party: Self.party("c1", customer: "k-a"),
                amountFen: 200_000,
                reason: "错账",
                byUserID: "fin-1",
                outstandingFen: 500_000,
                at: Self.instant("2026-11-02T02:00:00Z")
            )
            // The reversal comes before its receipt.
            let reversed = try await service.deliver(reversal, subject: "c1", sequence: 12)
            let first = try await service.deliver(
                Self.receipt("r-1", "c1", customer: "k-a", amount: 500_000, on: "2026-10-31", to: "c1-1"),
                subject: "c1",
                sequence: 10
            )
            let second = try await service.deliver(
                Self.receipt("r-2", "c1", customer: "k-a", amount: 200_000, on: "2026-11-01", to: "c1-2"),
                subject: "c1",
                sequence: 11
            )
            let writeOff = try await service.deliver(
                InstallmentWrittenOff(
                    installmentID: "c1-2",
                    party: Self.party("c1", customer: "k-a"),
                    amountFen: 100_000,
                    reason: "折让",
                    byUserID: "fin-1",
                    at: Self.instant("2026-11-03T02:00:00Z")
                ),
                subject: "c1",
                sequence: 13
            )
            let before = try await Self.report(as: "gm", service)
            for envelope in [newer, reversed, first, second, writeOff] { try await service.deliver(envelope) }
            let after = try await Self.report(as: "gm", service)
            #expect(before.items == after.items)
            let line = try #require(after.items.first)
            // 500 000 × 30 days (received) + 400 000 × 90 days (open, due 12-30 not yet passed) = 51 000 000 fen·days;
            // × 600 ÷ 3 650 000 = 8 383.56 → 8 384.
            #expect(line.costOfMoneyFen == 8_384)
            #expect(line.writtenOffFen == 100_000)
            #expect(line.trueMarginFen == 200_000 - 8_384 - 100_000)
            #expect(line.averageDaysToCollect == 57, "51 000 000 ÷ 900 000 = 56.67 days")
            #expect(try await service.count("plan_installments") == 2)
            #expect(try await service.count("collection_receipts") == 2)
            #expect(try await service.count("receipt_reversals") == 1)
            #expect(try await service.count("installment_write_offs") == 1)
        }
    }
}
