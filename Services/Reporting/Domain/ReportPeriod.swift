import Contracts
import Foundation

/// A half-open span of time `[start, end)` that a report covers, built from Asia/Shanghai calendar dates: "November"
/// and "this month" are where the business is, not UTC, so a contract signed 2026-11-30T16:30Z (00:30 on
/// 1 December in Shanghai) belongs to December.
struct ReportPeriod: Sendable, Equatable {
    /// The first instant in the period.
    var start: Date
    /// The first instant after the period.
    var end: Date

    private static var calendar: Calendar { BusinessCalendar.calendar }

    /// The calendar month `month` (`YYYY-MM`), or the current Shanghai month when it is `nil`.
    /// - Returns: the month as `YYYY-MM` and its period.
    /// - Throws: a 422 problem naming `field` when the text is not a month.
    static func month(_ month: String?, now: Date = Date(), field: String = "month") throws(Problem) -> (label: String, period: ReportPeriod) {
        let year: Int
        let number: Int
        if let month {
            guard let parsed = BusinessCalendar.month(month) else {
                throw Problem.validation([.init(field: field, message: "must be a month written YYYY-MM, e.g. 2026-11")])
            }
            (year, number) = parsed
        } else {
            let today = calendar.dateComponents([.year, .month], from: now)
            (year, number) = (today.year ?? 1970, today.month ?? 1)
        }
        let start = instant(year: year, month: number, day: 1)
        let end = number == 12 ? instant(year: year + 1, month: 1, day: 1) : instant(year: year, month: number + 1, day: 1)
        return ("\(year)-\(number < 10 ? "0" : "")\(number)", ReportPeriod(start: start, end: end))
    }

    /// The days `from` through `to` (`YYYY-MM-DD`, both inclusive); a missing bound defaults to the first or last
    /// day of the current Shanghai month.
    /// - Throws: a 422 problem when a bound is not a date or `to` comes before `from`.
    static func days(from: String?, to: String?, now: Date = Date()) throws(Problem) -> ReportPeriod {
        let currentMonth = try month(nil, now: now).period
        var errors: [Problem.FieldError] = []
        func day(_ text: String?, field: String) -> Date? {
            guard let text else { return nil }
            guard let parsed = CalendarDay(text) else {
                errors.append(.init(field: field, message: "must be a date written YYYY-MM-DD, e.g. 2026-11-30"))
                return nil
            }
            return BusinessCalendar.start(of: parsed)
        }
        let start = day(from, field: "from") ?? currentMonth.start
        let lastDay = day(to, field: "to")
        guard errors.isEmpty else { throw Problem.validation(errors) }
        let end = lastDay.flatMap { calendar.date(byAdding: .day, value: 1, to: $0) } ?? currentMonth.end
        guard start < end else { throw Problem.validation([.init(field: "to", message: "must not be before from")]) }
        return ReportPeriod(start: start, end: end)
    }

    /// The period as Asia/Shanghai days, `YYYY-MM-DD`: the first day and the first day after it (exclusive), as the
    /// daily aggregates (reporting migration 0011) are keyed. Every period starts and ends on a Shanghai midnight.
    var days: (first: String, end: String) {
        (BusinessCalendar.day(of: start).description, BusinessCalendar.day(of: end).description)
    }

    /// The whole Shanghai months inside the period, as the first day of the first one and the first day after the last
    /// one (`YYYY-MM-DD`; `from == to` when there is none), for the monthly rollups (reporting migration 0015): a range
    /// sums those months there and only the days before `from` and from `to` on in the daily aggregates. Ranges are
    /// half open: the daily parts are `[days.first, from)` and `[to, days.end)`, each empty when reversed.
    var wholeMonths: (from: String, to: String) {
        let first = BusinessCalendar.day(of: start)
        let last = BusinessCalendar.day(of: end)
        let from =
            first.day == 1
            ? first
            : first.month == 12 ? CalendarDay(year: first.year + 1, month: 1, day: 1) : CalendarDay(year: first.year, month: first.month + 1, day: 1)
        let to = CalendarDay(year: last.year, month: last.month, day: 1)
        return to < from ? (from.description, from.description) : (from.description, to.description)
    }

    private static func instant(year: Int, month: Int, day: Int) -> Date {
        BusinessCalendar.start(of: CalendarDay(year: year, month: month, day: day))
    }
}
