import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `reporting.kpis?month=YYYY-MM` (default the current Asia/Shanghai month): the three KPIs of issue 12 on one panel,
/// within the caller's scope, each with its target, its status (``KPITargets``) and a `records` link to the report
/// that lists what is behind the number.
///
/// - **dailyActive**: on each working day of the month so far (``WorkingCalendar``: weekends and holidays skipped),
///   the reps (and all users) in scope who made any authenticated request (a login or `user.active`) as a share of
///   the reps (users) in scope who are active now; by week (Monday to Sunday, cut to the month) and for the month,
///   the average of those daily shares, computed exactly as Σ active ÷ (people × working days). Target 85 %.
/// - **conversion**: for each of the 12 cohort months ending with `month` (the Asia/Shanghai month a deal, i.e. a
///   lead, was created), the leads and how many of them are won (a contract signed, as the funnel counts `won`), the
///   rate, the same month a year before, and `change` = rate ÷ last year's rate − 1; `overall` sums the 12 cohorts.
///   Target +15 %, judged on the overall change.
/// - **approvalTime**: the approvals decided (approved or rejected) in the month: the average in working days and the
///   share breaching 2 working days. Target 2, judged on the average.
///
/// Shares, rates and changes are percent strings with two decimals (``Ratio``); days are strings with two decimals.
/// A figure without a base (no working day yet, no cohort a year before, nothing decided) is `null`, and so is its
/// status.
struct KPIsHandler: Sendable {
    static let operation = "reporting.kpis"
    /// Cohort months on the panel.
    static let cohortMonths = 12

    let postgres: PostgresClient
    let reports: SalesReportsRepository
    let activity: DailyActiveRepository
    /// The working days; `nil` reads the holiday calendar's replica (``Persistence/CalendarReplica``) per request.
    let calendar: WorkingCalendar?
    let now: @Sendable () -> Date

    struct Panel: Encodable {
        var month: String
        var dailyActive: DailyActive
        var conversion: Conversion
        var approvalTime: ApprovalTime
    }

    struct DailyActive: Encodable {
        var target: String
        @ExplicitNull var status: KPIStatus?
        var from: String
        var to: String
        var workingDays: Int
        var activeReps: Int
        var activeUsers: Int
        @ExplicitNull var repShare: String?
        @ExplicitNull var userShare: String?
        var weeks: [Span]
        var days: [Span]
        var records: String
    }

    /// A working day or a week of them.
    struct Span: Encodable {
        var from: String
        var to: String
        var workingDays: Int
        var repDays: Int
        var userDays: Int
        @ExplicitNull var repShare: String?
        @ExplicitNull var userShare: String?
    }

    struct Conversion: Encodable {
        var target: String
        @ExplicitNull var status: KPIStatus?
        var overall: Cohort
        var cohorts: [Cohort]
        var records: String
    }

    struct Cohort: Encodable {
        var month: String
        var leads: Int
        var signed: Int
        @ExplicitNull var rate: String?
        var lastYearMonth: String
        var lastYearLeads: Int
        var lastYearSigned: Int
        @ExplicitNull var lastYearRate: String?
        @ExplicitNull var change: String?
        var records: String
    }

    struct ApprovalTime: Encodable {
        var target: String
        @ExplicitNull var status: KPIStatus?
        var decided: Int
        @ExplicitNull var averageWorkingDays: String?
        var breaching: Int
        @ExplicitNull var breachShare: String?
        var records: String
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = DataScope(try request.requireIdentity())
        let today = now()
        let (label, period) = try ReportPeriod.month(request.query["month"], now: today)
        let first = BusinessCalendar.day(of: period.start)
        let last = BusinessCalendar.day(of: period.end.addingTimeInterval(-1))
        let soFar = min(last, BusinessCalendar.day(of: today))
        let cohortMonths = (0..<Self.cohortMonths).map { Self.month(of: period.start, adding: $0 - Self.cohortMonths + 1) }
        let cohortSpan = ReportPeriod(start: Self.month(of: period.start, adding: 1 - 2 * Self.cohortMonths).start, end: period.end)
        let figures = try await postgres.withConnection { connection in
            var days: [DailyActiveRepository.Day] = []
            if first <= soFar {
                days = try await activity.days(from: first.description, through: soFar.description, scope: scope, on: connection)
            }
            let reps = try await activity.activeUsers(repsOnly: true, scope: scope, on: connection)
            let users = try await activity.activeUsers(repsOnly: false, scope: scope, on: connection)
            let cohorts = try await reports.cohorts(in: cohortSpan, scope: scope, on: connection)
            let approvals = try await reports.approvalFigures(in: period, scope: scope, on: connection)
            var working = calendar
            if working == nil { working = try await CalendarReplica(logger: reports.logger).calendar(on: connection) }
            return (days: days, reps: reps, users: users, cohorts: cohorts, approvals: approvals, calendar: working ?? WorkingCalendar())
        }
        return try .json(
            Panel(
                month: label,
                dailyActive: dailyActive(figures.days, reps: figures.reps, users: figures.users, from: first, to: last, calendar: figures.calendar),
                conversion: conversion(figures.cohorts, months: cohortMonths),
                approvalTime: approvalTime(figures.approvals, from: first, to: last)
            )
        )
    }

    // MARK: Daily active

    private func dailyActive(
        _ days: [DailyActiveRepository.Day],
        reps: Int,
        users: Int,
        from: CalendarDay,
        to: CalendarDay,
        calendar: WorkingCalendar
    ) -> DailyActive {
        let working = days.filter { CalendarDay($0.day).map(calendar.isWorkingDay) ?? false }
        var weeks: [(monday: CalendarDay, days: [DailyActiveRepository.Day])] = []
        for day in working {
            guard let monday = CalendarDay(day.day).map(Self.monday) else { continue }
            if weeks.last?.monday == monday { weeks[weeks.count - 1].days.append(day) } else { weeks.append((monday, [day])) }
        }
        let month = span(working, reps: reps, users: users, from: from.description, to: to.description)
        let share = Ratio.basisPoints(Int128(month.repDays), of: Int128(reps) * Int128(working.count))
        return DailyActive(
            target: Ratio.percentText(basisPoints: KPITargets.dailyActiveShareBasisPoints),
            status: KPITargets.atLeast(share, target: KPITargets.dailyActiveShareBasisPoints),
            from: from.description,
            to: to.description,
            workingDays: working.count,
            activeReps: reps,
            activeUsers: users,
            repShare: month.repShare,
            userShare: month.userShare,
            weeks: weeks.map { span($0.days, reps: reps, users: users, from: $0.days[0].day, to: $0.days[$0.days.count - 1].day) },
            days: working.map { span([$0], reps: reps, users: users, from: $0.day, to: $0.day) },
            records: "/api/v1/reports/daily-active?from=\(from)&to=\(to)"
        )
    }

    private func span(_ days: [DailyActiveRepository.Day], reps: Int, users: Int, from: String, to: String) -> Span {
        let repDays = days.reduce(0) { $0 + $1.activeReps }
        let userDays = days.reduce(0) { $0 + $1.activeUsers }
        return Span(
            from: from,
            to: to,
            workingDays: days.count,
            repDays: repDays,
            userDays: userDays,
            repShare: Ratio.percent(Int64(repDays), of: Int64(reps * days.count)),
            userShare: Ratio.percent(Int64(userDays), of: Int64(users * days.count))
        )
    }

    /// The Monday of the week `day` is in.
    static func monday(_ day: CalendarDay) -> CalendarDay {
        let start = BusinessCalendar.start(of: day)
        let weekday = BusinessCalendar.calendar.component(.weekday, from: start)  // 1 = Sunday … 7 = Saturday
        let back = (weekday + 5) % 7
        return BusinessCalendar.day(of: BusinessCalendar.calendar.date(byAdding: .day, value: -back, to: start) ?? start)
    }

    // MARK: Conversion

    /// The calendar month `offset` months after the one starting at `start`: its label, period and last day.
    static func month(of start: Date, adding offset: Int) -> (label: String, start: Date, end: Date, last: CalendarDay) {
        let calendar = BusinessCalendar.calendar
        let begin = calendar.date(byAdding: .month, value: offset, to: start) ?? start
        let end = calendar.date(byAdding: .month, value: 1, to: begin) ?? begin
        let first = BusinessCalendar.day(of: begin)
        return (
            "\(first.year)-\(first.month < 10 ? "0" : "")\(first.month)", begin, end,
            BusinessCalendar.day(of: end.addingTimeInterval(-1))
        )
    }

    private func conversion(
        _ cohorts: [String: SalesReportsRepository.Cohort],
        months: [(label: String, start: Date, end: Date, last: CalendarDay)]
    ) -> Conversion {
        var rows: [Cohort] = []
        var total = SalesReportsRepository.Cohort()
        var totalLastYear = SalesReportsRepository.Cohort()
        for month in months {
            let lastYear = Self.month(of: month.start, adding: -12)
            let current = cohorts[month.label] ?? .init()
            let before = cohorts[lastYear.label] ?? .init()
            total.leads += current.leads
            total.won += current.won
            totalLastYear.leads += before.leads
            totalLastYear.won += before.won
            rows.append(
                cohort(
                    month.label,
                    current,
                    lastYear.label,
                    before,
                    records: "/api/v1/reports/funnel?from=\(BusinessCalendar.day(of: month.start))&to=\(month.last)"
                )
            )
        }
        let first = months.first
        let last = months.last
        let lastYearFirst = first.map { Self.month(of: $0.start, adding: -12).label } ?? ""
        let lastYearLast = last.map { Self.month(of: $0.start, adding: -12).label } ?? ""
        let overall = cohort(
            "\(first?.label ?? "")..\(last?.label ?? "")",
            total,
            "\(lastYearFirst)..\(lastYearLast)",
            totalLastYear,
            records:
                "/api/v1/reports/funnel?from=\(first.map { BusinessCalendar.day(of: $0.start).description } ?? "")&to=\(last?.last.description ?? "")"
        )
        return Conversion(
            target: Ratio.percentText(basisPoints: KPITargets.conversionChangeBasisPoints),
            status: KPITargets.atLeast(Self.change(total, against: totalLastYear), target: KPITargets.conversionChangeBasisPoints),
            overall: overall,
            cohorts: rows,
            records: overall.records
        )
    }

    private func cohort(
        _ month: String,
        _ now: SalesReportsRepository.Cohort,
        _ lastMonth: String,
        _ before: SalesReportsRepository.Cohort,
        records: String
    ) -> Cohort {
        Cohort(
            month: month,
            leads: now.leads,
            signed: now.won,
            rate: Ratio.percent(Int64(now.won), of: Int64(now.leads)),
            lastYearMonth: lastMonth,
            lastYearLeads: before.leads,
            lastYearSigned: before.won,
            lastYearRate: Ratio.percent(Int64(before.won), of: Int64(before.leads)),
            change: Self.change(now, against: before).map { Ratio.percentText(basisPoints: $0) },
            records: records
        )
    }

    /// rate ÷ last year's rate − 1 in basis points, exactly: (won × lastLeads − leads × lastWon) ÷ (leads × lastWon);
    /// `nil` when either rate is undefined or last year's is zero.
    static func change(_ now: SalesReportsRepository.Cohort, against before: SalesReportsRepository.Cohort) -> Int64? {
        let base = Int128(now.leads) * Int128(before.won)
        guard base != 0 else { return nil }
        return Ratio.basisPoints(Int128(now.won) * Int128(before.leads) - base, of: base)
    }

    // MARK: Approval time

    private func approvalTime(_ figures: SalesReportsRepository.ApprovalFigures, from: CalendarDay, to: CalendarDay) -> ApprovalTime {
        let decided = figures.approved + figures.rejected
        let breaching = decided - figures.withinTwoWorkingDays
        let average = ApprovalTimesHandler.days(figures.averageWorkingDays)
        let hundredths = figures.averageWorkingDays.map { Int64(($0 * 100).rounded()) }
        return ApprovalTime(
            target: ApprovalTimesHandler.days(Double(KPITargets.approvalWorkingDays)) ?? "",
            status: KPITargets.atMost(hundredths, target: KPITargets.approvalWorkingDaysHundredths),
            decided: decided,
            averageWorkingDays: average,
            breaching: breaching,
            breachShare: Ratio.percent(Int64(breaching), of: Int64(decided)),
            records: "/api/v1/reports/approval-times?from=\(from)&to=\(to)"
        )
    }
}
