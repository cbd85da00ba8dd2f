import Contracts

/// Re-purchase expectations (复购预测) and renewal reminders, from signed contracts. Pure rules; no I/O.
///
/// A *purchase* of a product line by a customer is a distinct Asia/Shanghai day on which a contract with that line
/// was signed for the customer (two contracts signed the same day are one purchase). Once a customer has bought a line
/// at least three times (two gaps or more), its usual interval is the median gap in days between consecutive purchases
/// (with an even number of gaps, the mean of the middle two, rounded half up), and the next order is expected on the
/// last purchase + the median gap.
///
/// With `remindDays` = `REPURCHASE_REMIND_DAYS` (default 7) and today `T`:
/// - `upcoming` when `next − remindDays ≤ T ≤ next`;
/// - `overdue` when `T > next` (the status shows regardless; the reminder is sent only when the customer has no open
///   deal);
/// - `expected` otherwise (further away).
/// A contract with an end date is due for a `renewal` reminder when `T ≤ endsOn ≤ T + remindDays`.
enum Repurchase {
    /// Where an expected order stands today.
    enum Status: String, Sendable, Codable {
        case expected, upcoming, overdue
    }

    /// A customer's usual interval for a line.
    struct Expectation: Sendable, Equatable {
        var purchases: Int
        var medianGapDays: Int
        var lastOn: CalendarDay
        var nextOn: CalendarDay
    }

    /// The median of `gaps` (non-empty), halves of an even count rounded up.
    static func median(_ gaps: [Int]) -> Int? {
        guard !gaps.isEmpty else { return nil }
        let sorted = gaps.sorted()
        let middle = sorted.count / 2
        if sorted.count % 2 == 1 { return sorted[middle] }
        let sum = sorted[middle - 1] + sorted[middle]
        return sum >= 0 ? (sum + 1) / 2 : sum / 2
    }

    /// The expectation from the days a customer bought a line on; `nil` below three purchases.
    static func expectation(purchaseDays: [CalendarDay]) -> Expectation? {
        let days = Set(purchaseDays).sorted()
        guard days.count >= 3, let last = days.last else { return nil }
        let gaps = zip(days.dropFirst(), days).map { $0.dayNumber - $1.dayNumber }
        guard let gap = median(gaps) else { return nil }
        return Expectation(purchases: days.count, medianGapDays: gap, lastOn: last, nextOn: last.adding(days: gap))
    }

    /// The status of an order expected on `next`, today.
    static func status(next: CalendarDay, today: CalendarDay, remindDays: Int) -> Status {
        if today > next { return .overdue }
        return next.dayNumber - today.dayNumber <= remindDays ? .upcoming : .expected
    }

    /// The reminder an expected order calls for today, if any: `upcoming` inside the window, `overdue` past it when
    /// the customer has no open deal.
    static func reminder(next: CalendarDay, today: CalendarDay, remindDays: Int, hasOpenDeal: Bool) -> RepurchaseReminder.Kind? {
        switch status(next: next, today: today, remindDays: remindDays) {
        case .upcoming: return .upcoming
        case .overdue: return hasOpenDeal ? nil : .overdue
        case .expected: return nil
        }
    }

    /// Whether a contract ending on `endsOn` is due for its renewal reminder today.
    static func renewalDue(endsOn: CalendarDay, today: CalendarDay, remindDays: Int) -> Bool {
        let left = endsOn.dayNumber - today.dayNumber
        return left >= 0 && left <= remindDays
    }
}

extension CalendarDay {
    /// Days since 1970-01-01 in the proleptic Gregorian calendar (integer arithmetic, no time zone involved: the day
    /// is already a Shanghai day).
    var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The day `number` days after 1970-01-01.
    init(dayNumber number: Int) {
        let z = number + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month: month, day: day)
    }

    /// The day `days` later (earlier when negative).
    func adding(days: Int) -> CalendarDay { CalendarDay(dayNumber: dayNumber + days) }
}
