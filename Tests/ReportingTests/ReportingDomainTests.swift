import Contracts
import Foundation
import Testing

@testable import Reporting

@Suite("Reporting domain rules")
struct ReportingDomainTests {
    static func instant(_ text: String) -> Date {
        (try? Date(text, strategy: Date.ISO8601FormatStyle())) ?? .distantPast
    }

    @Test(
        "percentages are exact, two decimals, rounded half away from zero",
        arguments: [
            (Int64(30_000), Int64(80_000), "37.50"), (1, 3, "33.33"), (2, 3, "66.67"), (-1, 3, "-33.33"), (1, 8, "12.50"),
            (0, 5, "0.00"), (1, 20_000, "0.01"), (1, 20_001, "0.00"), (5, 5, "100.00"),
            (Int64.max / 2, Int64.max / 2, "100.00"),
        ]
    )
    func exactPercent(part: Int64, whole: Int64, expected: String) {
        #expect(Ratio.percent(part, of: whole) == expected)
    }

    @Test("a share of nothing has no percentage")
    func percentOfZero() {
        #expect(Ratio.percent(1, of: 0) == nil)
    }

    @Test("a month runs from Shanghai midnight to Shanghai midnight")
    func monthBoundaries() throws {
        let (label, november) = try ReportPeriod.month("2026-11")
        #expect(label == "2026-11")
        #expect(november.start == Self.instant("2026-10-31T16:00:00Z"))
        #expect(november.end == Self.instant("2026-11-30T16:00:00Z"))
        let december = try ReportPeriod.month("2026-12").period
        #expect(december.end == Self.instant("2026-12-31T16:00:00Z"))
    }

    @Test("the default month is the current Shanghai month")
    func defaultMonth() throws {
        // 2026-11-30T16:30Z is already 1 December in Shanghai.
        #expect(try ReportPeriod.month(nil, now: Self.instant("2026-11-30T16:30:00Z")).label == "2026-12")
        let days = try ReportPeriod.days(from: nil, to: nil, now: Self.instant("2026-11-30T16:30:00Z"))
        #expect(days == (try ReportPeriod.month("2026-12").period))
    }

    @Test("a malformed month is refused", arguments: ["2026-13", "2026-1", "26-11", "2026-11-01", "abcd-ef", "2026-00", ""])
    func malformedMonth(text: String) {
        #expect(throws: Problem.self) { try ReportPeriod.month(text) }
    }

    @Test("date ranges are inclusive Shanghai days; impossible dates and reversed ranges are refused")
    func dateRanges() throws {
        let period = try ReportPeriod.days(from: "2026-11-01", to: "2026-11-30")
        #expect(period == (try ReportPeriod.month("2026-11").period))
        let oneDay = try ReportPeriod.days(from: "2026-02-28", to: "2026-02-28")
        #expect(oneDay.end.timeIntervalSince(oneDay.start) == 86_400)
        for (from, to) in [("2026-02-30", "2026-03-01"), ("2026-11-30", "2026-11-01"), ("2026/11/01", "2026-11-30"), ("2026-11-01", "tomorrow")] {
            do {
                _ = try ReportPeriod.days(from: from, to: to)
                Issue.record("\(from)…\(to) was accepted")
            } catch {
                #expect(error.status == 422)
            }
        }
    }

    @Test(
        "a range's whole months are those it fully covers; the days around them are left to the daily aggregates",
        arguments: [
            ("2025-12-01", "2026-11-30", "2025-12-01", "2026-12-01"),
            ("2025-12-05", "2026-11-30", "2026-01-01", "2026-12-01"),
            ("2025-12-05", "2026-11-17", "2026-01-01", "2026-11-01"),
            ("2025-12-31", "2026-01-01", "2026-01-01", "2026-01-01"),
            ("2026-11-05", "2026-11-20", "2026-12-01", "2026-12-01"),
            ("2026-11-01", "2026-11-20", "2026-11-01", "2026-11-01"),
            ("2026-11-01", "2026-11-30", "2026-11-01", "2026-12-01"),
        ]
    )
    func wholeMonths(from: String, to: String, monthsFrom: String, monthsTo: String) throws {
        let split = try ReportPeriod.days(from: from, to: to).split
        let end = try ReportPeriod.days(from: from, to: to).days.end
        if monthsFrom == monthsTo {
            #expect(split.months.first == split.months.end, "no whole month")
            #expect(split.head == (from, end))
        } else {
            #expect(split.months == (monthsFrom, monthsTo))
            #expect(split.head == (from, monthsFrom))
            #expect(split.tail == (monthsTo, end))
        }
    }

    @Test("a deal counts at its deepest stage and every stage before it")
    func funnelDepth() {
        #expect(Funnel.deepestStage(reached: [.lead], signed: false) == .lead)
        #expect(Funnel.deepestStage(reached: [.lead, .qualified, .lost], signed: false) == .qualified)
        // A skipped stage still counts: reaching `quoted` means having been qualified.
        #expect(Funnel.deepestStage(reached: [.lead, .quoted], signed: false) == .quoted)
        #expect(Funnel.deepestStage(reached: [.lead, .contract], signed: false) == .contract)
        #expect(Funnel.deepestStage(reached: [.lead, .contract], signed: true) == .won)
        #expect(Funnel.deepestStage(reached: [.delivered], signed: false) == .won)
        #expect(Funnel.deepestStage(reached: [.paid], signed: false) == .won)

        var funnel = Funnel()
        for stage in [Funnel.Stage.lead, .qualified, .contract, .won] { funnel.add(deepest: stage) }
        #expect(Funnel.Stage.allCases.map(funnel.count) == [4, 3, 2, 2, 1])
        #expect(Funnel.Stage.allCases.map(funnel.conversionFromPrevious) == ["100.00", "75.00", "66.67", "100.00", "50.00"])
        #expect(Funnel().conversionFromPrevious(.qualified) == nil)
    }
}
