import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Approvals

/// Reminders and escalation of pending steps (issue 12) against a real PostgreSQL schema: steps assigned through
/// `contract.submitted` at a chosen instant, the durable timers fired by a ``Persistence/TimerRunner`` under a
/// controlled clock, across the 2026 Mid-Autumn and National Day holidays of the calendar replica.
///
/// Worked by hand (office hours 09:00–12:00, 13:30–18:00 Asia/Shanghai; `OfficialHolidays.year2026`: 09-25…09-27 中秋节,
/// 10-01…10-07 国庆节, 10-10 Saturday a make-up workday):
/// - assigned Fri 09-25 16:00 (a holiday): nothing counts until Mon 09-28 09:00, so 4 working hours end 09-28 14:30
///   (3 h to 12:00, 1 h after 13:30) and 1 working day (7.5 h) ends 09-28 18:00; reminders 2 and 3 a working day
///   after the first: 09-29 14:30, 09-30 14:30.
/// - assigned Wed 09-30 16:00: 2 h that day, then 国庆 and the weekend; 4 working hours end Thu 10-08 11:00 and 1 working
///   day ends 10-08 16:00 (2 h + 3 h + 2.5 h); the next reminders fall Fri 10-09 11:00 and Sat 10-10 11:00 (调休).
@Suite("Approval reminders and escalation")
struct ReminderEscalationTests {
    let flow = ApprovalFlowTests()

    static func shanghai(_ text: String) -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = BusinessCalendar.timeZone
        formatter.dateFormat = text.count > 16 ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd HH:mm"
        guard let date = formatter.date(from: text) else { preconditionFailure("not a time: \(text)") }
        return date
    }

    /// rep-1's contract submitted at `at`; supervisor alone below 50,000 CNY.
    @discardableResult
    func submit(_ service: RPCHarness, at: Date, amountFen: Fen = 3_000_000) async throws -> String {
        let contract = UUID().uuidString
        let event = ContractSubmitted(
            contractID: contract,
            number: "HT-2026-000777",
            dealID: "deal-1",
            customerID: "c-1",
            customerName: "宁波精工",
            ownerID: "rep-1",
            region: "east-china",
            amountFen: amountFen,
            lines: [],
            submittedBy: "rep-1",
            submittedAt: at
        )
        try await service.deliver(event, source: "deals", subject: contract, sequence: 2)
        let queue = try await flow.queue(service, of: "sup-1")
        return try #require(queue.first).id.description
    }

    func runner(_ service: RPCHarness) -> TimerRunner {
        TimerRunner(client: service.client, handlers: StepDeadlineTimers(logger: service.logger).handlers, logger: service.logger)
    }

    func approval(_ service: RPCHarness, _ id: String) async throws -> Approval {
        try await service.call(Operation.Approvals.get, as: "rep-1", id: id).decode(Approval.self)
    }

    func putPolicy(_ service: RPCHarness, _ body: String) async -> RPCResponse {
        await service.call(Operation.Approvals.putPolicies, as: "admin", body, key: UUID().uuidString)
    }

    @Test(
        "assigned on the Mid-Autumn Friday at 16:00: reminded Monday 14:30, escalated to the manager Monday 18:00, reminded daily up to three times"
    )
    func remindedAndEscalatedAcrossHoliday() async throws {
        try await flow.withService { service in
            let id = try await submit(service, at: Self.shanghai("2026-09-25 16:00"))
            let runner = runner(service)
            let pending = try #require(try await approval(service, id).pendingStep)
            #expect(pending.dueAt == Self.shanghai("2026-09-28 18:00"))
            #expect(pending.slaWorkingDays == 1)
            #expect(try await service.outbox(ApprovalStepAssigned.self).last?.slaWorkingDays == 1)

            // Nothing over the holiday and the weekend, nor before 4 working hours.
            #expect(try await runner.runDue(now: Self.shanghai("2026-09-28 14:29:59")).fired == 0)
            #expect(try await service.outbox(ApprovalStepReminded.self).isEmpty)

            #expect(try await runner.runDue(now: Self.shanghai("2026-09-28 14:30")).fired == 1)
            let first = try #require(try await service.outbox(ApprovalStepReminded.self).first)
            #expect(first.approverID == "sup-1" && first.reminder == 1 && first.maxReminders == 3)
            #expect(first.approverMobile == "13800000002")
            #expect(first.dueAt == Self.shanghai("2026-09-28 18:00"))
            // Fired once: the same instant again does nothing.
            #expect(try await runner.runDue(now: Self.shanghai("2026-09-28 14:30")).fired == 0)

            #expect(try await runner.runDue(now: Self.shanghai("2026-09-28 17:59:59")).fired == 0)
            #expect(try await service.outbox(ApprovalStepEscalated.self).isEmpty)
            #expect(try await runner.runDue(now: Self.shanghai("2026-09-28 18:00")).fired == 1)
            let escalated = try #require(try await service.outbox(ApprovalStepEscalated.self).first)
            #expect(escalated.approverID == "sup-1")
            #expect(escalated.managerID == "rm-east" && escalated.managerName == "吴经理")
            #expect(!escalated.reassigned)
            var step = try #require(try await approval(service, id).pendingStep)
            #expect(step.approverID == "sup-1")
            #expect(
                step.escalations == [
                    StepEscalation(
                        approverID: "sup-1",
                        approverName: "周主管",
                        managerID: "rm-east",
                        managerName: "吴经理",
                        reassigned: false,
                        escalatedAt: Self.shanghai("2026-09-28 18:00")
                    )
                ]
            )

            #expect(try await runner.runDue(now: Self.shanghai("2026-09-29 14:29:59")).fired == 0)
            #expect(try await runner.runDue(now: Self.shanghai("2026-09-29 14:30")).fired == 1)
            #expect(try await runner.runDue(now: Self.shanghai("2026-09-30 14:29:59")).fired == 0)
            #expect(try await runner.runDue(now: Self.shanghai("2026-09-30 14:30")).fired == 1)
            // Three reminders at most; one escalation.
            #expect(try await runner.runDue(now: Self.shanghai("2026-12-31 18:00")).fired == 0)
            let reminders = try await service.outbox(ApprovalStepReminded.self)
            #expect(reminders.map(\.reminder) == [1, 2, 3])
            #expect(reminders.map(\.remindedAt) == ["2026-09-28 14:30", "2026-09-29 14:30", "2026-09-30 14:30"].map(Self.shanghai))
            #expect(try await service.outbox(ApprovalStepEscalated.self).count == 1)
            step = try #require(try await approval(service, id).pendingStep)
            #expect(step.reminders == 3)
            #expect(step.lastRemindedAt == Self.shanghai("2026-09-30 14:30"))
            // Each reminder and the escalation is the approval's next version, in order.
            let sequences = try await service.outbox().filter { $0.subject == id }.map(\.sequence)
            #expect(sequences == Array(1...Int64(sequences.count)))
        }
    }

    @Test(
        "assigned before 国庆 under a reassigning policy: reminded 10-08 11:00, moved up to the regional manager at 10-08 16:00, whose own clock starts then"
    )
    func reassignedUpTheLine() async throws {
        try await flow.withService { service in
            let put = await putPolicy(service, #"{"tiers":[{"aboveFen":0,"steps":["supervisor"]}],"escalation":"reassign"}"#)
            #expect(put.status == 200, "\(put.text)")
            let id = try await submit(service, at: Self.shanghai("2026-09-30 16:00"))
            let runner = runner(service)
            #expect(try await approval(service, id).pendingStep?.dueAt == Self.shanghai("2026-10-08 16:00"))

            #expect(try await runner.runDue(now: Self.shanghai("2026-10-08 10:59:59")).fired == 0)
            #expect(try await runner.runDue(now: Self.shanghai("2026-10-08 11:00")).fired == 1)
            #expect(try await service.outbox(ApprovalStepReminded.self).map(\.approverID) == ["sup-1"])
            #expect(try await runner.runDue(now: Self.shanghai("2026-10-08 15:59:59")).fired == 0)
            #expect(try await runner.runDue(now: Self.shanghai("2026-10-08 16:00")).fired == 1)

            let escalated = try #require(try await service.outbox(ApprovalStepEscalated.self).first)
            #expect(escalated.managerID == "rm-east" && escalated.reassigned)
            let moved = try #require(try await service.outbox(ApprovalStepAssigned.self).last)
            #expect(moved.approverID == "rm-east" && moved.reassignedFromID == "sup-1")
            #expect(moved.assignedAt == Self.shanghai("2026-10-08 16:00"))
            let step = try #require(try await approval(service, id).pendingStep)
            #expect(step.approverID == "rm-east")
            #expect(step.reassignedFromID == "sup-1" && step.reassignedReason == .escalated)
            #expect(step.escalations?.map(\.reassigned) == [true])
            // rm-east 4 working hours from 10-08 16:00: 10-09 11:00 (sup-1's second reminder, due then too, was cancelled).
            #expect(step.dueAt == Self.shanghai("2026-10-09 16:00"))
            #expect(try await flow.queue(service, of: "rm-east").map(\.id.description) == [id])
            #expect(try await flow.queue(service, of: "sup-1").isEmpty)

            #expect(try await runner.runDue(now: Self.shanghai("2026-10-09 11:00")).fired == 1)
            #expect(try await service.outbox(ApprovalStepReminded.self).map(\.approverID) == ["sup-1", "rm-east"])
            // rm-east's SLA: 10-09 16:00, up to the gm; the gm's reminder falls on the make-up Saturday 10-10 at 11:00.
            #expect(try await runner.runDue(now: Self.shanghai("2026-10-09 16:00")).fired == 1)
            #expect(try await approval(service, id).pendingStep?.approverID == "gm")
            #expect(try await runner.runDue(now: Self.shanghai("2026-10-10 10:59:59")).fired == 0)
            #expect(try await runner.runDue(now: Self.shanghai("2026-10-10 11:00")).fired == 1)
            #expect(try await service.outbox(ApprovalStepReminded.self).map(\.approverID) == ["sup-1", "rm-east", "gm"])
            // Nobody is above the gm: at 10-10 16:00 the escalation is recorded, nobody else is told, the step stays.
            #expect(try await runner.runDue(now: Self.shanghai("2026-10-10 15:59:59")).fired == 0)
            #expect(try await runner.runDue(now: Self.shanghai("2026-10-10 16:00")).fired == 1)
            let top = try #require(try await service.outbox(ApprovalStepEscalated.self).last)
            #expect(top.approverID == "gm" && top.managerID == nil && !top.reassigned)
            let last = try #require(try await approval(service, id).pendingStep)
            #expect(last.approverID == "gm")
            #expect(last.escalations?.map(\.managerID) == ["rm-east", "gm", nil])
            #expect(last.escalations?.map(\.reassigned) == [true, true, false])
        }
    }

    @Test("a decision cancels the step's timers: nothing reminds or escalates later")
    func decisionCancels() async throws {
        try await flow.withService { service in
            let id = try await submit(service, at: Self.shanghai("2026-09-25 16:00"))
            let decided = await flow.decide(service, Operation.Approvals.approve, as: "sup-1", id)
            #expect(decided.status == 200, "\(decided.text)")
            let pass = try await runner(service).runDue(now: Self.shanghai("2027-06-30 12:00"))
            #expect(pass == TimerRunner.PassResult(fired: 0, failed: 0))
            #expect(try await service.outbox(ApprovalStepReminded.self).isEmpty)
            #expect(try await service.outbox(ApprovalStepEscalated.self).isEmpty)
            let key = StepDeadlineRepository.key(approval: try #require(RecordID(id)), step: 0, version: 2)
            let status = try await service.client.withConnection { connection in
                try await Timers.status(kind: StepDeadlineRepository.escalationKind, key: key, on: connection, logger: service.logger)
            }
            #expect(status == .cancelled)
        }
    }

    @Test("a recall cancels the step's timers")
    func recallCancels() async throws {
        try await flow.withService { service in
            let id = try await submit(service, at: Self.shanghai("2026-09-25 16:00"))
            let recalled = await service.call(Operation.Approvals.recall, as: "rep-1", "{}", id: id, key: UUID().uuidString)
            #expect(recalled.status == 200, "\(recalled.text)")
            #expect(try await runner(service).runDue(now: Self.shanghai("2027-06-30 12:00")).fired == 0)
            #expect(try await service.outbox(ApprovalStepReminded.self).isEmpty)
        }
    }

    @Test("a reminder whose transaction dies before its commit leaves nothing behind and is sent once, by the next pass")
    func crashBeforeCommitRemindsOnce() async throws {
        try await flow.withService { service in
            let id = try await submit(service, at: Self.shanghai("2026-09-25 16:00"))
            let timers = StepDeadlineTimers(logger: service.logger)
            struct Killed: Error {}
            let dying = TimerRunner(
                client: service.client,
                handlers: [
                    TimerHandler(kind: StepDeadlineRepository.reminderKind) { timer, now, connection, logger in
                        _ = try await timers.remind(timer, now: now, on: connection, logger: logger)
                        throw Killed()
                    }
                ],
                logger: service.logger
            )
            #expect(try await dying.runDue(now: Self.shanghai("2026-09-28 14:30")) == TimerRunner.PassResult(fired: 0, failed: 1))
            #expect(try await service.outbox(ApprovalStepReminded.self).isEmpty)
            #expect(try await approval(service, id).pendingStep?.reminders == 0)
            // The failed attempt is put off by the runner's retry delay; a later pass takes it.
            #expect(try await runner(service).runDue(now: Self.shanghai("2026-09-28 14:31")).fired == 1)
            #expect(try await runner(service).runDue(now: Self.shanghai("2026-09-28 14:32")).fired == 0)
            #expect(try await service.outbox(ApprovalStepReminded.self).map(\.reminder) == [1])
            #expect(try await approval(service, id).pendingStep?.reminders == 1)
        }
    }

    @Test("the policy carries reminder time, reminder count, SLA and escalation; bad values are 422 naming each field")
    func policyTiming() async throws {
        try await flow.withService { service in
            let initial = try await service.call(Operation.Approvals.getPolicies, as: "admin").decode(ApprovalPolicy.self)
            #expect(initial.timing == .standard)
            let put = await putPolicy(
                service,
                #"{"tiers":[{"aboveFen":0,"steps":["supervisor"]}],"reminderWorkingHours":2,"maxReminders":1,"slaWorkingDays":0.5,"escalation":"reassign"}"#
            )
            #expect(put.status == 200, "\(put.text)")
            let current = try await service.call(Operation.Approvals.getPolicies, as: "admin").decode(ApprovalPolicy.self)
            #expect(current.timing == StepTiming(reminderWorkingHours: 2, maxReminders: 1, slaWorkingDays: 0.5, escalation: .reassign))

            let bad = await putPolicy(
                service,
                #"{"tiers":[],"reminderWorkingHours":0,"maxReminders":11,"slaWorkingDays":31,"escalation":"fire"}"#
            )
            #expect(bad.status == 422)
            let fields = Set(try bad.problem().errors?.map(\.field) ?? [])
            #expect(fields == ["tiers", "reminderWorkingHours", "maxReminders", "slaWorkingDays", "escalation"])

            // Half a working day from Monday 09:00: 12:00 + 45 min after lunch.
            let id = try await submit(service, at: Self.shanghai("2026-09-28 09:00"))
            #expect(try await approval(service, id).pendingStep?.dueAt == Self.shanghai("2026-09-28 14:15"))
            #expect(try await service.outbox(ApprovalStepAssigned.self).last?.slaWorkingDays == 0.5)
        }
    }
}
