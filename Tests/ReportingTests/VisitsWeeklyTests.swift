import Contracts
import Foundation
import ServiceRuntime
import TestSupport
import Testing

@testable import Reporting

@Suite("Weekly visit report")
struct VisitsWeeklyTests {
    struct Rep: Decodable, Equatable {
        var repId: String
        var repName: String
        var counts: [Int]
        var completed: [Int]
        var flagged: [Int]
        var followUpsSet: [Int]
        var followUpsOnTime: [Int]
        var followUpsLate: [Int]
        var followUpsOverdue: [Int]
        var averageDurationMinutes: Int?
    }

    struct Report: Decodable {
        var weeks: [String]
        var reps: [Rep]
    }

    /// The ISO week calendar of Asia/Shanghai.
    static var weeks: Calendar {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = BusinessCalendar.timeZone
        return calendar
    }

    static func label(_ instant: Date) -> String {
        let parts = weeks.dateComponents([.yearForWeekOfYear, .weekOfYear], from: instant)
        return String(format: "%04d-W%02d", parts.yearForWeekOfYear ?? 0, parts.weekOfYear ?? 0)
    }

    static func visit(
        _ id: String,
        rep: String,
        customer: String,
        at time: Date,
        followUp: Date? = nil,
        flags: [String] = [],
        duration: Int? = nil,
        version: Int64 = 1
    ) -> VisitSnapshot {
        VisitSnapshot(
            id: id,
            customerID: customer,
            repID: rep,
            checkedInAt: time,
            checkedOutAt: duration.map { time.addingTimeInterval(Double($0 * 60)) },
            durationMinutes: duration,
            purpose: "follow_up",
            nextFollowUpOn: followUp.map { BusinessCalendar.day(of: $0).description },
            distanceMeters: nil,
            flags: flags,
            version: version
        )
    }

    @discardableResult
    static func deliver(_ visit: VisitSnapshot, _ service: RPCHarness) async throws -> EventEnvelope {
        if visit.version == 1 {
            return try await service.deliver(VisitCheckedIn(visit: visit), subject: visit.id, sequence: 1)
        }
        return try await service.deliver(VisitCheckedOut(visit: visit), subject: visit.id, sequence: visit.version)
    }

    static func report(as user: String, _ query: String, _ service: RPCHarness) async throws -> Report {
        let response = await service.call(VisitsWeeklyHandler.operation, as: user, query: query)
        #expect(response.status == 200, "\(response.text)")
        return try response.decode(Report.self)
    }

    @Test("visits per rep per ISO week: counts, completed, flagged, follow-ups on time, late and overdue; redelivery counts once")
    func weeklyFigures() async throws {
        try await RPCHarness.with(ReportingService.self) { service in
            try await Org.seed(service)
            let now = Date()
            let thisMonday = try #require(Self.weeks.dateInterval(of: .weekOfYear, for: now)?.start)
            let lastMonday = thisMonday.addingTimeInterval(-7 * 86_400)
            func last(_ days: Double, hour: Double = 10) -> Date { lastMonday.addingTimeInterval(days * 86_400 + hour * 3600) }

            // Last week, rep-1 at customer A: Monday (follow-up Wednesday, done Tuesday: on time), Tuesday (follow-up
            // Thursday, done Friday: late), Friday (follow-up Saturday, never done: overdue).
            let monday = Self.visit("v1", rep: "rep-1", customer: "A", at: last(0), followUp: last(2), flags: ["far"])
            let checkIn = try await Self.deliver(monday, service)
            try await Self.deliver(Self.visit("v2", rep: "rep-1", customer: "A", at: last(1), followUp: last(3)), service)
            try await Self.deliver(Self.visit("v3", rep: "rep-1", customer: "A", at: last(4), followUp: last(5)), service)
            // Monday's visit is checked out after 20 minutes; the check-out is redelivered (inbox) and replayed
            // (handler only), and the older check-in replayed after it: nothing changes.
            var out = Self.visit("v1", rep: "rep-1", customer: "A", at: last(0), followUp: last(2), flags: ["far"], duration: 20, version: 2)
            let checkOut = try await Self.deliver(out, service)
            try await service.deliver(checkOut)
            try await service.deliver(checkIn)
            try await service.replay(checkOut)
            try await service.replay(checkIn)
            // This week, rep-2 at customer B, flagged, 31 minutes.
            out = Self.visit("v4", rep: "rep-2", customer: "B", at: now, flags: ["poor_accuracy"])
            try await Self.deliver(out, service)
            out.version = 2
            out.durationMinutes = 31
            out.checkedOutAt = now
            try await Self.deliver(out, service)
            #expect(try await service.count("visit_projection") == 4)

            let gm = try await Self.report(as: "gm", "weeks=2", service)
            #expect(gm.weeks == [Self.label(lastMonday), Self.label(now)])
            #expect(gm.weeks.allSatisfy { $0.wholeMatch(of: /\d{4}-W\d{2}/) != nil })
            let rep1 = try #require(gm.reps.first)
            #expect(
                rep1
                    == Rep(
                        repId: "rep-1",
                        repName: "张伟",
                        counts: [3, 0],
                        completed: [1, 0],
                        flagged: [1, 0],
                        followUpsSet: [3, 0],
                        followUpsOnTime: [1, 0],
                        followUpsLate: [1, 0],
                        followUpsOverdue: [1, 0],
                        averageDurationMinutes: 20
                    )
            )
            let rep2 = try #require(gm.reps.dropFirst().first)
            #expect(rep2.repId == "rep-2" && rep2.counts == [0, 1] && rep2.completed == [0, 1] && rep2.flagged == [0, 1])
            #expect(rep2.averageDurationMinutes == 31 && rep2.followUpsSet == [0, 0])
            // Every other active rep has a row of zeros.
            #expect(gm.reps.count == 7)
            #expect(gm.reps.dropFirst(2).allSatisfy { $0.counts == [0, 0] && $0.averageDurationMinutes == nil })
            let raw = await service.call(VisitsWeeklyHandler.operation, as: "gm", query: "weeks=2").text
            #expect(raw.contains(#""averageDurationMinutes":null"#))

            // Scope: a rep sees themselves, a supervisor their team, a regional manager their region.
            #expect(try await Self.report(as: "rep-1", "weeks=2", service).reps.map(\.repId) == ["rep-1"])
            #expect(try await Self.report(as: "sup-1", "weeks=2", service).reps.map(\.repId) == ["rep-1", "rep-gone"])
            let sup2 = try await Self.report(as: "sup-2", "weeks=2", service)
            #expect(sup2.reps.first?.repId == "rep-2" && !sup2.reps.map(\.repId).contains("rep-1"))
            let north = try await Self.report(as: "rm-north", "weeks=2", service)
            #expect(north.reps.map(\.repId) == ["rep-north"] && north.reps.first?.counts == [0, 0])

            // The default is 8 weeks, the current one last; only this week: rep-2 first.
            let eight = try await Self.report(as: "gm", "", service)
            #expect(eight.weeks.count == 8 && eight.weeks.last == Self.label(now))
            #expect(eight.reps.first?.repId == "rep-1" && eight.reps.first?.counts.suffix(2) == [3, 0])
            let one = try await Self.report(as: "gm", "weeks=1", service)
            #expect(one.reps.first?.repId == "rep-2" && one.reps.first?.counts == [1])
        }
    }

    @Test("weeks must be 1 to 52")
    func weeksValidation() async throws {
        try await RPCHarness.with(ReportingService.self) { service in
            for bad in ["weeks=0", "weeks=53", "weeks=many"] {
                let response = await service.call(VisitsWeeklyHandler.operation, as: "gm", query: bad)
                #expect(response.status == 422, "\(bad)")
                let problem = try response.problem()
                #expect(problem.errors?.map(\.field) == ["weeks"])
            }
        }
    }
}
