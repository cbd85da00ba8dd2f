import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `reporting.dailyActive?from=YYYY-MM-DD&to=YYYY-MM-DD`: for each Asia/Shanghai day of the period (both inclusive;
/// default the current month, at most 366 days), the distinct users in the caller's scope who logged in, how many of
/// them are reps, and that as a share of the reps in scope who are active now.
///
/// Scope is by the user who logged in: a rep sees their own logins, a supervisor their team's, a regional manager
/// their region's, gm, admin and finance everyone's. `repShare` is a percent string with two decimals, `null` when
/// the scope holds no active rep.
struct DailyActiveHandler: Sendable {
    static let operation = "reporting.dailyActive"
    /// The longest period one request may ask for: a year of days.
    static let maximumDays = 366

    let postgres: PostgresClient
    let repository: DailyActiveRepository

    struct Report: Encodable {
        var from: String
        var to: String
        var activeReps: Int
        var days: [Day]
    }

    struct Day: Encodable {
        var day: String
        var activeUsers: Int
        var activeReps: Int
        @ExplicitNull var repShare: String?
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = DataScope(try request.requireIdentity())
        let query = request.query
        let period = try ReportPeriod.days(from: query["from"], to: query["to"])
        let first = BusinessCalendar.day(of: period.start)
        let last = BusinessCalendar.day(of: period.end.addingTimeInterval(-1))
        let dayCount = Int((period.end.timeIntervalSince(period.start) / 86_400).rounded())
        guard dayCount <= Self.maximumDays else {
            throw Problem.validation([.init(field: "to", message: "must be at most \(Self.maximumDays) days after from")])
        }
        let (days, reps) = try await postgres.withConnection { connection in
            let days = try await repository.days(from: first.description, through: last.description, scope: scope, on: connection)
            return (days, try await repository.activeReps(scope: scope, on: connection))
        }
        return try .json(
            Report(
                from: first.description,
                to: last.description,
                activeReps: reps,
                days: days.map {
                    Day(
                        day: $0.day,
                        activeUsers: $0.activeUsers,
                        activeReps: $0.activeReps,
                        repShare: Ratio.percent(Int64($0.activeReps), of: Int64(reps))
                    )
                }
            )
        )
    }
}
