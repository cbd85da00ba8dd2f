import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Deals

@Suite("Overdue check and the holiday calendar", .timeLimit(.minutes(3)))
struct HolidayOverdueTests {
    /// 09:00 in Shanghai on a day of October 2026.
    static func october(_ day: Int) -> Date {
        BusinessCalendar.start(of: CalendarDay(year: 2026, month: 10, day: day)).addingTimeInterval(9 * 3_600)
    }

    static func working(_ service: RPCHarness, _ day: CalendarDay) async throws -> Bool {
        try await service.client.withConnection { try await CalendarReplica(logger: service.logger).calendar(on: $0) }.isWorkingDay(day)
    }

    @Test("国庆 (seeded) and a holiday the gateway publishes later keep the check quiet; the replica ignores an older event")
    func holidaysFromTheReplica() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            try await Org.seed(service)
            try await ReceivablesFixture(service: service).contract(
                "HT-2026-0901",
                customer: (id: "c-9", name: "苏州精密"),
                owner: "rep-1",
                region: "east-china",
                installments: [("九月", 10_000, "2026-09-25")]
            )
            let job = PaymentOverdueCheckJob.job(repository: ReceivablesRepository(logger: service.logger))
            let first = try await job.runIfDue(now: Self.october(1).addingTimeInterval(30), client: service.client, logger: service.logger)
            #expect(first == .ran(Self.october(1)))
            #expect(try await service.outbox(PaymentOverdue.self).isEmpty, "1 October is a holiday in the seeded 2026 calendar")

            // The gateway makes 8 October a holiday too (a company's extra day off, say).
            let eighth = CalendarDay(year: 2026, month: 10, day: 8)
            try await service.deliver(CalendarDaySet(CalendarOverride(day: eighth, kind: .holiday, name: "公司假日")), subject: "2026-10-08", sequence: 1)
            #expect(try await !Self.working(service, eighth))
            #expect(
                try await job.runIfDue(now: Self.october(8).addingTimeInterval(30), client: service.client, logger: service.logger)
                    == .ran(Self.october(8))
            )
            #expect(try await service.outbox(PaymentOverdue.self).isEmpty, "8 October is now a holiday")

            // Removed (version 2); a late copy of version 1 arriving afterwards changes nothing.
            try await service.deliver(CalendarDayRemoved(day: eighth), subject: "2026-10-08", sequence: 2)
            try await service.deliver(CalendarDaySet(CalendarOverride(day: eighth, kind: .holiday, name: "公司假日")), subject: "2026-10-08", sequence: 1)
            #expect(try await Self.working(service, eighth))

            #expect(
                try await job.runIfDue(now: Self.october(9).addingTimeInterval(30), client: service.client, logger: service.logger)
                    == .ran(Self.october(9))
            )
            let alerts = try await service.outbox(PaymentOverdue.self)
            #expect(!alerts.isEmpty && alerts.allSatisfy { $0.daysOverdue == 14 }, "\(alerts.map(\.daysOverdue))")
        }
    }

    @Test("calendar events from anyone but the gateway are refused")
    func onlyTheGateway() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let day = CalendarDay(year: 2027, month: 1, day: 4)
            _ = try? await service.deliver(
                CalendarDaySet(CalendarOverride(day: day, kind: .holiday, name: "伪造")),
                source: "deals",
                subject: "2027-01-04",
                sequence: 1
            )
            let working = try await Self.working(service, day)
            #expect(working, "a forged calendar.day_set is not applied")
        }
    }
}
