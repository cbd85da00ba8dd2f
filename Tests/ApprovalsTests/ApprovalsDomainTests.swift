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
            chart.approver(for: .supervisor, ownerID: "rep-1", submitterID: "rep-1", region: "east")
                == ResolvedApprover(user: chart.users["rm-east"]!, resolution: "escalated:regional_manager")
        )
        #expect(chart.approver(for: .gm, ownerID: "rep-1", submitterID: "rep-1", region: "east")?.resolution == "admin")
        #expect(chart.approver(for: .regionalManager, ownerID: "rep-1", submitterID: "rep-1", region: "east")?.user.id == "rm-east")
    }

    /// rep-1 → sup-1 → rm-east → gm; rep-2 → sup-2 → sup-lead → rm-east; two gms and two admins.
    static let line = OrgChart(users: [
        user("rep-1", .rep, "east", supervisor: "sup-1"),
        user("rep-2", .rep, "east", supervisor: "sup-2"),
        user("sup-1", .supervisor, "east", supervisor: "rm-east"),
        user("sup-2", .supervisor, "east", supervisor: "sup-lead"),
        user("sup-lead", .supervisor, "east", supervisor: "rm-east"),
        user("rm-east", .regionalManager, "east", supervisor: "gm"),
        user("gm", .gm, nil, supervisor: nil),
        user("gm-2", .gm, nil, supervisor: nil),
        user("admin", .admin, nil, supervisor: nil),
        user("admin-2", .admin, nil, supervisor: nil),
    ])

    func approver(_ role: Role, owner: String, submitter: String, chart: OrgChart = line) -> ResolvedApprover? {
        chart.approver(for: role, ownerID: owner, submitterID: submitter, region: "east")
    }

    @Test("a supervisor who submits their rep's contract is passed over: the step goes up the line, and says why")
    func supervisorSubmitsTeamContract() {
        let chart = Self.line
        #expect(
            approver(.supervisor, owner: "rep-1", submitter: "sup-1")
                == ResolvedApprover(user: chart.users["rm-east"]!, resolution: "escalated:regional_manager;skipped:sup-1=submitter")
        )
        // A supervisor above the submitter in the reporting line takes the supervisor step.
        #expect(
            approver(.supervisor, owner: "rep-2", submitter: "sup-2")
                == ResolvedApprover(user: chart.users["sup-lead"]!, resolution: "direct;skipped:sup-2=submitter")
        )
        // Nobody else is passed over: the rep's own submission still goes to their supervisor.
        #expect(approver(.supervisor, owner: "rep-1", submitter: "rep-1") == ResolvedApprover(user: chart.users["sup-1"]!, resolution: "direct"))
    }

    @Test("a regional manager's own contract skips them at the regional-manager step and goes to a gm")
    func regionalManagersOwnContract() {
        #expect(
            approver(.regionalManager, owner: "rm-east", submitter: "rm-east")
                == ResolvedApprover(user: Self.line.users["gm"]!, resolution: "escalated:gm;skipped:rm-east=owner+submitter")
        )
        #expect(approver(.regionalManager, owner: "rep-1", submitter: "rm-east")?.user.id == "gm")
    }

    @Test("a gm's own contract goes to an active admin at the gm step, not to that gm nor to another gm")
    func gmsOwnContract() {
        #expect(
            approver(.gm, owner: "gm", submitter: "gm")
                == ResolvedApprover(user: Self.line.users["admin"]!, resolution: "admin;skipped:gm=owner+submitter")
        )
        // An admin who submitted is passed over too; with no other admin left, nobody can approve.
        #expect(approver(.gm, owner: "gm", submitter: "admin")?.user.id == "admin-2")
        let oneAdmin = OrgChart(users: Self.line.users.values.filter { $0.id != "admin-2" })
        #expect(approver(.gm, owner: "gm", submitter: "admin", chart: oneAdmin) == nil)
    }

    @Test("for every owner, submitter and step role, the approver is neither the owner nor the submitter")
    func neverAParty() {
        let ids = Self.line.users.keys.sorted()
        for owner in ids {
            for submitter in ids {
                for role in [Role.supervisor, .regionalManager, .gm] {
                    let resolved = approver(role, owner: owner, submitter: submitter)
                    #expect(resolved != nil, "\(role) of \(owner)'s contract submitted by \(submitter)")
                    #expect(resolved?.user.id != owner && resolved?.user.id != submitter, "\(role): \(owner)/\(submitter)")
                }
            }
        }
    }

    @Test("the owner or submitter may not decide a step even if it was assigned to them")
    func partyMayNotDecide() throws {
        let contract = ContractSubmitted(
            contractID: "ct-1",
            number: "HT-2026-000001",
            dealID: "deal-1",
            customerID: "c-1",
            customerName: "宁波精工",
            ownerID: "rep-1",
            region: "east",
            amountFen: 3_000_000,
            lines: [],
            submittedBy: "sup-1",
            submittedAt: Date()
        )
        var approval = Approval.start(id: RecordID(), contract: contract, policy: policy, at: Date())
        for party in ["sup-1", "rep-1"] {
            approval.assign(ResolvedApprover(user: Self.line.users[party]!, resolution: "direct"), at: Date())
            #expect(throws: DecisionRefusal.partyToContract) { try approval.checkDecider(party) }
        }
        approval.assign(ResolvedApprover(user: Self.line.users["rm-east"]!, resolution: "direct"), at: Date())
        #expect(throws: Never.self) { try approval.checkDecider("rm-east") }
    }
}
