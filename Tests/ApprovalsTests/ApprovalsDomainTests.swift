import Contracts
import Foundation
import Testing

@testable import Approvals

@Suite("Approvals domain")
struct ApprovalsDomainTests {
    let policy = ApprovalPolicy(version: 1, tiers: ApprovalPolicy.defaultTiers, createdBy: "test", createdAt: Date())

    @Test("50,000.00 CNY exactly needs the supervisor alone; 50,000.01 needs all three levels")
    func policyThreshold() {
        #expect(policy.steps(forAmount: 5_000_000) == [.supervisor])
        #expect(policy.steps(forAmount: 5_000_001) == [.supervisor, .regionalManager, .gm])
        #expect(policy.steps(forAmount: 3_000_000) == [.supervisor])
        #expect(policy.steps(forAmount: 0) == [.supervisor])
    }

    @Test("a policy without a tier for every amount, or with a non-manager step, is refused")
    func policyValidation() {
        #expect(throws: Problem.self) { try ApprovalPolicy.validate([.init(aboveFen: 100, steps: [.supervisor])]) }
        #expect(throws: Problem.self) { try ApprovalPolicy.validate([.init(aboveFen: 0, steps: [.rep])]) }
        #expect(throws: Problem.self) { try ApprovalPolicy.validate([.init(aboveFen: 0, steps: [])]) }
        #expect(throws: Problem.self) { try ApprovalPolicy.validate([]) }
        #expect((try? ApprovalPolicy.validate(ApprovalPolicy.defaultTiers.reversed()))?.first?.aboveFen == 0)
    }

    static func shanghai(_ text: String) -> Date {
        // yyyy-MM-dd HH:mm in Asia/Shanghai
        try! Date("\(text.replacingOccurrences(of: " ", with: "T")):00+08:00", strategy: .iso8601)
    }

    let calendar = WorkingCalendar(
        holidays: [CalendarDay(year: 2026, month: 4, day: 4), CalendarDay(year: 2026, month: 4, day: 5), CalendarDay(year: 2026, month: 4, day: 6)],
        workdays: [CalendarDay(year: 2026, month: 2, day: 14)]
    )

    @Test("Friday 17:00 to Monday 09:00 is 16 working hours: the weekend is not counted")
    func acrossWeekend() {
        let days = calendar.workingDays(from: Self.shanghai("2026-01-09 17:00"), to: Self.shanghai("2026-01-12 09:00"))
        #expect(abs(days - 16.0 / 24.0) < 1e-9)
    }

    @Test("Friday noon to Tuesday noon across Qingming (Sat–Mon off) is one working day")
    func acrossHoliday() {
        let days = calendar.workingDays(from: Self.shanghai("2026-04-03 12:00"), to: Self.shanghai("2026-04-07 12:00"))
        #expect(abs(days - 1.0) < 1e-9)
    }

    @Test("a make-up Saturday (调休) counts, an ordinary Saturday does not")
    func makeUpWorkday() {
        #expect(calendar.isWorkingDay(CalendarDay(year: 2026, month: 2, day: 14)))
        #expect(!calendar.isWorkingDay(CalendarDay(year: 2026, month: 2, day: 7)))
        #expect(!calendar.isWorkingDay(CalendarDay(year: 2026, month: 4, day: 6)))
        let days = calendar.workingDays(from: Self.shanghai("2026-02-14 08:00"), to: Self.shanghai("2026-02-14 20:00"))
        #expect(abs(days - 0.5) < 1e-9)
    }

    static func user(_ id: String, _ role: Role, _ region: String?, supervisor: String?, active: Bool = true) -> OrgUser {
        OrgUser(id: id, role: role, region: region, supervisorID: supervisor, displayName: id, mobile: nil, active: active)
    }

    @Test("an inactive supervisor escalates to the regional manager; an empty line ends with an admin")
    func escalation() {
        let chart = OrgChart(users: [
            Self.user("rep-1", .rep, "east", supervisor: "sup-1"),
            Self.user("sup-1", .supervisor, "east", supervisor: "rm-east", active: false),
            Self.user("rm-east", .regionalManager, "east", supervisor: "gm"),
            Self.user("admin", .admin, nil, supervisor: nil),
        ])
        #expect(
            chart.approver(for: .supervisor, ownerID: "rep-1", region: "east")
                == ResolvedApprover(user: chart.users["rm-east"]!, resolution: "escalated:regional_manager")
        )
        #expect(chart.approver(for: .gm, ownerID: "rep-1", region: "east")?.resolution == "admin")
        #expect(chart.approver(for: .regionalManager, ownerID: "rep-1", region: "east")?.user.id == "rm-east")
    }
}
