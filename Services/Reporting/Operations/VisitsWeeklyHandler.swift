import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `reporting.visitsWeekly?weeks=8`: per rep in the caller's scope, their visits in each of the last `weeks` ISO
/// weeks (Asia/Shanghai, the current one last; 1…52, default 8): visits checked in, those checked out, flagged ones,
/// follow-ups set and how they went, and the average visit length over the whole period.
///
/// Scope is by the visit's rep: a rep sees themselves, a supervisor their team, a regional manager their region, gm,
/// admin and finance everyone. Every active rep in scope has a row, with zeros when they made no visit. Rows are
/// by visits in the period, most first, then by name.
struct VisitsWeeklyHandler: Sendable {
    static let operation = "reporting.visitsWeekly"
    static let maximumWeeks = 52

    let postgres: PostgresClient
    let repository: VisitReportsRepository

    struct Report: Encodable {
        var weeks: [String]
        var reps: [Rep]
    }

    struct Rep: Encodable {
        var repId: String
        var repName: String
        /// Visits checked in, per week.
        var counts: [Int]
        /// Of those, checked out.
        var completed: [Int]
        /// Of those, with at least one flag.
        var flagged: [Int]
        /// Of those, with a follow-up day set.
        var followUpsSet: [Int]
        /// Follow-ups set that week, done (the customer's next visit) on or before the day.
        var followUpsOnTime: [Int]
        /// Done after the day.
        var followUpsLate: [Int]
        /// Not done, and the day has passed.
        var followUpsOverdue: [Int]
        /// Average whole minutes of the checked-out visits of the period, rounded; `null` without any.
        @ExplicitNull var averageDurationMinutes: Int?
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let count = try Self.weeks(request.query["weeks"])
        let now = Date()
        let today = BusinessCalendar.day(of: now)
        let (weeks, rows, reps) = try await postgres.withConnection { connection in
            let weeks = try await repository.weeks(count: count, endingAt: now, on: connection)
            guard let first = weeks.first, let last = weeks.last else {
                return (weeks, [VisitReportsRepository.RepWeek](), [(id: String, name: String)]())
            }
            let rows = try await repository.repWeeks(from: first.start, through: last.start, today: today, scope: scope, on: connection)
            return (weeks, rows, try await repository.activeReps(scope: scope, on: connection))
        }
        return try .json(Report(weeks: weeks.map(\.label), reps: Self.rows(weeks: weeks, figures: rows, reps: reps)))
    }

    /// One row per rep with figures or active in scope, each week in order.
    static func rows(
        weeks: [VisitReportsRepository.Week],
        figures: [VisitReportsRepository.RepWeek],
        reps: [(id: String, name: String)]
    )
        -> [Rep]
    {
        let index = Dictionary(uniqueKeysWithValues: weeks.enumerated().map { ($0.element.start, $0.offset) })
        let zeros = Array(repeating: 0, count: weeks.count)
        var byRep: [String: (rep: Rep, minutes: Int, durations: Int)] = [:]
        func empty(_ id: String, _ name: String) -> (rep: Rep, minutes: Int, durations: Int) {
            let rep = Rep(
                repId: id,
                repName: name,
                counts: zeros,
                completed: zeros,
                flagged: zeros,
                followUpsSet: zeros,
                followUpsOnTime: zeros,
                followUpsLate: zeros,
                followUpsOverdue: zeros,
                averageDurationMinutes: nil
            )
            return (rep, 0, 0)
        }
        for rep in reps { byRep[rep.id] = empty(rep.id, rep.name) }
        for figure in figures {
            guard let week = index[figure.weekStart] else { continue }
            var entry = byRep[figure.repID] ?? empty(figure.repID, figure.repName)
            entry.rep.counts[week] += figure.visits
            entry.rep.completed[week] += figure.completed
            entry.rep.flagged[week] += figure.flagged
            entry.rep.followUpsSet[week] += figure.followUpsSet
            entry.rep.followUpsOnTime[week] += figure.followUpsOnTime
            entry.rep.followUpsLate[week] += figure.followUpsLate
            entry.rep.followUpsOverdue[week] += figure.followUpsOverdue
            entry.minutes += figure.durationMinutesTotal
            entry.durations += figure.durationCount
            byRep[figure.repID] = entry
        }
        return byRep.values.map { entry in
            var rep = entry.rep
            if entry.durations > 0 {
                rep.averageDurationMinutes = Int((Double(entry.minutes) / Double(entry.durations)).rounded(.toNearestOrAwayFromZero))
            }
            return rep
        }
        .sorted { a, b in
            let (totalA, totalB) = (a.counts.reduce(0, +), b.counts.reduce(0, +))
            return totalA != totalB ? totalA > totalB : (a.repName, a.repId) < (b.repName, b.repId)
        }
    }

    /// Parses `weeks` (1…52, default 8); 422 naming it otherwise.
    static func weeks(_ text: String?) throws(Problem) -> Int {
        guard let text, !text.isEmpty else { return 8 }
        guard let value = Int(text), (1...maximumWeeks).contains(value) else {
            throw Problem.validation([.init(field: "weeks", message: "must be a whole number from 1 to \(maximumWeeks)")])
        }
        return value
    }
}
