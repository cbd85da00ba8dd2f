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

    /// The business time zone.
    static let timeZone = TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3600) ?? .gmt

    private static var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// The calendar month `month` (`YYYY-MM`), or the current Shanghai month when it is `nil`.
    /// - Returns: the month as `YYYY-MM` and its period.
    /// - Throws: a 422 problem naming `field` when the text is not a month.
    static func month(_ month: String?, now: Date = Date(), field: String = "month") throws(Problem) -> (label: String, period: ReportPeriod) {
        let year: Int
        let number: Int
        if let month {
            guard let parsed = parse(month, parts: 2), (1...12).contains(parsed[1]) else {
                throw Problem.validation([.init(field: field, message: "must be a month written YYYY-MM, e.g. 2026-11")])
            }
            (year, number) = (parsed[0], parsed[1])
        } else {
            let today = calendar.dateComponents([.year, .month], from: now)
            (year, number) = (today.year ?? 1970, today.month ?? 1)
        }
        let start = instant(year: year, month: number, day: 1)
        let end = number == 12 ? instant(year: year + 1, month: 1, day: 1) : instant(year: year, month: number + 1, day: 1)
        return (String(format: "%04d-%02d", year, number), ReportPeriod(start: start, end: end))
    }

    /// The days `from` through `to` (`YYYY-MM-DD`, both inclusive); a missing bound defaults to the first or last
    /// day of the current Shanghai month.
    /// - Throws: a 422 problem when a bound is not a date or `to` comes before `from`.
    static func days(from: String?, to: String?, now: Date = Date()) throws(Problem) -> ReportPeriod {
        let currentMonth = try month(nil, now: now).period
        var errors: [Problem.FieldError] = []
        func day(_ text: String?, field: String) -> Date? {
            guard let text else { return nil }
            guard let parts = parse(text, parts: 3), let date = validDay(parts) else {
                errors.append(.init(field: field, message: "must be a date written YYYY-MM-DD, e.g. 2026-11-30"))
                return nil
            }
            return date
        }
        let start = day(from, field: "from") ?? currentMonth.start
        let lastDay = day(to, field: "to")
        guard errors.isEmpty else { throw Problem.validation(errors) }
        let end = lastDay.flatMap { calendar.date(byAdding: .day, value: 1, to: $0) } ?? currentMonth.end
        guard start < end else { throw Problem.validation([.init(field: "to", message: "must not be before from")]) }
        return ReportPeriod(start: start, end: end)
    }

    /// Splits `2026-11` or `2026-11-30` into numbers, insisting on a four-digit year and two-digit month and day.
    private static func parse(_ text: String, parts count: Int) -> [Int]? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == count else { return nil }
        var numbers: [Int] = []
        for (index, part) in parts.enumerated() {
            guard part.count == (index == 0 ? 4 : 2), part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber), let value = Int(part) else {
                return nil
            }
            numbers.append(value)
        }
        return numbers
    }

    /// Midnight in Shanghai of a real calendar day; `nil` for 2026-02-30 and the like.
    private static func validDay(_ parts: [Int]) -> Date? {
        guard (1...12).contains(parts[1]), (1...31).contains(parts[2]) else { return nil }
        let date = instant(year: parts[0], month: parts[1], day: parts[2])
        let back = calendar.dateComponents([.year, .month, .day], from: date)
        guard back.year == parts[0], back.month == parts[1], back.day == parts[2] else { return nil }
        return date
    }

    private static func instant(year: Int, month: Int, day: Int) -> Date {
        calendar.date(from: DateComponents(year: year, month: month, day: day)) ?? Date(timeIntervalSince1970: 0)
    }
}
