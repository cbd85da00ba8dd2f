import Contracts
import Foundation
import ServiceRuntime
import Testing

/// Working-time arithmetic on hand-worked cases: office hours 09:00–12:00 and 13:30–18:00 Asia/Shanghai, the official
/// 2026 calendar (国庆 1–7 Oct with 调休 on Sunday 20 Sep and Saturday 10 Oct; 中秋 25–27 Sep).
@Suite("Working time")
struct WorkingTimeTests {
    let calendar = WorkingCalendar(overrides: OfficialHolidays.year2026)

    /// An instant written as Shanghai local time, `2026-09-30 15:00`.
    static func shanghai(_ text: String) -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = BusinessCalendar.timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        guard let date = formatter.date(from: text) else { preconditionFailure("bad instant \(text)") }
        return date
    }

    func hours(_ n: Int, after start: String) -> Date { calendar.adding(workingHours: n, to: Self.shanghai(start)) }
    func days(_ n: Int, after start: String) -> Date { calendar.adding(workingDays: n, to: Self.shanghai(start)) }

    @Test("an ordinary weekend: Friday 17:00 + 4 working hours is Monday 12:00 (1 h Friday, 3 h Monday morning)")
    func weekend() {
        #expect(hours(4, after: "2026-11-27 17:00") == Self.shanghai("2026-11-30 12:00"))
        #expect(hours(5, after: "2026-11-27 17:00") == Self.shanghai("2026-11-30 14:30"), "the lunch break does not count")
        #expect(days(1, after: "2026-11-27 16:00") == Self.shanghai("2026-11-30 16:00"))
        #expect(hours(1, after: "2026-11-28 10:00") == Self.shanghai("2026-11-30 10:00"), "from a Saturday, counting starts Monday 09:00")
        #expect(hours(1, after: "2026-11-30 12:15") == Self.shanghai("2026-11-30 14:30"), "from the lunch break, counting starts at 13:30")
        #expect(hours(1, after: "2026-11-30 07:00") == Self.shanghai("2026-11-30 10:00"), "before 09:00, counting starts at 09:00")
        #expect(hours(0, after: "2026-11-28 10:00") == Self.shanghai("2026-11-28 10:00"))
    }

    @Test("国庆: a step assigned Wednesday 30 Sep 15:00 is reminded Thursday 8 Oct 10:00 and escalated 8 Oct 15:00")
    func nationalDay() {
        // 3 h on 30 Sep (15:00–18:00); 1–7 Oct are holidays; 8 Oct 09:00–10:00 is the fourth hour.
        #expect(hours(4, after: "2026-09-30 15:00") == Self.shanghai("2026-10-08 10:00"))
        // 7.5 h: 3 h on 30 Sep, 3 h on the morning of 8 Oct, 1.5 h from 13:30.
        #expect(days(1, after: "2026-09-30 15:00") == Self.shanghai("2026-10-08 15:00"))
    }

    @Test("调休: Friday 9 Oct 16:00 + 4 working hours falls on Saturday 10 Oct, a make-up workday")
    func makeUpSaturday() {
        #expect(hours(4, after: "2026-10-09 16:00") == Self.shanghai("2026-10-10 11:00"))
        #expect(days(1, after: "2026-10-09 16:00") == Self.shanghai("2026-10-10 16:00"))
        // Friday 18 Sep 17:00: Saturday 19 Sep is off, Sunday 20 Sep is worked.
        #expect(hours(4, after: "2026-09-18 17:00") == Self.shanghai("2026-09-20 12:00"))
        // Thursday 24 Sep 17:00: 中秋 25–27 Sep off, so Monday 28 Sep.
        #expect(days(1, after: "2026-09-24 17:00") == Self.shanghai("2026-09-28 17:00"))
    }

    @Test("working time and the office hours' text form")
    func workingTimeAndHours() throws {
        #expect(calendar.isWorkingTime(Self.shanghai("2026-10-10 09:00")))
        #expect(!calendar.isWorkingTime(Self.shanghai("2026-10-08 12:30")))
        #expect(!calendar.isWorkingTime(Self.shanghai("2026-10-02 10:00")))
        #expect(WorkingHours.standard.description == "09:00-12:00,13:30-18:00")
        #expect(WorkingHours.standard.secondsPerDay == 27_000)
        let short = try #require(WorkingHours("08:30-12:00, 13:00-17:30"))
        #expect(short.secondsPerDay == 8 * 3_600)
        #expect(WorkingHours("13:00-12:00") == nil && WorkingHours("09:00-12:00,11:00-14:00") == nil && WorkingHours("9-12") == nil)
        let custom = WorkingCalendar(overrides: OfficialHolidays.year2026, hours: short)
        #expect(custom.adding(workingDays: 1, to: Self.shanghai("2026-09-30 15:00")) == Self.shanghai("2026-10-08 15:00"))
    }

    @Test("every working day at 09:00: the next occurrence after the last day before 国庆 is 8 Oct, then 9 and the 调休 Saturday 10 Oct")
    func recurringAcrossHoliday() {
        let schedule = Schedule(.workingDays, hour: 9)
        #expect(schedule.description == "every working day at 09:00 Asia/Shanghai")
        #expect(schedule.nextOccurrence(after: Self.shanghai("2026-09-30 09:00"), working: calendar) == Self.shanghai("2026-10-08 09:00"))
        #expect(schedule.nextOccurrence(after: Self.shanghai("2026-10-09 09:00"), working: calendar) == Self.shanghai("2026-10-10 09:00"))
        #expect(schedule.nextOccurrence(after: Self.shanghai("2026-10-10 09:00"), working: calendar) == Self.shanghai("2026-10-12 09:00"))
        #expect(schedule.latestOccurrence(atOrBefore: Self.shanghai("2026-10-05 12:00"), working: calendar) == Self.shanghai("2026-09-30 09:00"))
        // Without the holiday calendar only weekends are off.
        #expect(schedule.nextOccurrence(after: Self.shanghai("2026-09-30 09:00")) == Self.shanghai("2026-10-01 09:00"))
    }
}
