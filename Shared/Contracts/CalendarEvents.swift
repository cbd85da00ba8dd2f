/// One day that differs from the Monday–Friday rule: a public holiday (a day off) or a make-up workday (调休, a worked
/// Saturday or Sunday). The holiday calendar is the set of these; the gateway owns it and admins maintain it.
public struct CalendarOverride: Codable, Sendable, Equatable, Hashable {
    /// What the day is.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// A day off (法定节假日), whatever weekday it falls on.
        case holiday
        /// A worked weekend day (调休上班).
        case workday
    }

    public var day: CalendarDay
    public var kind: Kind
    /// What the day is called, e.g. 国庆节 or 国庆节调休.
    public var name: String

    public init(day: CalendarDay, kind: Kind, name: String) {
        self.day = day
        self.kind = kind
        self.name = name
    }
}

extension WorkingCalendar {
    /// A calendar with these overrides as its exceptions to Monday–Friday.
    public init(overrides: some Sequence<CalendarOverride>, hours: WorkingHours = .standard) {
        var holidays: Set<CalendarDay> = []
        var workdays: Set<CalendarDay> = []
        for entry in overrides {
            switch entry.kind {
            case .holiday: holidays.insert(entry.day)
            case .workday: workdays.insert(entry.day)
            }
        }
        self.init(holidays: holidays, workdays: workdays, hours: hours)
    }
}

/// The official calendar the system ships with; later years are entered by an admin (`PUT /api/v1/calendar/days/{day}`).
public enum OfficialHolidays {
    /// 2026, from the State Council General Office's notice on the 2026 holiday arrangements
    /// (国务院办公厅关于2026年部分节假日安排的通知, 国办发明电〔2025〕7号): 元旦 1–3 Jan (4 Jan worked); 春节 15–23 Feb
    /// (14 and 28 Feb worked); 清明 4–6 Apr; 劳动节 1–5 May (9 May worked); 端午 19–21 Jun; 中秋 25–27 Sep;
    /// 国庆 1–7 Oct (20 Sep and 10 Oct worked).
    ///
    /// Every schema's calendar replica is seeded from this list by kit migration `kit_0007_timers` (and the gateway's
    /// own table from that), so it must never be edited: a landed migration's checksum would change.
    public static let year2026: [CalendarOverride] = {
        let holidays: [(String, [String])] = [
            ("元旦", ["01-01", "01-02", "01-03"]),
            ("春节", ["02-15", "02-16", "02-17", "02-18", "02-19", "02-20", "02-21", "02-22", "02-23"]),
            ("清明节", ["04-04", "04-05", "04-06"]),
            ("劳动节", ["05-01", "05-02", "05-03", "05-04", "05-05"]),
            ("端午节", ["06-19", "06-20", "06-21"]),
            ("中秋节", ["09-25", "09-26", "09-27"]),
            ("国庆节", ["10-01", "10-02", "10-03", "10-04", "10-05", "10-06", "10-07"]),
        ]
        let workdays: [(String, [String])] = [
            ("元旦调休", ["01-04"]),
            ("春节调休", ["02-14", "02-28"]),
            ("劳动节调休", ["05-09"]),
            ("国庆节调休", ["09-20", "10-10"]),
        ]
        func days(_ list: [(String, [String])], _ kind: CalendarOverride.Kind) -> [CalendarOverride] {
            list.flatMap { name, days in
                days.compactMap { CalendarDay("2026-\($0)").map { CalendarOverride(day: $0, kind: kind, name: name) } }
            }
        }
        return (days(holidays, .holiday) + days(workdays, .workday)).sorted { $0.day < $1.day }
    }()
}

/// A `calendar.*` event: the holiday calendar belongs to the gateway, where an admin maintains it. Services that count
/// working days keep a replica (`CalendarReplica` in Persistence, registered with `registerCalendarReplica`).
///
/// Each day is its own aggregate: the subject is the day (`2027-10-01`) and the sequence its version, so a replica
/// applies a late, older event to nothing.
public protocol CalendarEvent: DomainEvent {}

extension CalendarEvent {
    /// `gateway`.
    public static var source: String { "gateway" }
}

/// `calendar.day_set`: an admin made a day a holiday or a make-up workday (or renamed it).
public struct CalendarDaySet: CalendarEvent, Equatable {
    public static let eventType = "calendar.day_set"
    public var day: CalendarDay
    public var kind: CalendarOverride.Kind
    public var name: String

    public init(_ entry: CalendarOverride) {
        day = entry.day
        kind = entry.kind
        name = entry.name
    }

    /// The override the event sets.
    public var calendarOverride: CalendarOverride { CalendarOverride(day: day, kind: kind, name: name) }
}

/// `calendar.day_removed`: an admin removed a day's override; the Monday–Friday rule applies to it again.
public struct CalendarDayRemoved: CalendarEvent, Equatable {
    public static let eventType = "calendar.day_removed"
    public var day: CalendarDay

    public init(day: CalendarDay) {
        self.day = day
    }
}
