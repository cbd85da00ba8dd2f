import Contracts
import Foundation

/// One day of the holiday calendar as the API shows it.
struct CalendarEntry: Sendable, Equatable, Encodable {
    var day: CalendarDay
    var kind: CalendarOverride.Kind
    var name: String
    var updatedAt: Date

}

/// The body of `PUT /api/v1/calendar/days/{day}`: what the day is and what it is called.
struct CalendarDayInput: Sendable, Decodable {
    var kind: String?
    var name: String?
}

/// The rules of the holiday calendar an admin maintains.
enum CalendarRules {
    /// The years the calendar holds: far enough back for old contracts, far enough ahead for any plan.
    static let years = 2000...2100

    /// The longest name, in characters.
    static let nameLimit = 50

    /// The `{day}` of a calendar route: a real date in ``years``.
    static func day(_ text: String?) throws(Problem) -> CalendarDay {
        guard let text, let day = CalendarDay(text) else {
            throw Problem.validation([.init(field: "day", message: "must be a real date written YYYY-MM-DD, e.g. 2027-10-01")])
        }
        guard years.contains(day.year) else {
            throw Problem.validation([.init(field: "day", message: "must be in the years \(years.lowerBound)–\(years.upperBound)")])
        }
        return day
    }

    /// The `year` query of the list; the current Shanghai year when absent.
    static func year(_ text: String?, now: Date) throws(Problem) -> Int {
        guard let text else { return BusinessCalendar.year(of: now) }
        guard text.count == 4, let year = Int(text), years.contains(year) else {
            throw Problem.validation([.init(field: "year", message: "must be a year from \(years.lowerBound) to \(years.upperBound)")])
        }
        return year
    }

    /// The override an input sets on `day`, or every problem with it at once. A make-up workday is a worked
    /// Saturday or Sunday: Monday–Friday are worked anyway, so such an override would mean nothing.
    static func entry(_ input: CalendarDayInput, on day: CalendarDay) throws(Problem) -> CalendarOverride {
        var errors: [Problem.FieldError] = []
        let kind = input.kind.flatMap(CalendarOverride.Kind.init(rawValue:))
        if kind == nil {
            errors.append(.init(field: "kind", message: "must be holiday or workday"))
        }
        let name = (input.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty {
            errors.append(.init(field: "name", message: "is required, e.g. 国庆节 or 国庆节调休"))
        } else if name.count > nameLimit {
            errors.append(.init(field: "name", message: "must be at most \(nameLimit) characters"))
        }
        if kind == .workday, !BusinessCalendar.calendar.isDateInWeekend(BusinessCalendar.start(of: day)) {
            errors.append(.init(field: "kind", message: "a make-up workday (调休) must be a Saturday or Sunday; this is a weekday: \(day)"))
        }
        guard let kind, errors.isEmpty else { throw Problem.validation(errors) }
        return CalendarOverride(day: day, kind: kind, name: name)
    }
}
