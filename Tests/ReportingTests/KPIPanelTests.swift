import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Reporting

/// The KPI panel of issue 12 (`reporting.kpis`) on a fixture whose every expected figure was worked out by hand,
/// in the comments next to it.
@Suite("KPI panel")
struct KPIPanelTests {
    static func instant(_ text: String) -> Date {
        (try? Date(text, strategy: Date.ISO8601FormatStyle())) ?? .distantPast
    }

    /// "Now" is Tuesday 10 November 2026, 12:00 in Shanghai: the month so far runs 1–10 November.
    static let now = instant("2026-11-10T04:00:00Z")
    /// Wednesday 4 November is a (company) holiday in this fixture's calendar.
    static let calendar = WorkingCalendar(holidays: [CalendarDay(year: 2026, month: 11, day: 4)])

    /// Runs `body` with reporting on a schema of its own, the fixture's clock and holiday calendar.
    func withService(_ body: @Sendable (RPCHarness) async throws -> Void) async throws {
        try await RPCHarness.with(
            ReportingService.name,
            migrationsDirectory: ReportingService.migrationsDirectory,
            router: {
                ReportingService.rpcRouter(postgres: $0, logger: $1, settings: ReportingSettings(), now: { Self.now }, calendar: Self.calendar)
            },
            events: { ReportingService.eventHandlers(logger: $0) },
            body
        )
    }

    // MARK: The panel as the client reads it

    struct Span: Decodable, Equatable {
        var from: String
        var to: String
        var workingDays: Int
        var repDays: Int
        var userDays: Int
        var repShare: String?
        var userShare: String?
    }

    struct DailyActive: Decodable {
        var target: String
        var status: String?
        var from: String
        var to: String
        var workingDays: Int
        var activeReps: Int
        var activeUsers: Int
        var repShare: String?
        var userShare: String?
        var weeks: [Span]
        var days: [Span]
        var records: String
    }

    struct Cohort: Decodable, Equatable {
        var month: String
        var leads: Int
        var signed: Int
        var rate: String?
        var lastYearMonth: String
        var lastYearLeads: Int
        var lastYearSigned: Int
        var lastYearRate: String?
        var change: String?
        var records: String
    }

    struct Conversion: Decodable {
        var target: String
        var status: String?
        var overall: Cohort
        var cohorts: [Cohort]
        var records: String
    }

    struct ApprovalTime: Decodable {
        var target: String
        var status: String?
        var decided: Int
        var averageWorkingDays: String?
        var breaching: Int
        var breachShare: String?
        var records: String
    }

    struct Panel: Decodable {
        var month: String
        var dailyActive: DailyActive
        var conversion: Conversion
        var approvalTime: ApprovalTime
    }

    func panel(as caller: String, query: String? = nil, _ service: RPCHarness) async throws -> Panel {
        let response = await service.call(KPIsHandler.operation, as: Org.identity(caller), query: query)
        #expect(response.status == 200, "\(response.text)")
        return try response.decode(Panel.self)
    }

    // MARK: Fixture events

    /// `user.active` as the gateway publishes it: the first authenticated request of a Shanghai day.
    func active(_ userID: String, _ day: String, _ service: RPCHarness) async throws {
        let user = Org.user(userID)
        let sequence = Int64(CalendarDay(day)?.day ?? 0)
        try await service.deliver(UserActive(userID: userID, role: user.role, region: user.region, day: day), subject: userID, sequence: sequence)
    }

    func login(_ userID: String, at time: String, sequence: Int64, _ service: RPCHarness) async throws {
        let user = Org.user(userID)
        var envelope = try EventEnvelope(
            UserLoggedIn(userID: userID, role: user.role, region: user.region),
            source: "gateway",
            subject: userID,
            sequence: sequence
        )
        envelope.time = Self.instant(time)
        try await service.deliver(envelope)
    }

    /// A deal created at `created` by `owner`; `won` signs a contract for it, `paid` moves it to `paid` instead.
    func deal(
        _ id: String,
        created: String,
        owner: String = "rep-1",
        region: String = "east-china",
        won: Bool = false,
        lost: Bool = false,
        _ service: RPCHarness
    ) async throws {
        func change(_ from: DealStage?, _ to: DealStage, _ sequence: Int64) async throws {
            let event = DealStageChanged(
                dealID: id,
                customerID: "c-\(id)",
                ownerID: owner,
                region: region,
                from: from,
                to: to,
                lostReason: to == .lost ? "price" : nil,
                at: Self.instant(created).addingTimeInterval(Double(sequence) * 86_400)
            )
            try await service.deliver(event, subject: id, sequence: sequence)
        }
        try await change(nil, .lead, 1)
        if won {
            try await change(.lead, .contract, 2)
            let contract = ContractSigned(
                contractID: "k-\(id)",
                number: "HT-\(id)",
                dealID: id,
                ownerID: owner,
                region: region,
                amountFen: 100_000,
                lines: [],
                signedAt: Self.instant(created).addingTimeInterval(3 * 86_400)
            )
            try await service.deliver(contract, source: "deals", subject: "k-\(id)", sequence: 5)
        }
        if lost { try await change(.lead, .lost, 2) }
    }

    func approval(
        _ id: String,
        _ outcome: ApprovalOutcome,
        requested: String,
        completed: String,
        days: Double,
        submitter: String = "rep-1",
        subject: ApprovalSubjectType? = nil,
        _ service: RPCHarness
    ) async throws {
        let event = ApprovalCompleted(
            approvalID: id,
            contractID: "contract-\(id)",
            contractNumber: "HT-\(id)",
            submitterID: submitter,
            outcome: outcome,
            comment: nil,
            requestedAt: Self.instant(requested),
            completedAt: Self.instant(completed),
            workingDays: days,
            subjectType: subject
        )
        try await service.deliver(event, subject: id, sequence: 4)
    }

    @Test("the three KPIs of a hand-worked fixture: daily active by working day, week and month, conversion by cohort year on year, approval time")
    func handWorkedFixture() async throws {
        try await withService { service in
            // 14 users, all active: 7 reps (rep-1, rep-gone, rep-2 … rep-5, rep-north) and 7 others.
            try await Org.seed(service)

            // Daily activity, 1–10 November 2026 (1 Nov is a Sunday; 4 Nov a holiday; "now" is 10 Nov).
            // Mon 2 Nov: rep-1 (a login and an action: once), rep-2, rep-3, sup-1          → 3 reps, 4 users
            try await login("rep-1", at: "2026-11-02T01:00:00Z", sequence: 1, service)
            try await active("rep-1", "2026-11-02", service)
            try await active("rep-2", "2026-11-02", service)
            try await active("rep-3", "2026-11-02", service)
            try await active("sup-1", "2026-11-02", service)
            // Tue 3 Nov: rep-1, rep-2                                                       → 2 reps, 2 users
            try await active("rep-1", "2026-11-03", service)
            try await active("rep-2", "2026-11-03", service)
            // Wed 4 Nov (holiday, not a working day): rep-1 … rep-4 — not counted.
            for rep in ["rep-1", "rep-2", "rep-3", "rep-4"] { try await active(rep, "2026-11-04", service) }
            // Thu 5 Nov: all 7 reps and gm                                                 → 7 reps, 8 users
            for user in ["rep-1", "rep-gone", "rep-2", "rep-3", "rep-4", "rep-5", "rep-north", "gm"] { try await active(user, "2026-11-05", service) }
            // Fri 6 Nov: nobody                                                             → 0 reps, 0 users
            // Sat 7 Nov (weekend): rep-1 — not counted.
            try await active("rep-1", "2026-11-07", service)
            // Mon 9 Nov: rep-1, rep-2, rep-3, rep-4, rep-5, rep-north, rm-east, rm-north   → 6 reps, 8 users
            for user in ["rep-1", "rep-2", "rep-3", "rep-4", "rep-5", "rep-north", "rm-east", "rm-north"] {
                try await active(user, "2026-11-09", service)
            }
            // Tue 10 Nov: rep-1 by a login at 09:00 Shanghai only, rep-2                   → 2 reps, 2 users
            try await login("rep-1", at: "2026-11-10T01:00:00Z", sequence: 2, service)
            try await active("rep-2", "2026-11-10", service)

            // Cohorts (the Shanghai month a deal was created). November 2026's panel covers Dec 2025 … Nov 2026.
            // 2026-09: s1 won (rep-1), s2 won (rep-2), s3 lost (rep-1), s4 open (rep-north)  → 4 leads, 2 signed
            try await deal("s1", created: "2026-09-10T02:00:00Z", won: true, service)
            try await deal("s2", created: "2026-09-11T02:00:00Z", owner: "rep-2", won: true, service)
            try await deal("s3", created: "2026-09-12T02:00:00Z", lost: true, service)
            try await deal("s4", created: "2026-09-13T02:00:00Z", owner: "rep-north", region: "north-china", service)
            // 2025-09: p1 won, p2 … p5 not                                                   → 5 leads, 1 signed
            try await deal("p1", created: "2025-09-10T02:00:00Z", won: true, service)
            for id in ["p2", "p3", "p4", "p5"] { try await deal(id, created: "2025-09-15T02:00:00Z", owner: "rep-2", service) }
            // 2026-10: o1 won — created 2026-09-30T16:30Z, which is 00:30 on 1 October in Shanghai — and o2 open
            //                                                                               → 2 leads, 1 signed
            try await deal("o1", created: "2026-09-30T16:30:00Z", won: true, service)
            try await deal("o2", created: "2026-10-20T02:00:00Z", service)
            // 2025-10: q1, q2 won, q3, q4 not                                                → 4 leads, 2 signed
            try await deal("q1", created: "2025-10-05T02:00:00Z", won: true, service)
            try await deal("q2", created: "2025-10-06T02:00:00Z", won: true, service)
            try await deal("q3", created: "2025-10-07T02:00:00Z", service)
            try await deal("q4", created: "2025-10-08T02:00:00Z", service)
            // 2024-09: too old for either side of the panel (its "last year" starts in December 2024).
            try await deal("x1", created: "2024-09-10T02:00:00Z", won: true, service)

            // Approvals completed in November (durations in working days, as approvals computed them):
            //   a1 approved: Mon 2 Nov 10:00 → Mon 2 Nov 22:00 Shanghai               = 0.5
            //   a2 approved: Mon 2 Nov 10:00 → Tue 3 Nov 22:00                         = 1.5
            //   a3 rejected: Tue 3 Nov 10:00 → Fri 6 Nov 10:00 (Wed 4 Nov is a holiday) = 2.0 (on the line, not a breach)
            //   a4 approved: Thu 5 Nov 10:00 → Tue 10 Nov 10:00 (weekend skipped)      = 3.0 (a breach)
            //   a5 recalled after 10 working days: not decided, not counted
            //   a6 approved in October: another month
            try await approval("a1", .approved, requested: "2026-11-02T02:00:00Z", completed: "2026-11-02T14:00:00Z", days: 0.5, service)
            try await approval("a2", .approved, requested: "2026-11-02T02:00:00Z", completed: "2026-11-03T14:00:00Z", days: 1.5, service)
            try await approval("a3", .rejected, requested: "2026-11-03T02:00:00Z", completed: "2026-11-06T02:00:00Z", days: 2.0, service)
            try await approval(
                "a4",
                .approved,
                requested: "2026-11-05T02:00:00Z",
                completed: "2026-11-10T02:00:00Z",
                days: 3.0,
                submitter: "rep-north",
                service
            )
            try await approval("a5", .recalled, requested: "2026-10-20T02:00:00Z", completed: "2026-11-03T02:00:00Z", days: 10.0, service)
            try await approval("a6", .approved, requested: "2026-10-20T02:00:00Z", completed: "2026-10-28T02:00:00Z", days: 6.0, service)
            // An expense claim and a discount decided by the same service are not contract approvals: not in the KPI.
            try await approval(
                "x1",
                .approved,
                requested: "2026-11-02T02:00:00Z",
                completed: "2026-11-10T02:00:00Z",
                days: 5.0,
                subject: .expenseClaim,
                service
            )
            try await approval(
                "d1",
                .approved,
                requested: "2026-11-02T02:00:00Z",
                completed: "2026-11-10T02:00:00Z",
                days: 5.0,
                subject: .discount,
                service
            )
            // The durations the fixture claims are the calendar's: the same rule, one home.
            #expect(Self.calendar.workingDays(from: Self.instant("2026-11-03T02:00:00Z"), to: Self.instant("2026-11-06T02:00:00Z")) == 2.0)
            #expect(Self.calendar.workingDays(from: Self.instant("2026-11-05T02:00:00Z"), to: Self.instant("2026-11-10T02:00:00Z")) == 3.0)

            let gm = try await panel(as: "gm", service)  // no month: the current Shanghai month, November 2026
            #expect(gm.month == "2026-11")

            // Daily active. Working days so far: 2, 3, 5, 6, 9, 10 November = 6.
            //   week of 2 Nov (2, 3, 5, 6): rep-days 3+2+7+0 = 12 of 7×4 = 28 → 42.857 % → "42.86";
            //                               user-days 4+2+8+0 = 14 of 14×4 = 56 → "25.00"
            //   week of 9 Nov (9, 10):      rep-days 6+2 = 8 of 7×2 = 14 → 57.142 % → "57.14";
            //                               user-days 8+2 = 10 of 14×2 = 28 → 35.714 % → "35.71"
            //   month: rep-days 20 of 7×6 = 42 → 47.619 % → "47.62" (red: below 85 − 8.5 = 76.5);
            //          user-days 24 of 14×6 = 84 → 28.571 % → "28.57"
            let daily = gm.dailyActive
            #expect(daily.target == "85.00")
            #expect(daily.from == "2026-11-01" && daily.to == "2026-11-30")
            #expect(daily.activeReps == 7 && daily.activeUsers == 14)
            #expect(daily.workingDays == 6)
            #expect(daily.repShare == "47.62")
            #expect(daily.userShare == "28.57")
            #expect(daily.status == "red")
            #expect(
                daily.weeks == [
                    Span(from: "2026-11-02", to: "2026-11-06", workingDays: 4, repDays: 12, userDays: 14, repShare: "42.86", userShare: "25.00"),
                    Span(from: "2026-11-09", to: "2026-11-10", workingDays: 2, repDays: 8, userDays: 10, repShare: "57.14", userShare: "35.71"),
                ]
            )
            #expect(daily.days.map(\.from) == ["2026-11-02", "2026-11-03", "2026-11-05", "2026-11-06", "2026-11-09", "2026-11-10"])
            #expect(daily.days.map(\.repDays) == [3, 2, 7, 0, 6, 2])
            #expect(daily.days.map(\.userDays) == [4, 2, 8, 0, 8, 2])
            // 3 of 7 → 42.857 → "42.86"; 7 of 7 → "100.00"
            #expect(daily.days.map(\.repShare) == ["42.86", "28.57", "100.00", "0.00", "85.71", "28.57"])
            #expect(daily.records == "/api/v1/reports/daily-active?from=2026-11-01&to=2026-11-30")

            // Conversion, cohorts December 2025 … November 2026 against December 2024 … November 2025.
            //   2026-09: 2 of 4 = "50.00"; 2025-09: 1 of 5 = "20.00"; change 50/20 − 1 = 1.5 → "150.00"
            //   2026-10: 1 of 2 = "50.00"; 2025-10: 2 of 4 = "50.00"; change "0.00"
            //   every other month: no leads either year → rates and change null
            //   overall: 3 of 6 = "50.00" against 3 of 9 = 33.333 % → "33.33";
            //            change = (3×9 − 6×3) / (6×3) = 9/18 = 0.5 → "50.00" (green: at least +15 %)
            let conversion = gm.conversion
            #expect(conversion.target == "15.00")
            #expect(conversion.status == "green")
            #expect(conversion.cohorts.map(\.month).first == "2025-12" && conversion.cohorts.map(\.month).last == "2026-11")
            #expect(conversion.cohorts.count == 12)
            let september = conversion.cohorts.first { $0.month == "2026-09" }
            #expect(
                september
                    == Cohort(
                        month: "2026-09",
                        leads: 4,
                        signed: 2,
                        rate: "50.00",
                        lastYearMonth: "2025-09",
                        lastYearLeads: 5,
                        lastYearSigned: 1,
                        lastYearRate: "20.00",
                        change: "150.00",
                        records: "/api/v1/reports/funnel?from=2026-09-01&to=2026-09-30"
                    )
            )
            let october = conversion.cohorts.first { $0.month == "2026-10" }
            #expect(october?.leads == 2 && october?.signed == 1 && october?.rate == "50.00")
            #expect(october?.lastYearLeads == 4 && october?.lastYearSigned == 2 && october?.change == "0.00")
            let november = conversion.cohorts.first { $0.month == "2026-11" }
            #expect(november?.leads == 0 && november?.rate == nil && november?.change == nil)
            #expect(conversion.overall.month == "2025-12..2026-11" && conversion.overall.lastYearMonth == "2024-12..2025-11")
            #expect(conversion.overall.leads == 6 && conversion.overall.signed == 3 && conversion.overall.rate == "50.00")
            #expect(conversion.overall.lastYearLeads == 9 && conversion.overall.lastYearSigned == 3 && conversion.overall.lastYearRate == "33.33")
            #expect(conversion.overall.change == "50.00")
            #expect(conversion.records == "/api/v1/reports/funnel?from=2025-12-01&to=2026-11-30")

            // Approval time: decided a1…a4 → (0.5 + 1.5 + 2.0 + 3.0) / 4 = 1.75 → "1.75" (green: at most 2);
            // breaching more than 2 working days: a4 → 1 of 4 = "25.00".
            let approvals = gm.approvalTime
            #expect(approvals.target == "2.00")
            #expect(approvals.decided == 4)
            #expect(approvals.averageWorkingDays == "1.75")
            #expect(approvals.breaching == 1)
            #expect(approvals.breachShare == "25.00")
            #expect(approvals.status == "green")
            #expect(approvals.records == "/api/v1/reports/approval-times?from=2026-11-01&to=2026-11-30")

            // Scoped like the other reports. sup-1's scope: sup-1, rep-1, rep-gone (2 reps, 3 users).
            //   rep-days: 2 Nov rep-1, 3 Nov rep-1, 5 Nov rep-1 + rep-gone, 9 Nov rep-1, 10 Nov rep-1 = 6 of 2×6 = 12 → "50.00"
            //   conversion 2026-09: s1 won, s3 lost → 1 of 2; 2025-09: p1 won → 1 of 1; change 50/100 − 1 → "-50.00" (red)
            //   approvals: a1, a2, a3 (rep-1's) → 4.0 / 3 = 1.333 → "1.33", no breach
            let supervisor = try await panel(as: "sup-1", service)
            #expect(supervisor.dailyActive.activeReps == 2 && supervisor.dailyActive.repShare == "50.00")
            let teamSeptember = supervisor.conversion.cohorts.first { $0.month == "2026-09" }
            #expect(teamSeptember?.leads == 2 && teamSeptember?.signed == 1 && teamSeptember?.change == "-50.00")
            #expect(supervisor.conversion.status == "red")
            #expect(
                supervisor.approvalTime.decided == 3 && supervisor.approvalTime.averageWorkingDays == "1.33" && supervisor.approvalTime.breaching == 0
            )

            // rm-north sees rep-north only: 5 Nov and 9 Nov of 6 working days → 2/6 = 33.33 %; s4 open → 0 of 1, no
            // cohort a year before → change null and no colour; a4 (3.0 days) → "3.00", red (above 2.2).
            let north = try await panel(as: "rm-north", service)
            #expect(north.dailyActive.activeReps == 1 && north.dailyActive.repShare == "33.33")
            #expect(north.conversion.overall.change == nil && north.conversion.status == nil)
            #expect(north.approvalTime.averageWorkingDays == "3.00" && north.approvalTime.status == "red")

            // A past month: all its working days; October 2026 has no activity and a6 (6.0 days, red).
            let past = try await panel(as: "gm", query: "month=2026-10", service)
            #expect(past.dailyActive.workingDays == 22 && past.dailyActive.repShare == "0.00")
            #expect(past.approvalTime.averageWorkingDays == "6.00" && past.approvalTime.status == "red")
        }
    }

    @Test("in production the panel's working days come from the holiday calendar's replica: a holiday and a 调休 Saturday an admin set")
    func workingDaysFromTheReplica() async throws {
        let body: @Sendable (RPCHarness) async throws -> Void = { service in
            // 1–10 November 2026 so far: seven weekdays (2–6, 9, 10; 1 is a Sunday, 7–8 a weekend), no official holiday.
            func workingDays() async throws -> Int? {
                let panel = try await service.call(KPIsHandler.operation, as: Org.identity("gm"), query: "month=2026-11").json()
                guard case .object(let daily)? = panel["dailyActive"], case .integer(let days)? = daily["workingDays"] else { return nil }
                return Int(days)
            }
            #expect(try await workingDays() == 7)
            let holiday = CalendarOverride(day: CalendarDay(year: 2026, month: 11, day: 4), kind: .holiday, name: "厂庆")
            try await service.deliver(CalendarDaySet(holiday), source: "gateway", subject: "2026-11-04", sequence: 1)
            #expect(try await workingDays() == 6)
            let makeUp = CalendarOverride(day: CalendarDay(year: 2026, month: 11, day: 7), kind: .workday, name: "厂庆调休")
            try await service.deliver(CalendarDaySet(makeUp), source: "gateway", subject: "2026-11-07", sequence: 1)
            #expect(try await workingDays() == 7)
        }
        // No calendar given, as in production.
        try await RPCHarness.with(
            ReportingService.name,
            migrationsDirectory: ReportingService.migrationsDirectory,
            router: { ReportingService.rpcRouter(postgres: $0, logger: $1, settings: ReportingSettings(), now: { Self.now }) },
            events: { ReportingService.eventHandlers(logger: $0) },
            body
        )
    }

    @Test("the KPI panel refuses a month that is not YYYY-MM and a caller without identity")
    func validation() async throws {
        try await withService { service in
            let bad = await service.call(KPIsHandler.operation, as: Org.identity("gm"), query: "month=2026-13")
            #expect(bad.status == 422)
            let anonymous = await service.call(KPIsHandler.operation, as: nil as CallerIdentity?, query: "")
            #expect(anonymous.status == 401)
        }
    }

    @Test("green at or better than the target, amber within a tenth of it, red beyond, no colour without a figure")
    func statusRule() {
        // 85 %: amber down to 76.50 %.
        #expect(KPITargets.atLeast(8_500, target: 8_500) == .green)
        #expect(KPITargets.atLeast(7_650, target: 8_500) == .amber)
        #expect(KPITargets.atLeast(7_649, target: 8_500) == .red)
        // +15 %: amber down to +13.50 %.
        #expect(KPITargets.atLeast(1_350, target: 1_500) == .amber)
        #expect(KPITargets.atLeast(1_349, target: 1_500) == .red)
        // 2 working days: amber up to 2.20.
        #expect(KPITargets.atMost(200, target: 200) == .green)
        #expect(KPITargets.atMost(220, target: 200) == .amber)
        #expect(KPITargets.atMost(221, target: 200) == .red)
        #expect(KPITargets.atLeast(nil, target: 8_500) == nil)
    }
}
