public import Foundation

/// A calendar day in Asia/Shanghai.
public struct CalendarDay: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `yyyy-MM-dd`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        self.init(year: parts[0], month: parts[1], day: parts[2])
    }

    public var description: String {
        String(format: "%04d-%02d-%02d", year, month, day)
    }

    public static func < (lhs: CalendarDay, rhs: CalendarDay) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
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
public struct WorkingCalendar: Sendable {
    /// Days off that would otherwise be working days.
    public var holidays: Set<CalendarDay>
    /// Weekend days that are worked.
    public var workdays: Set<CalendarDay>

    /// The business time zone.
    public static let timeZone = TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3600)!

    public init(holidays: Set<CalendarDay> = [], workdays: Set<CalendarDay> = []) {
        self.holidays = holidays
        self.workdays = workdays
    }

    private static var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// The Shanghai calendar day an instant falls on.
    public static func day(of instant: Date) -> CalendarDay {
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        return CalendarDay(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1)
    }

    /// Whether a day is worked.
    public func isWorkingDay(_ day: CalendarDay) -> Bool {
        if workdays.contains(day) { return true }
        if holidays.contains(day) { return false }
        guard let date = Self.calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day)) else { return false }
        return !Self.calendar.isDateInWeekend(date)
    }

    /// Working days between two instants (see the type's definition); 0 when `end` is not after `start`.
    public func workingDays(from start: Date, to end: Date) -> Double {
        guard end > start else { return 0 }
        let calendar = Self.calendar
        var seconds: TimeInterval = 0
        var dayStart = calendar.startOfDay(for: start)
        while dayStart < end {
            guard let next = calendar.date(byAdding: .day, value: 1, to: dayStart) else { break }
            if isWorkingDay(Self.day(of: dayStart)) {
                let overlap = min(next, end).timeIntervalSince(max(dayStart, start))
                if overlap > 0 { seconds += overlap }
            }
            dayStart = next
        }
        return seconds / 86_400
    }
}
