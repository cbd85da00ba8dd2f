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

    /// The period cut into whole months, head and tail (``Split``).
    var split: Split { Split(self) }

    private static func instant(year: Int, month: Int, day: Int) -> Date {
        BusinessCalendar.start(of: CalendarDay(year: year, month: month, day: day))
    }
}

extension ReportPeriod {

    /// A period cut into its whole Shanghai calendar months and the days before (head) and after (tail) them: the
    /// reports read the months from a monthly rollup and only the head and tail from the daily aggregate (reporting
    /// migrations 0014 and 0015). Each range is `YYYY-MM-DD` days, first inclusive, end exclusive; an empty range has
    /// `first == end`. A period within one month (or without a whole month) is all head.
    struct Split: Sendable, Equatable {
        var head: (first: String, end: String)
        var months: (first: String, end: String)
        var tail: (first: String, end: String)

        static func == (lhs: Split, rhs: Split) -> Bool {
            lhs.head == rhs.head && lhs.months == rhs.months && lhs.tail == rhs.tail
        }

        init(head: (first: String, end: String), months: (first: String, end: String), tail: (first: String, end: String)) {
            self.head = head
            self.months = months
            self.tail = tail
        }

        init(_ period: ReportPeriod) {
            let (first, end) = period.days
            self.init(first: first, end: end)
        }

        /// - Parameters: first, end: `YYYY-MM-DD`, `first` < `end`.
        init(first: String, end: String) {
            guard let start = CalendarDay(first), let stop = CalendarDay(end) else {
                self.init(head: (first, end), months: (end, end), tail: (end, end))
                return
            }
            let monthsFirst =
                start.day == 1
                ? start
                : start.month == 12
                    ? CalendarDay(year: start.year + 1, month: 1, day: 1) : CalendarDay(year: start.year, month: start.month + 1, day: 1)
            let monthsEnd = CalendarDay(year: stop.year, month: stop.month, day: 1)
            guard monthsFirst < monthsEnd else {
                self.init(head: (first, end), months: (end, end), tail: (end, end))
                return
            }
            self.init(
                head: (first, monthsFirst.description),
                months: (monthsFirst.description, monthsEnd.description),
                tail: (monthsEnd.description, end)
            )
        }

        /// The same days with only the whole months that end on or before `today` left in ``months``; the later ones
        /// join the tail (`months.end` moves back, `tail.first` with it). For a rollup whose monthly sums hold only while
        /// every day of the month is today or earlier (reporting migration 0020).
        func monthsEnding(onOrBefore today: CalendarDay) -> Split {
            let next = today.adding(days: 1)
            let cutoff = CalendarDay(year: next.year, month: next.month, day: 1).description
            // `YYYY-MM-DD` strings order as the days do.
            let monthsEnd = max(months.first, min(months.end, cutoff))
            return Split(head: head, months: (months.first, monthsEnd), tail: (monthsEnd, tail.end))
        }
    }
}
