import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `reporting.approvalTimes?from=YYYY-MM-DD&to=YYYY-MM-DD`: how long the approvals completed in the period took
/// (Asia/Shanghai dates, both inclusive; default the current month), within the caller's scope (the contract's owner
/// and region).
///
/// Answers `{"count","decided","approved","rejected","recalled","averageWorkingDays","medianWorkingDays",
/// "withinTwoWorkingDays"}`. `count` is every completed approval; the durations cover only the `decided` ones
/// (approved or rejected), because a recall measures the submitter, not the approvers. Average and median are working
/// days as strings with two decimals (`"1.50"`); `withinTwoWorkingDays` is the share of decided approvals that took at
/// most 2 working days (the users' health threshold), a percent string with two decimals computed exactly from the
/// counts. All three are `null` when nothing was decided. The figures come from the approval-time histogram (reporting
/// migration 0014): count, average and share are exact; the median is that of the durations rounded to 1/100 working
/// day, i.e. to 0.01 working day (``ApprovalHistogram``).
struct ApprovalTimesHandler: Sendable {
    let postgres: PostgresClient
    let repository: SalesReportsRepository

    struct Times: Encodable {
        var count: Int
        var decided: Int
        var approved: Int
        var rejected: Int
        var recalled: Int
        @ExplicitNull var averageWorkingDays: String?
        @ExplicitNull var medianWorkingDays: String?
        @ExplicitNull var withinTwoWorkingDays: String?
    }

    /// Working days with two decimals.
    static func days(_ value: Double?) -> String? {
        value.map { String(format: "%.2f", $0) }
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = DataScope(try request.requireIdentity())
        let query = request.query
        let period = try ReportPeriod.days(from: query["from"], to: query["to"])
        let figures = try await postgres.withConnection { connection in
            try await repository.approvalFigures(in: period, scope: scope, on: connection)
        }
        let decided = figures.approved + figures.rejected
        return try .json(
            Times(
                count: decided + figures.recalled,
                decided: decided,
                approved: figures.approved,
                rejected: figures.rejected,
                recalled: figures.recalled,
                averageWorkingDays: Self.days(figures.averageWorkingDays),
                medianWorkingDays: Self.days(figures.medianWorkingDays),
                withinTwoWorkingDays: Ratio.percent(Int64(figures.withinTwoWorkingDays), of: Int64(decided))
            )
        )
    }
}
