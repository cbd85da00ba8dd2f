import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Reporting

/// The daily 09:00 (Asia/Shanghai) re-purchase check with a controlled clock, and the expected-orders list (issue 11).
@Suite("Re-purchase reminders")
struct RepurchaseReminderTests {
    static func instant(_ text: String) -> Date { ReportOperationsTests.instant(text) }
    static let settings = ReportingSettings(annualRateBp: 600, remindDays: 7)
    /// 09:00 in Shanghai on `day` is 01:00Z; the job looks half a minute later.
    static func nineOClock(_ day: String) -> Date { instant("\(day)T01:00:00Z") }

    static func withService(now: Date, _ body: @Sendable (RPCHarness) async throws -> Void) async throws {
        try await RPCHarness.with(
            ReportingService.name,
            migrationsDirectory: ReportingService.migrationsDirectory,
            router: { ReportingService.rpcRouter(postgres: $0, logger: $1, settings: settings, now: { now }) },
            events: { ReportingService.eventHandlers(logger: $0) },
            body
        )
    }

    /// k-a (rep-1) buys M8 bolts every ~month: next expected 2026-12-02. k-b (rep-1) was expected 2026-11-01 but has an
    /// open deal. k-d (rep-2) was expected 2026-11-15 and has none. k-c's contract r1 ends 2026-11-30.
    static func seed(_ service: RPCHarness) async throws {
        try await Org.seed(service)
        for (id, customer, owner, line, day) in [
            ("a1", "k-a", "rep-1", "M8 bolts", "2026-09-01"), ("a2", "k-a", "rep-1", "M8 bolts", "2026-10-01"),
            ("a3", "k-a", "rep-1", "M8 bolts", "2026-11-01"), ("b1", "k-b", "rep-1", "液压泵", "2026-08-01"),
            ("b2", "k-b", "rep-1", "液压泵", "2026-09-01"), ("b3", "k-b", "rep-1", "液压泵", "2026-10-01"),
            ("d1", "k-d", "rep-2", "M8 bolts", "2026-08-15"), ("d2", "k-d", "rep-2", "M8 bolts", "2026-09-15"),
            ("d3", "k-d", "rep-2", "M8 bolts", "2026-10-15"),
        ] {
            try await TrueMarginReportTests.sign(id, customer: customer, line: line, amount: 100_000, cost: 80_000, on: day, owner: owner, service)
        }
        try await TrueMarginReportTests.sign(
            "r1",
            customer: "k-c",
            line: "液压泵",
            amount: 500_000,
            cost: 300_000,
            on: "2025-12-01",
            endsOn: "2026-11-30",
            service
        )
        _ = try await service.deliver(
            DealStageChanged(
                dealID: "deal-open",
                customerID: "k-b",
                ownerID: "rep-1",
                region: "east-china",
                from: nil,
                to: .lead,
                lostReason: nil,
                at: instant("2026-10-20T02:00:00Z")
            ),
            subject: "deal-open",
            sequence: 1
        )
    }

    static func job(_ service: RPCHarness) -> ScheduledJob {
        RepurchaseReminderJob.job(repository: CollectionsRepository(logger: service.logger), settings: settings)
    }

    static func reminders(_ service: RPCHarness) async throws -> [String] {
        try await service.outbox(RepurchaseReminder.self).map {
            "\($0.kind.rawValue) \($0.customerID) \($0.productLine) \($0.expectedOn) → \($0.ownerID)"
        }
    }

    @Test("once per (customer, line, expected date, kind): overdue without an open deal, renewal and upcoming in the window")
    func remindersOncePerKey() async throws {
        try await Self.withService(now: Self.instant("2026-11-25T02:00:00Z")) { service in
            try await Self.seed(service)
            let job = Self.job(service)

            let day1 = Self.nineOClock("2026-11-24")
            #expect(try await job.runIfDue(now: day1.addingTimeInterval(30), client: service.client, logger: service.logger) == .ran(day1))
            #expect(
                try await Self.reminders(service) == [
                    "overdue k-d M8 bolts 2026-11-15 → rep-2",
                    "renewal k-c 液压泵 2026-11-30 → rep-1",
                ]
            )
            let renewal = try #require(try await service.outbox(RepurchaseReminder.self).last)
            #expect(renewal.contractID == "r1" && renewal.contractNumber == "HT-2026-r1" && renewal.lastPurchaseOn == "2025-12-01")
            #expect(renewal.customerName == "客户k-c" && renewal.medianGapDays == nil && renewal.occurrence == day1)
            #expect(try await service.outbox(type: RepurchaseReminder.eventType).allSatisfy { $0.source == "reporting" })

            // The same occurrence again (another instance, a restart): nothing.
            #expect(try await job.runIfDue(now: day1.addingTimeInterval(90), client: service.client, logger: service.logger) == .alreadyClaimed(day1))

            // Next day: k-a's order (expected 12-02) enters the 7-day window; the others were sent already.
            let day2 = Self.nineOClock("2026-11-25")
            #expect(try await job.runIfDue(now: day2.addingTimeInterval(30), client: service.client, logger: service.logger) == .ran(day2))
            let upcoming = try #require(try await service.outbox(RepurchaseReminder.self).last)
            #expect(upcoming.kind == .upcoming && upcoming.customerID == "k-a" && upcoming.expectedOn == "2026-12-02")
            #expect(upcoming.lastPurchaseOn == "2026-11-01" && upcoming.medianGapDays == 31 && upcoming.ownerID == "rep-1")
            #expect(try await service.outbox(RepurchaseReminder.self).count == 3)

            let day3 = Self.nineOClock("2026-11-26")
            #expect(try await job.runIfDue(now: day3.addingTimeInterval(30), client: service.client, logger: service.logger) == .ran(day3))
            #expect(try await service.outbox(RepurchaseReminder.self).count == 3, "nothing new on the 26th")

            // k-b's deal is lost: it has no open deal any more, so its overdue order is reminded; k-a is now overdue too.
            _ = try await service.deliver(
                DealStageChanged(
                    dealID: "deal-open",
                    customerID: "k-b",
                    ownerID: "rep-1",
                    region: "east-china",
                    from: .lead,
                    to: .lost,
                    lostReason: "价格",
                    at: Self.instant("2026-12-01T02:00:00Z")
                ),
                subject: "deal-open",
                sequence: 2
            )
            let day4 = Self.nineOClock("2026-12-03")
            #expect(try await job.runIfDue(now: day4.addingTimeInterval(30), client: service.client, logger: service.logger) == .ran(day4))
            #expect(
                Array(try await Self.reminders(service).dropFirst(3)) == [
                    "overdue k-a M8 bolts 2026-12-02 → rep-1",
                    "overdue k-b 液压泵 2026-11-01 → rep-1",
                ]
            )
            let day5 = Self.nineOClock("2026-12-04")
            #expect(try await job.runIfDue(now: day5.addingTimeInterval(30), client: service.client, logger: service.logger) == .ran(day5))
            #expect(try await service.outbox(RepurchaseReminder.self).count == 5)
        }
    }

    struct Item: Decodable, Equatable {
        var customerId: String
        var customerName: String
        var ownerId: String
        var productLine: String
        var purchases: Int
        var medianGapDays: Int
        var lastPurchaseOn: String
        var nextExpectedOn: String
        var status: String
        var openDeal: Bool
    }

    struct Report: Decodable {
        var asOf: String
        var remindDays: Int
        var items: [Item]
    }

    @Test("the expected orders list: soonest first, status for today, in the caller's scope")
    func expectedOrders() async throws {
        try await Self.withService(now: Self.instant("2026-11-25T02:00:00Z")) { service in
            try await Self.seed(service)
            func report(_ caller: String) async throws -> Report {
                let response = await service.call(Operation.Reporting.repurchase, as: Org.identity(caller))
                #expect(response.status == 200, "\(response.text)")
                return try response.decode(Report.self)
            }
            let everyone = try await report("gm")
            #expect(everyone.asOf == "2026-11-25" && everyone.remindDays == 7)
            #expect(
                everyone.items == [
                    Item(
                        customerId: "k-b",
                        customerName: "客户k-b",
                        ownerId: "rep-1",
                        productLine: "液压泵",
                        purchases: 3,
                        medianGapDays: 31,
                        lastPurchaseOn: "2026-10-01",
                        nextExpectedOn: "2026-11-01",
                        status: "overdue",
                        openDeal: true
                    ),
                    Item(
                        customerId: "k-d",
                        customerName: "客户k-d",
                        ownerId: "rep-2",
                        productLine: "M8 bolts",
                        purchases: 3,
                        medianGapDays: 31,
                        lastPurchaseOn: "2026-10-15",
                        nextExpectedOn: "2026-11-15",
                        status: "overdue",
                        openDeal: false
                    ),
                    Item(
                        customerId: "k-a",
                        customerName: "客户k-a",
                        ownerId: "rep-1",
                        productLine: "M8 bolts",
                        purchases: 3,
                        medianGapDays: 31,
                        lastPurchaseOn: "2026-11-01",
                        nextExpectedOn: "2026-12-02",
                        status: "upcoming",
                        openDeal: false
                    ),
                ]
            )
            #expect(try await report("rep-1").items.map(\.customerId) == ["k-b", "k-a"])
            #expect(try await report("rep-2").items.map(\.customerId) == ["k-d"])
            #expect(try await report("rep-north").items.isEmpty)
        }
    }
}
