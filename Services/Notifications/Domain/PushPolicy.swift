public import Contracts
public import Foundation

/// When a WeCom push may go out (issue 12): pushes wait outside working hours unless the policy calls them urgent.
/// In-app notifications are never delayed; only the `deliveries` row's first due time is.
///
/// The whole rule is ``releaseTime(for:calendar:)`` and the ``urgency`` table, so the durable scheduler's working-time
/// arithmetic can replace the first without touching the handlers.
public enum PushPolicy {
    /// Local working hours in Asia/Shanghai, on working days (``Contracts/WorkingCalendar``): 09:00–18:00.
    public static let workStart = (hour: 9, minute: 0)
    public static let workEnd = (hour: 18, minute: 0)

    /// How urgent a kind of push is.
    public enum Urgency: Sendable, Equatable {
        /// Goes at once, whatever the hour.
        case always
        /// Goes at once when the installment is more than this many days late; otherwise waits like any push.
        case overdueBeyond(days: Int)
    }

    /// The kinds of push that do not wait for working hours; a kind not listed waits.
    ///
    /// - `approval_escalated`: an approval step escalated past its SLA to the next manager up (the kind the approvals
    ///   escalation notification uses) — someone above is now waiting.
    /// - `payment_overdue` more than 15 days late: the threshold at which the supervisor is told too.
    public static let urgency: [String: Urgency] = [
        "approval_escalated": .always,
        "payment_overdue": .overdueBeyond(days: 15),
    ]

    /// Whether a push of `kind` goes at once.
    /// - Parameters:
    ///   - kind: the notification kind (`payment_overdue`, `approval.step_assigned`, …).
    ///   - daysOverdue: for receivables, how many days late the installment is.
    public static func isUrgent(kind: String, daysOverdue: Int? = nil) -> Bool {
        switch urgency[kind] {
        case .always?: true
        case .overdueBeyond(let days)?: (daysOverdue ?? 0) > days
        case nil: false
        }
    }

    /// When a push created at `instant` may be sent: `instant` itself inside working hours on a working day,
    /// otherwise the start of the next working period (the same day's 09:00 before it, the next working day's after it).
    /// - Parameters:
    ///   - instant: when the push was created (its event's time).
    ///   - calendar: which days are worked (holidays and make-up workdays).
    public static func releaseTime(for instant: Date, calendar: WorkingCalendar = WorkingCalendar()) -> Date {
        var day = BusinessCalendar.day(of: instant)
        if calendar.isWorkingDay(day) {
            let start = time(workStart, on: day)
            if instant < start { return start }
            if instant < time(workEnd, on: day) { return instant }
        }
        // A year of days off in a row is not a calendar; give up rather than loop.
        for _ in 0..<366 {
            day = next(day)
            if calendar.isWorkingDay(day) { return time(workStart, on: day) }
        }
        return instant
    }

    /// Whether `instant` is inside working hours (what ``releaseTime(for:calendar:)`` lets through at once).
    public static func isWorkingTime(_ instant: Date, calendar: WorkingCalendar = WorkingCalendar()) -> Bool {
        releaseTime(for: instant, calendar: calendar) == instant
    }

    static func time(_ time: (hour: Int, minute: Int), on day: CalendarDay) -> Date {
        BusinessCalendar.calendar.date(
            from: DateComponents(year: day.year, month: day.month, day: day.day, hour: time.hour, minute: time.minute)
        ) ?? BusinessCalendar.start(of: day)
    }

    static func next(_ day: CalendarDay) -> CalendarDay {
        let noon = BusinessCalendar.start(of: day).addingTimeInterval(36 * 3600)
        return BusinessCalendar.day(of: noon)
    }
}

/// How a service's handlers time their pushes: with quiet hours (production) or at once (unit tests of content).
public struct PushTiming: Sendable {
    /// Whether pushes wait for working hours.
    public var quietHours: Bool
    /// The working days quiet hours use.
    public var calendar: WorkingCalendar

    public init(quietHours: Bool, calendar: WorkingCalendar = WorkingCalendar()) {
        self.quietHours = quietHours
        self.calendar = calendar
    }

    /// Pushes go when created.
    public static let immediate = PushTiming(quietHours: false)

    /// When a push created at `instant` is first due, and whether quiet hours held it: `nil` when it goes at once.
    public func heldUntil(_ instant: Date, kind: String, daysOverdue: Int? = nil) -> Date? {
        guard quietHours, !PushPolicy.isUrgent(kind: kind, daysOverdue: daysOverdue) else { return nil }
        let release = PushPolicy.releaseTime(for: instant, calendar: calendar)
        return release > instant ? release : nil
    }
}
