import Contracts
import Foundation
import Testing

@testable import Notifications

/// Quiet hours, the urgent table, the robots' configuration and the daily digest's wording: rules without I/O.
@Suite("Push policy and daily digest")
struct PushPolicyTests {
    /// An instant written in Shanghai time, `2026-12-04 20:00`.
    static func shanghai(_ text: String) -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = BusinessCalendar.timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.date(from: text)!
    }

    static func day(_ text: String) -> CalendarDay { CalendarDay(text)! }

    @Test(
        "quiet hours: a push waits for 09:00 of the next working day; inside 09:00–18:00 on a working day it goes at once",
        arguments: [
            ("2026-12-04 20:00", "2026-12-07 09:00"),  // Friday evening → Monday
            ("2026-12-05 11:00", "2026-12-07 09:00"),  // Saturday → Monday
            ("2026-12-08 07:30", "2026-12-08 09:00"),  // Tuesday before work → that morning
            ("2026-12-08 10:00", "2026-12-08 10:00"),  // Tuesday, working → at once
            ("2026-12-08 17:59", "2026-12-08 17:59"),
            ("2026-12-08 18:00", "2026-12-09 09:00"),  // the end is not working time
        ]
    )
    func quietHours(created: String, released: String) {
        #expect(PushPolicy.releaseTime(for: Self.shanghai(created)) == Self.shanghai(released))
    }

    @Test("quiet hours follow the holiday calendar: a holiday Monday moves the push to Tuesday, a make-up Saturday to Saturday")
    func holidays() {
        let friday = Self.shanghai("2026-12-04 20:00")
        #expect(
            PushPolicy.releaseTime(for: friday, calendar: WorkingCalendar(holidays: [Self.day("2026-12-07")]))
                == Self.shanghai("2026-12-08 09:00")
        )
        #expect(
            PushPolicy.releaseTime(for: friday, calendar: WorkingCalendar(workdays: [Self.day("2026-12-05")]))
                == Self.shanghai("2026-12-05 09:00")
        )
    }

    @Test("urgent pushes ignore quiet hours: an escalation, a receivable more than 15 days late; an approval step waits")
    func urgency() {
        let night = Self.shanghai("2026-12-04 23:00")
        let quiet = PushTiming(quietHours: true)
        #expect(quiet.heldUntil(night, kind: "approval_escalated") == nil)
        #expect(quiet.heldUntil(night, kind: "payment_overdue", daysOverdue: 16) == nil)
        #expect(quiet.heldUntil(night, kind: "payment_overdue", daysOverdue: 15) == Self.shanghai("2026-12-07 09:00"))
        #expect(quiet.heldUntil(night, kind: ApprovalStepAssigned.eventType) == Self.shanghai("2026-12-07 09:00"))
        #expect(PushTiming.immediate.heldUntil(night, kind: ApprovalStepAssigned.eventType) == nil)
        #expect(quiet.heldUntil(Self.shanghai("2026-12-08 10:00"), kind: ApprovalStepAssigned.eventType) == nil)
    }

    @Test("WECOM_ROBOTS maps regions to robot keys; other regions use the default robot; malformed items are refused")
    func robots() throws {
        let keys = try WeComRobots.parse(" east-china=KEY1, north-china=KEY2 ").get()
        #expect(keys == ["east-china": "KEY1", "north-china": "KEY2"])
        let robots = WeComRobots(defaultKey: "DEFAULT", regionKeys: keys)
        #expect(robots.key(forRegion: "east-china") == "KEY1")
        #expect(robots.key(forRegion: "south-china") == "DEFAULT")
        #expect(robots.key(forRegion: nil) == "DEFAULT")
        #expect(throws: WeComRobots.ParseError.self) { try WeComRobots.parse("east-china").get() }
        #expect(throws: WeComRobots.ParseError.self) { try WeComRobots.parse("east-china=A,east-china=B").get() }
        // The limiter knows a robot by a hash of its key, never the key itself.
        #expect(!WeComRobots.limiterName(forKey: "KEY1").contains("KEY1"))
        #expect(WeComRobots.limiterName(forKey: "KEY1") == WeComRobots.limiterName(forKey: "KEY1"))
    }

    @Test("a user's digest, worked by hand: approvals, overdue follow-ups and receivables, today's reminders")
    func digestContent() throws {
        let digest = try #require(
            DailyDigest.compose(
                userID: "rep-1",
                today: Self.day("2026-12-07"),
                approvals: [
                    .init(approvalID: "ap-1", contractNumber: "HT-2026-000123", customerName: "宁波精工", amountFen: 8_000_000, step: 0, stepCount: 3)
                ],
                followUps: [
                    .init(customerID: "c-2", customerName: "常州齿轮", dueOn: Self.day("2026-12-07")),
                    .init(customerID: "c-1", customerName: "苏州机电", dueOn: Self.day("2026-12-03")),
                ],
                receivables: [
                    .init(
                        customerName: "无锡轴承",
                        contractNumber: "HT-2026-000200",
                        label: "发货款",
                        dueOn: Self.day("2026-11-30"),
                        outstandingFen: 1_234_567
                    ),
                    // Paid in full since it went overdue, and one not yet due: neither is in the digest.
                    .init(customerName: "无锡轴承", contractNumber: "HT-2026-000200", label: "预付款", dueOn: Self.day("2026-11-01"), outstandingFen: 0),
                    .init(customerName: "无锡轴承", contractNumber: "HT-2026-000200", label: "尾款", dueOn: Self.day("2026-12-08"), outstandingFen: 500),
                ],
                reminderTitles: ["复购提醒：宁波精工 · M8 螺栓"]
            )
        )
        #expect(digest.title == "今日待办：1 项待审批 · 1 项逾期跟进 · 1 笔逾期回款 · 2 条提醒")
        #expect(
            digest.body == """
                【待审批】
                · HT-2026-000123 宁波精工 ¥80,000.00（第 1/3 步）
                【逾期跟进】
                · 苏州机电（计划 2026-12-03 跟进，已过 4 天）
                【逾期回款】
                · 无锡轴承 HT-2026-000200 发货款 ¥12,345.67（逾期 7 天）
                【今日提醒】
                · 跟进 常州齿轮
                · 复购提醒：宁波精工 · M8 螺栓
                """
        )
        let push = WeComMessage.dailyDigest(digest, recipient: Contact(id: "rep-1", displayName: "张伟", mobile: "13800000001"))
        #expect(push.msgtype == "text")
        #expect(push.content.hasPrefix("今日待办：1 项待审批"))
        #expect(push.content.contains("逾期回款：无锡轴承 HT-2026-000200 发货款 ¥12,345.67（逾期 7 天）"))
    }

    @Test("nothing waiting, no digest; a long section shows five items and counts the rest")
    func digestEmptyAndLong() throws {
        #expect(
            DailyDigest.compose(userID: "rep-1", today: Self.day("2026-12-07"), approvals: [], followUps: [], receivables: [], reminderTitles: [])
                == nil
        )
        let many = (1...7).map { DailyDigest.FollowUp(customerID: "c-\($0)", customerName: nil, dueOn: Self.day("2026-12-0\($0 % 6 + 1)")) }
        let digest = try #require(
            DailyDigest.compose(userID: "rep-1", today: Self.day("2026-12-07"), approvals: [], followUps: many, receivables: [], reminderTitles: [])
        )
        #expect(digest.overdueFollowUps.count == 7)
        #expect(digest.sections.first?.items.count == 6)
        #expect(digest.sections.first?.items.last == "等 7 项")
    }
}
