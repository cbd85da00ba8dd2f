public import Foundation

/// Where and when the business is: the Asia/Shanghai time zone, its calendar days and months, and working days.
///
/// Business dates travel as `YYYY-MM-DD` text; "this month" and "working days" are Shanghai's. Every service uses
/// this one calendar, so that a contract signed at 00:30 on 1 December in Shanghai (16:30Z the day before) belongs to
/// December everywhere.
public enum BusinessCalendar {
    /// The business time zone.
    public static let timeZone = TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3600) ?? .gmt

    /// A Gregorian calendar in ``timeZone``.
    public static var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// The Shanghai calendar day an instant falls on.
    public static func day(of instant: Date) -> CalendarDay {
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        return CalendarDay(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1)
    }

    /// The Shanghai calendar year of an instant.
    public static func year(of instant: Date) -> Int { day(of: instant).year }

    /// Midnight in Shanghai at the start of `day`.
    public static func start(of day: CalendarDay) -> Date {
        calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day)) ?? Date(timeIntervalSince1970: 0)
    }

    /// Parses a month written `YYYY-MM` (four-digit year, two-digit month 01–12); `nil` otherwise.
    public static func month(_ text: String) -> (year: Int, month: Int)? {
        guard let parts = numbers(text, count: 2), (1...12).contains(parts[1]) else { return nil }
        return (parts[0], parts[1])
    }

    /// Splits `2026-11` or `2026-11-30` into numbers, insisting on a four-digit year (1900–2999) and two-digit parts.
    static func numbers(_ text: String, count: Int) -> [Int]? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == count else { return nil }
        var numbers: [Int] = []
        for (index, part) in parts.enumerated() {
            guard part.count == (index == 0 ? 4 : 2), part.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }), let value = Int(part)
            else { return nil }
            numbers.append(value)
        }
        guard (1900...2999).contains(numbers[0]) else { return nil }
        return numbers
    }
}

/// A calendar day in Asia/Shanghai, written `YYYY-MM-DD`.
public struct CalendarDay: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public var year: Int
    public var month: Int
    public var day: Int

    /// A day from its numbers (not checked; use ``init(_:)`` for input).
    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`; `nil` unless it is a real calendar day (2026-02-30 is not).
    public init?(_ text: String) {
        guard let parts = BusinessCalendar.numbers(text, count: 3), (1...12).contains(parts[1]), parts[2] >= 1 else { return nil }
        let leap = (parts[0] % 4 == 0 && parts[0] % 100 != 0) || parts[0] % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard parts[2] <= days[parts[1] - 1] else { return nil }
        self.init(year: parts[0], month: parts[1], day: parts[2])
    }

    /// Whether `text` is a real calendar day written `YYYY-MM-DD`.
    public static func isValid(_ text: String) -> Bool { CalendarDay(text) != nil }

    public var description: String {
        let month = self.month < 10 ? "0\(self.month)" : "\(self.month)"
        let day = self.day < 10 ? "0\(self.day)" : "\(self.day)"
        return "\(year)-\(month)-\(day)"
    }

    public static func < (lhs: CalendarDay, rhs: CalendarDay) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let day = CalendarDay(try container.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be a date YYYY-MM-DD")
        }
        self = day
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Working time between two instants, for approval durations.
///
/// **Definition.** A working day is an Asia/Shanghai calendar day that is Monday–Friday and not in the holiday table,
/// or that is in the make-up workday table (调休, a worked Saturday or Sunday). The working days between two instants
/// are the hours of the interval that fall on working days, divided by 24. So a step assigned Friday 17:00 and
/// decided Monday 09:00 took (7 h + 9 h) / 24 ≈ 0.67 working days, and one that waited over a whole weekend or
/// holiday is not charged for it. Whole days rather than office hours keep the figure free of a per-company
/// schedule; "within 2 working days" then means 48 working-day hours.
///
/// **Working time.** For deadlines ("remind after 4 working hours, escalate after 1 working day") the calendar also
/// knows the office hours of a working day (``hours``, ``WorkingHours/standard`` by default: 09:00–12:00 and
/// 13:30–18:00 Asia/Shanghai, 7.5 hours). ``adding(workingSeconds:to:)`` counts only those hours on working days; a
/// working day is ``WorkingHours/secondsPerDay`` of them, so "1 working day after Friday 16:00" is the next working
/// day at 16:00.
public struct WorkingCalendar: Sendable, Equatable {
    /// Days off that would otherwise be working days.
    public var holidays: Set<CalendarDay>
    /// Weekend days that are worked.
    public var workdays: Set<CalendarDay>
    /// The office hours of every working day.
    public var hours: WorkingHours

    /// A calendar with these exceptions to Monday–Friday, and these office hours.
    public init(holidays: Set<CalendarDay> = [], workdays: Set<CalendarDay> = [], hours: WorkingHours = .standard) {
        self.holidays = holidays
        self.workdays = workdays
        self.hours = hours
    }

    /// Whether a day is worked.
    public func isWorkingDay(_ day: CalendarDay) -> Bool {
        if workdays.contains(day) { return true }
        if holidays.contains(day) { return false }
        return !BusinessCalendar.calendar.isDateInWeekend(BusinessCalendar.start(of: day))
    }

    /// Working days between two instants (see the type's definition); 0 when `end` is not after `start`.
    public func workingDays(from start: Date, to end: Date) -> Double {
        guard end > start else { return 0 }
        let calendar = BusinessCalendar.calendar
        var seconds: TimeInterval = 0
        var dayStart = calendar.startOfDay(for: start)
        while dayStart < end {
            guard let next = calendar.date(byAdding: .day, value: 1, to: dayStart) else { break }
            if isWorkingDay(BusinessCalendar.day(of: dayStart)) {
                let overlap = min(next, end).timeIntervalSince(max(dayStart, start))
                if overlap > 0 { seconds += overlap }
            }
            dayStart = next
        }
        return seconds / 86_400
    }
}

extension WorkingCalendar {
    /// The instant `seconds` of office hours (``hours``) on working days after `start`; `start` itself for zero or less.
    ///
    /// Time before, between and after the periods of a day, and on days off, does not count. When the count ends
    /// exactly at the end of a period the result is that end (12:00, not 13:30).
    public func adding(workingSeconds seconds: Int, to start: Date) -> Date {
        guard seconds > 0, !hours.periods.isEmpty else { return start }
        let calendar = BusinessCalendar.calendar
        var remaining = seconds
        var day = BusinessCalendar.day(of: start)
        // Ten years of days off in a row would mean a broken calendar; stop rather than loop for ever.
        for _ in 0..<3_660 {
            if isWorkingDay(day) {
                let midnight = BusinessCalendar.start(of: day)
                for period in hours.periods {
                    let from = max(midnight.addingTimeInterval(Double(period.start * 60)), start)
                    let to = midnight.addingTimeInterval(Double(period.end * 60))
                    guard to > from else { continue }
                    let available = Int(to.timeIntervalSince(from).rounded(.down))
                    if remaining <= available { return from.addingTimeInterval(Double(remaining)) }
                    remaining -= available
                }
            }
            guard let next = calendar.date(byAdding: .day, value: 1, to: BusinessCalendar.start(of: day)) else { break }
            day = BusinessCalendar.day(of: next)
        }
        return start.addingTimeInterval(Double(remaining))
    }

    /// `hours` working hours after `start` (see ``adding(workingSeconds:to:)``).
    public func adding(workingHours: Int, to start: Date) -> Date {
        adding(workingSeconds: workingHours * 3_600, to: start)
    }

    /// `days` working days after `start`: `days` × ``WorkingHours/secondsPerDay`` of office hours on working days.
    public func adding(workingDays days: Int, to start: Date) -> Date {
        adding(workingSeconds: days * hours.secondsPerDay, to: start)
    }

    /// Whether `instant` falls inside office hours on a working day.
    public func isWorkingTime(_ instant: Date) -> Bool {
        let day = BusinessCalendar.day(of: instant)
        guard isWorkingDay(day) else { return false }
        let minute = Int(instant.timeIntervalSince(BusinessCalendar.start(of: day)) / 60)
        return hours.periods.contains { $0.start <= minute && minute < $0.end }
    }
}

/// The office hours of a working day, in Asia/Shanghai local time: one or more periods, in order, not overlapping.
///
/// ``standard`` is 09:00–12:00 and 13:30–18:00 (7.5 hours): the common schedule of a Chinese manufacturer's office
/// with a lunch break. A company with other hours writes them as `09:00-12:00,13:00-17:30` (``init(_:)``).
public struct WorkingHours: Sendable, Equatable, CustomStringConvertible {
    /// One period, in minutes after local midnight: `start` inclusive, `end` exclusive.
    public struct Period: Sendable, Equatable {
        public var start: Int
        public var end: Int

        /// A period from `start` to `end` minutes after midnight.
        public init(start: Int, end: Int) {
            precondition(0 <= start && start < end && end <= 24 * 60, "a period is within one day and not empty")
            self.start = start
            self.end = end
        }
    }

    /// The periods, in order.
    public var periods: [Period]

    /// 09:00–12:00 and 13:30–18:00.
    public static let standard = WorkingHours(periods: [Period(start: 9 * 60, end: 12 * 60), Period(start: 13 * 60 + 30, end: 18 * 60)])

    /// Office hours from periods in order that do not overlap.
    public init(periods: [Period]) {
        precondition(zip(periods, periods.dropFirst()).allSatisfy { $0.end <= $1.start }, "periods are in order and do not overlap")
        self.periods = periods
    }

    /// Parses `HH:MM-HH:MM[,HH:MM-HH:MM…]`; `nil` unless the periods are valid, in order and do not overlap.
    public init?(_ text: String) {
        var periods: [Period] = []
        for part in text.split(separator: ",") {
            let ends = part.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
            guard ends.count == 2, let start = Self.minutes(ends[0]), let end = Self.minutes(ends[1]), start < end,
                periods.last.map({ $0.end <= start }) ?? true
            else { return nil }
            periods.append(Period(start: start, end: end))
        }
        guard !periods.isEmpty else { return nil }
        self.init(periods: periods)
    }

    /// The length of a working day in seconds (7.5 hours for ``standard``).
    public var secondsPerDay: Int { periods.reduce(0) { $0 + ($1.end - $1.start) * 60 } }

    public var description: String {
        periods.map { "\(Self.text($0.start))-\(Self.text($0.end))" }.joined(separator: ",")
    }

    private static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 }), let hour = Int(parts[0]), let minute = Int(parts[1]),
            (0...24).contains(hour), (0...59).contains(minute), hour * 60 + minute <= 24 * 60
        else { return nil }
        return hour * 60 + minute
    }

    private static func text(_ minutes: Int) -> String {
        let hour = minutes / 60
        let minute = minutes % 60
        return "\(hour < 10 ? "0" : "")\(hour):\(minute < 10 ? "0" : "")\(minute)"
    }
}
