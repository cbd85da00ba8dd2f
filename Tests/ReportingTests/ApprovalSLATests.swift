import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Reporting

/// Approval SLA analytics (issue 12: `reporting.approvalSla`, `reporting.approvalSlaBreaches`) on a fixture whose every
/// expected figure was worked out by hand, in the comments next to it. Times are written in UTC; Shanghai is UTC+8.
///
/// The holiday calendar is the replica's 2026 seed: 国庆 1–7 October (Thursday to Wednesday) are days off, Saturday
/// 10 October is a make-up workday (调休). A working day is 24 hours of a working day (``WorkingCalendar``).
@Suite("Approval SLA analytics")
struct ApprovalSLATests {
    static func instant(_ text: String) -> Date {
        (try? Date(text, strategy: Date.ISO8601FormatStyle())) ?? .distantPast
    }

    /// "Now" is Friday 30 October 2026, 10:00 in Shanghai.
    static let now = instant("2026-10-30T02:00:00Z")

    /// Runs `body` with reporting on a schema of its own, the fixture's clock and the replica's holiday calendar.
    func withService(_ body: @Sendable (RPCHarness) async throws -> Void) async throws {
        try await RPCHarness.with(
            ReportingService.name,
            migrationsDirectory: ReportingService.migrationsDirectory,
            router: { ReportingService.rpcRouter(postgres: $0, logger: $1, settings: ReportingSettings(), now: { Self.now }) },
            events: { ReportingService.eventHandlers(logger: $0) },
            body
        )
    }

    // MARK: The report as the client reads it

    struct Group: Decodable, Equatable {
        var role: String?
        var tier: String?
        var approverId: String?
        var approverName: String?
        var decided: Int
        var averageWorkingDays: String?
        var p90WorkingDays: String?
        var breaches: Int
        var breachShare: String?
        var status: String?
    }

    struct Stuck: Decodable, Equatable {
        var approvalId: String
        var contractNumber: String
        var step: Int
        var role: String?
        var approverId: String
        var approverName: String?
        var waitedWorkingDays: String
        var slaWorkingDays: String
    }

    struct Report: Decodable {
        var month: String
        var defaultSlaWorkingDays: String
        var status: String?
        var overall: Group
        var steps: [Group]
        var tiers: [Group]
        var approvers: [Group]
        var slowestApprovers: [Group]
        var stuck: [Stuck]
        var breachList: String
    }

    struct Breach: Decodable, Equatable {
        var id: String
        var approvalId: String
        var contractNumber: String
        var step: Int
        var role: String?
        var tier: String?
        var approverId: String
        var approverName: String?
        var decidedAt: Date
        var outcome: String
        var workingDays: String
        var slaWorkingDays: String
    }

    struct BreachPage: Decodable {
        var items: [Breach]
        var nextCursor: String?
    }

    func report(as caller: String, month: String? = "2026-10", _ service: RPCHarness) async throws -> Report {
        let response = await service.call(ApprovalSLAHandler.operation, as: caller, query: month.map { "month=\($0)" })
        #expect(response.status == 200, "\(response.text)")
        return try response.decode(Report.self)
    }

    func breaches(as caller: String, query: String, _ service: RPCHarness) async throws -> BreachPage {
        let response = await service.call(ApprovalSLAHandler.breachesOperation, as: caller, query: query)
        #expect(response.status == 200, "\(response.text)")
        return try response.decode(BreachPage.self)
    }

    // MARK: Fixture events

    func requested(_ id: String, submitter: String, steps: [Role], at time: String, _ service: RPCHarness) async throws {
        let event = ApprovalRequested(
            approvalID: id,
            contractID: "contract-\(id)",
            contractNumber: "HT-\(id)",
            submitterID: submitter,
            amountFen: 10_000_000,
            policyVersion: 1,
            steps: steps,
            requestedAt: Self.instant(time)
        )
        try await service.deliver(event, subject: id, sequence: 1)
    }

    @discardableResult
    func assigned(
        _ id: String,
        step: Int,
        to approver: String,
        at time: String,
        submitter: String,
        from previous: String? = nil,
        sla: Double? = nil,
        sequence: Int64,
        _ service: RPCHarness
    ) async throws -> EventEnvelope {
        let event = ApprovalStepAssigned(
            approvalID: id,
            contractID: "contract-\(id)",
            contractNumber: "HT-\(id)",
            customerName: "客户",
            amountFen: 10_000_000,
            submitterID: submitter,
            step: step,
            stepCount: 3,
            approverID: approver,
            approverName: nil,
            approverMobile: nil,
            assignedAt: Self.instant(time),
            reassignedFromID: previous,
            slaWorkingDays: sla
        )
        return try await service.deliver(event, subject: id, sequence: sequence)
    }

    @discardableResult
    func decided(
        _ id: String,
        step: Int,
        by approver: String,
        _ outcome: ApprovalOutcome = .approved,
        at time: String,
        days: Double,
        sequence: Int64,
        _ service: RPCHarness
    ) async throws -> EventEnvelope {
        let event = ApprovalStepDecided(
            approvalID: id,
            contractID: "contract-\(id)",
            step: step,
            approverID: approver,
            outcome: outcome,
            comment: nil,
            decidedAt: Self.instant(time),
            workingDays: days
        )
        return try await service.deliver(event, subject: id, sequence: sequence)
    }

    /// The fixture: approvals a0…a6 (see each one's comment for its working days).
    func fixture(_ service: RPCHarness) async throws {
        try await Org.seed(service)
        let big: [Role] = [.supervisor, .regionalManager, .gm]

        // a0 (rep-1): decided in September, outside the October report. Mon 28 Sep 09:00 → Tue 29 Sep 09:00 = 1.00.
        try await requested("a0", submitter: "rep-1", steps: [.supervisor], at: "2026-09-28T01:00:00Z", service)
        try await assigned("a0", step: 0, to: "sup-1", at: "2026-09-28T01:00:00Z", submitter: "rep-1", sequence: 2, service)
        try await decided("a0", step: 0, by: "sup-1", at: "2026-09-29T01:00:00Z", days: 1, sequence: 3, service)

        // a1 (rep-1), tier supervisor>regional_manager>gm, across 国庆 and the 调休 Saturday:
        //   step 0, sup-1: Wed 30 Sep 10:00 → Thu 8 Oct 10:00: 14 h (30 Sep) + 0 (1–7 Oct off) + 10 h (8 Oct) = 24 h
        //     = 1.00, not a breach (decided exactly at the SLA).
        //   step 1, rm-east: Thu 8 Oct 10:00 → Mon 12 Oct 10:00: 14 h + 24 h (Fri 9) + 24 h (Sat 10, 调休 workday)
        //     + 0 (Sun 11) + 10 h (Mon 12) = 72 h = 3.00, a breach.
        //   step 2, gm: Mon 12 Oct 10:00 → 16:00 = 6 h = 0.25.
        try await requested("a1", submitter: "rep-1", steps: big, at: "2026-09-30T02:00:00Z", service)
        try await assigned("a1", step: 0, to: "sup-1", at: "2026-09-30T02:00:00Z", submitter: "rep-1", sequence: 2, service)
        try await decided("a1", step: 0, by: "sup-1", at: "2026-10-08T02:00:00Z", days: 1, sequence: 3, service)
        try await assigned("a1", step: 1, to: "rm-east", at: "2026-10-08T02:00:00Z", submitter: "rep-1", sequence: 4, service)
        try await decided("a1", step: 1, by: "rm-east", at: "2026-10-12T02:00:00Z", days: 3, sequence: 5, service)
        try await assigned("a1", step: 2, to: "gm", at: "2026-10-12T02:00:00Z", submitter: "rep-1", sequence: 6, service)
        try await decided("a1", step: 2, by: "gm", at: "2026-10-12T08:00:00Z", days: 0.25, sequence: 7, service)

        // a2 (rep-2), tier supervisor: sup-2, Fri 16 Oct 17:00 → Mon 19 Oct 09:00: 7 h + 0 (weekend) + 9 h = 16 h
        //   = 0.6667, shown "0.67".
        try await requested("a2", submitter: "rep-2", steps: [.supervisor], at: "2026-10-16T09:00:00Z", service)
        try await assigned("a2", step: 0, to: "sup-2", at: "2026-10-16T09:00:00Z", submitter: "rep-2", sequence: 2, service)
        try await decided("a2", step: 0, by: "sup-2", at: "2026-10-19T01:00:00Z", days: 16.0 / 24.0, sequence: 3, service)

        // a3 (rep-north, contract.submitted puts it in north-china), tier supervisor; its events arrive backwards.
        //   rm-north holds step 0 from Fri 23 Oct 09:00 until it moves to gm on Mon 26 Oct 09:00: 15 h + 0 + 9 h
        //     = 24 h = 1.00, computed by reporting with the calendar, "moved" (not a decision).
        //   gm rejects on Tue 27 Oct 15:00: 15 h (Mon) + 15 h (Tue) = 30 h = 1.25, a breach.
        try await decided("a3", step: 0, by: "gm", .rejected, at: "2026-10-27T07:00:00Z", days: 1.25, sequence: 4, service)
        try await assigned("a3", step: 0, to: "gm", at: "2026-10-26T01:00:00Z", submitter: "rep-north", from: "rm-north", sequence: 3, service)
        try await assigned("a3", step: 0, to: "rm-north", at: "2026-10-23T01:00:00Z", submitter: "rep-north", sequence: 2, service)
        try await requested("a3", submitter: "rep-north", steps: [.supervisor], at: "2026-10-23T01:00:00Z", service)
        let submitted = ContractSubmitted(
            contractID: "contract-a3",
            number: "HT-a3",
            dealID: "deal-a3",
            customerID: "customer-a3",
            customerName: "客户",
            ownerID: "rep-north",
            region: "north-china",
            amountFen: 10_000_000,
            lines: [],
            submittedBy: "rep-north",
            submittedAt: Self.instant("2026-10-23T01:00:00Z")
        )
        try await service.deliver(submitted, subject: "contract-a3", sequence: 3)

        // a4 (rep-1): sup-1 since Wed 28 Oct 09:00; by now (Fri 30 Oct 10:00): 15 h + 24 h + 10 h = 49 h = 2.0417,
        //   "2.04" > SLA 1: stuck.
        try await requested("a4", submitter: "rep-1", steps: big, at: "2026-10-28T01:00:00Z", service)
        try await assigned("a4", step: 0, to: "sup-1", at: "2026-10-28T01:00:00Z", submitter: "rep-1", sequence: 2, service)

        // a5 (rep-2): sup-2 since Fri 30 Oct 09:00 with an SLA of 0.5: 1 h = 0.04, not stuck.
        try await requested("a5", submitter: "rep-2", steps: [.supervisor], at: "2026-10-30T01:00:00Z", service)
        try await assigned("a5", step: 0, to: "sup-2", at: "2026-10-30T01:00:00Z", submitter: "rep-2", sla: 0.5, sequence: 2, service)

        // a6 (rep-1): assigned 20 Oct, recalled 21 Oct: open, but its approval has completed, so not stuck.
        try await requested("a6", submitter: "rep-1", steps: [.supervisor], at: "2026-10-20T01:00:00Z", service)
        try await assigned("a6", step: 0, to: "sup-1", at: "2026-10-20T01:00:00Z", submitter: "rep-1", sequence: 2, service)
        let recalled = ApprovalCompleted(
            approvalID: "a6",
            contractID: "contract-a6",
            contractNumber: "HT-a6",
            submitterID: "rep-1",
            outcome: .recalled,
            comment: nil,
            requestedAt: Self.instant("2026-10-20T01:00:00Z"),
            completedAt: Self.instant("2026-10-21T01:00:00Z"),
            workingDays: 1
        )
        try await service.deliver(recalled, subject: "a6", sequence: 3)
    }

    // MARK: Tests

    @Test("per step role, per tier and per approver: counts, average and p90 working days, breaches, the slowest approvers, stuck steps")
    func handWorkedFixture() async throws {
        try await withService { service in
            try await fixture(service)
            let gm = try await report(as: "gm", service)
            #expect(gm.month == "2026-10")
            #expect(gm.defaultSlaWorkingDays == "1.00")
            #expect(gm.breachList == "/api/v1/reports/approval-sla/breaches?month=2026-10")

            // Decided in October: 1.00, 3.00, 0.25 (a1), 0.6667 (a2), 1.25 (a3); a3's moved row is no decision.
            // Average 6.1667 / 5 = 1.2333 → "1.23"; p90 of [0.25, 0.67, 1.00, 1.25, 3.00] at 0.9 × 4 = 3.6:
            // 1.25 + 0.6 × 1.75 = 2.30; breaches a1 step 1 and a3 → 2 of 5 = 40.00 % (red).
            #expect(
                gm.overall
                    == Group(decided: 5, averageWorkingDays: "1.23", p90WorkingDays: "2.30", breaches: 2, breachShare: "40.00", status: "red")
            )
            // Stuck (a4) makes the month red whatever the breaches.
            #expect(gm.status == "red")

            // Supervisor steps: 1.00, 0.6667, 1.25 → 2.9167 / 3 = 0.9722 → "0.97"; p90 at 1.8: 1.00 + 0.8 × 0.25 = 1.20;
            // 1 breach of 3 = 33.33 %. Regional manager: 3.00, one breach. GM: 0.25, none (green).
            #expect(
                gm.steps == [
                    Group(
                        role: "supervisor",
                        decided: 3,
                        averageWorkingDays: "0.97",
                        p90WorkingDays: "1.20",
                        breaches: 1,
                        breachShare: "33.33",
                        status: "red"
                    ),
                    Group(
                        role: "regional_manager",
                        decided: 1,
                        averageWorkingDays: "3.00",
                        p90WorkingDays: "3.00",
                        breaches: 1,
                        breachShare: "100.00",
                        status: "red"
                    ),
                    Group(
                        role: "gm",
                        decided: 1,
                        averageWorkingDays: "0.25",
                        p90WorkingDays: "0.25",
                        breaches: 0,
                        breachShare: "0.00",
                        status: "green"
                    ),
                ]
            )

            // Tier supervisor (a2, a3): 0.6667, 1.25 → 0.9583 → "0.96"; p90 at 0.9: 0.6667 + 0.9 × 0.5833 = 1.1917 → "1.19";
            // 1 of 2 = 50.00 %. Tier supervisor>regional_manager>gm (a1): 1.00, 3.00, 0.25 → 1.4167 → "1.42";
            // p90 of [0.25, 1.00, 3.00] at 1.8: 1.00 + 0.8 × 2.00 = 2.60; 1 of 3 = 33.33 %.
            #expect(
                gm.tiers == [
                    Group(
                        tier: "supervisor",
                        decided: 2,
                        averageWorkingDays: "0.96",
                        p90WorkingDays: "1.19",
                        breaches: 1,
                        breachShare: "50.00",
                        status: "red"
                    ),
                    Group(
                        tier: "supervisor>regional_manager>gm",
                        decided: 3,
                        averageWorkingDays: "1.42",
                        p90WorkingDays: "2.60",
                        breaches: 1,
                        breachShare: "33.33",
                        status: "red"
                    ),
                ]
            )

            // Approvers: gm decided a1 step 2 (0.25) and a3 (1.25) → 0.75, p90 0.25 + 0.9 × 1.00 = 1.15, 1 of 2;
            // rm-east 3.00; sup-1 1.00; sup-2 0.67. rm-north only held a step that moved: no decision, not listed.
            let approvers = Dictionary(uniqueKeysWithValues: gm.approvers.map { ($0.approverId ?? "", $0) })
            #expect(Set(approvers.keys) == ["gm", "rm-east", "sup-1", "sup-2"])
            #expect(
                approvers["gm"]
                    == Group(
                        approverId: "gm",
                        approverName: "总经理",
                        decided: 2,
                        averageWorkingDays: "0.75",
                        p90WorkingDays: "1.15",
                        breaches: 1,
                        breachShare: "50.00",
                        status: "red"
                    )
            )
            #expect(approvers["sup-2"]?.averageWorkingDays == "0.67" && approvers["sup-2"]?.status == "green")
            // Slowest by average: rm-east 3.00, sup-1 1.00, gm 0.75, sup-2 0.67.
            #expect(gm.slowestApprovers.map { $0.approverId ?? "" } == ["rm-east", "sup-1", "gm", "sup-2"])
            #expect(gm.slowestApprovers.first?.approverName == "吴经理")

            // Stuck now: only a4 (2.04 > 1); a5 is within its 0.5 SLA (0.04), a6's approval was recalled.
            #expect(
                gm.stuck == [
                    Stuck(
                        approvalId: "a4",
                        contractNumber: "HT-a4",
                        step: 0,
                        role: "supervisor",
                        approverId: "sup-1",
                        approverName: "周主管",
                        waitedWorkingDays: "2.04",
                        slaWorkingDays: "1.00"
                    )
                ]
            )

            // September holds only a0 (1.00, no breach), and a4 is still stuck.
            let september = try await report(as: "gm", month: "2026-09", service)
            #expect(september.overall.decided == 1 && september.overall.averageWorkingDays == "1.00" && september.overall.breaches == 0)
            #expect(september.stuck.map(\.approvalId) == ["a4"])
        }
    }

    @Test("a reassigned step ends its old holder's row as moved, with working days from the holiday calendar")
    func movedStep() async throws {
        try await withService { service in
            try await fixture(service)
            let rows = try await service.client.query(
                "SELECT approver_id, outcome, working_days FROM approval_step_holds WHERE approval_id = 'a3' ORDER BY assigned_at",
                logger: service.logger
            )
            var holds: [String] = []
            for try await (approver, outcome, days) in rows.decode((String, String?, Double?).self) {
                holds.append("\(approver) \(outcome ?? "open") \(ApprovalSLA.days(days) ?? "-")")
            }
            // rm-north: Fri 23 Oct 09:00 → Mon 26 Oct 09:00 = 24 working-day hours = 1.00; gm: as approvals sent it.
            #expect(holds == ["rm-north moved 1.00", "gm rejected 1.25"])
        }
    }

    @Test("redelivered step events (new message ids, so the inbox cannot catch them) leave the figures unchanged")
    func idempotent() async throws {
        try await withService { service in
            try await fixture(service)
            let before = try await report(as: "gm", service)
            let holds = try await service.count("approval_step_holds")
            try await assigned("a3", step: 0, to: "gm", at: "2026-10-26T01:00:00Z", submitter: "rep-north", from: "rm-north", sequence: 3, service)
            let decision = try await decided("a1", step: 1, by: "rm-east", at: "2026-10-12T02:00:00Z", days: 3, sequence: 5, service)
            try await service.replay(decision)
            try await requested("a1", submitter: "rep-1", steps: [.supervisor], at: "2026-09-30T02:00:00Z", service)
            let after = try await report(as: "gm", service)
            #expect(try await service.count("approval_step_holds") == holds)
            #expect(after.overall == before.overall && after.steps == before.steps && after.tiers == before.tiers)
            #expect(after.approvers == before.approvers && after.stuck == before.stuck)
        }
    }

    @Test("the breach list pages latest decision first, and every report keeps to the caller's data scope")
    func breachListAndScope() async throws {
        try await withService { service in
            try await fixture(service)
            // October's breaches: a3 (decided 27 Oct, 1.25) then a1 step 1 (12 Oct, 3.00).
            let first = try await breaches(as: "gm", query: "month=2026-10&limit=1", service)
            #expect(first.items.map(\.approvalId) == ["a3"])
            #expect(first.items.first?.workingDays == "1.25" && first.items.first?.slaWorkingDays == "1.00")
            #expect(first.items.first?.outcome == "rejected" && first.items.first?.tier == "supervisor" && first.items.first?.approverName == "总经理")
            let cursor = try #require(first.nextCursor)
            let second = try await breaches(as: "gm", query: "month=2026-10&limit=1&cursor=\(cursor)", service)
            #expect(second.items.map(\.approvalId) == ["a1"])
            #expect(second.items.first?.step == 1 && second.items.first?.role == "regional_manager" && second.items.first?.workingDays == "3.00")
            #expect(second.nextCursor == nil)

            // rep-1 sees a1 (its three steps) and a4 stuck; not a2 (rep-2's) nor a3 (north).
            let rep = try await report(as: "rep-1", service)
            #expect(rep.overall.decided == 3 && rep.overall.breaches == 1)
            #expect(rep.stuck.map(\.approvalId) == ["a4"])
            #expect(try await breaches(as: "rep-1", query: "month=2026-10", service).items.map(\.approvalId) == ["a1"])
            // sup-2's team (rep-2 …): a2 only, nothing stuck (a5 within its SLA): green.
            let supervisor = try await report(as: "sup-2", service)
            #expect(supervisor.overall.decided == 1 && supervisor.overall.breaches == 0 && supervisor.stuck.isEmpty)
            #expect(supervisor.status == "green")
            #expect(try await breaches(as: "sup-2", query: "month=2026-10", service).items.isEmpty)
            // rm-north's region (north-china, from contract.submitted): a3 alone.
            let north = try await report(as: "rm-north", service)
            #expect(north.overall.decided == 1 && north.overall.breaches == 1 && north.steps.map(\.role) == ["supervisor"])
            #expect(try await breaches(as: "rm-north", query: "month=2026-10", service).items.map(\.approvalId) == ["a3"])
            // rm-east's region: a1, a2 and the stuck a4.
            let east = try await report(as: "rm-east", service)
            #expect(east.overall.decided == 4 && east.stuck.map(\.approvalId) == ["a4"])
        }
    }

    @Test("a month that is not YYYY-MM, or a cursor this API did not write, answers 422")
    func badInput() async throws {
        try await withService { service in
            for month in ["2026-13", "2026-1", "october", "2026-10-01"] {
                let summary = await service.call(ApprovalSLAHandler.operation, as: "gm", query: "month=\(month)")
                #expect(summary.status == 422, "\(month)")
                let list = await service.call(ApprovalSLAHandler.breachesOperation, as: "gm", query: "month=\(month)")
                #expect(list.status == 422, "\(month)")
            }
            let cursor = await service.call(ApprovalSLAHandler.breachesOperation, as: "gm", query: "month=2026-10&cursor=nonsense!")
            #expect(cursor.status == 422)
            let noIdentity = await service.call(ApprovalSLAHandler.operation, as: nil as CallerIdentity?)
            #expect(noIdentity.status == 401)
        }
    }

    @Test("p90 interpolates like percentile_cont, and a step decided exactly at its SLA is not a breach")
    func domainRules() {
        #expect(ApprovalSLA.percentile(0.9, of: []) == nil)
        #expect(ApprovalSLA.percentile(0.9, of: [2]) == 2)
        #expect(ApprovalSLA.percentile(0.9, of: [0, 10]) == 9)
        #expect(!ApprovalSLA.Wait(workingDays: 1.0000001, slaWorkingDays: 1).breached)
        #expect(ApprovalSLA.Wait(workingDays: 1.01, slaWorkingDays: 1).breached)
        // 1 of 10 breached = 10.00 % is still green; 1 of 4 = 25.00 % amber; 1 of 3 red.
        let waits = { (breached: Int, of: Int) in
            ApprovalSLA.Figures((0..<of).map { ApprovalSLA.Wait(workingDays: $0 < breached ? 2 : 0.5, slaWorkingDays: 1) }).status
        }
        #expect(waits(1, 10) == .green)
        #expect(waits(1, 4) == .amber)
        #expect(waits(1, 3) == .red)
        #expect(waits(0, 0) == nil)
    }
}
