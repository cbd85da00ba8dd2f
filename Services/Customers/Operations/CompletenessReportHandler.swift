import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `customers.completenessReport`: each rep's average completeness over their active customers in the caller's scope
/// (a rep: themselves; a supervisor: the team; a regional manager: the region; gm, admin, finance: everyone), lowest
/// average first, each with their five lowest customers and what those miss; the overall average; the target line;
/// and the month's best rep.
///
/// The best rep of the month is computed live, from the data as it is now: the highest average among the reps in the
/// report (ties: more customers, then rep id), labelled with the current month in Asia/Shanghai.
struct CompletenessReportHandler: Sendable {
    static let operation = "customers.completenessReport"
    static let worstPerRep = 5

    let postgres: PostgresClient
    let repository: CompletenessRepository
    let now: @Sendable () -> Date
    let logger: Logger

    struct Report: Encodable, Sendable {
        var targetBp: Int64
        /// `YYYY-MM`, Asia/Shanghai.
        var month: String
        @ExplicitNull var overallBp: Int64?
        var customers: Int
        var reps: [Rep]
        @ExplicitNull var bestRepOfMonth: BestRep?
    }

    struct Rep: Encodable, Sendable {
        var repId: String
        var repName: String
        var customers: Int
        var averageBp: Int64
        var worst: [CompletenessRepository.WorstCustomer]
    }

    struct BestRep: Encodable, Sendable {
        var repId: String
        var repName: String
        var averageBp: Int64
        var customers: Int
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let now = self.now()
        let figures = try await postgres.withConnection { connection in
            try await repository.perRep(scope: scope, now: now, worst: Self.worstPerRep, on: connection)
        }
        let reps = figures.map {
            Rep(repId: $0.repID, repName: $0.repName, customers: $0.customers, averageBp: $0.averageBp, worst: $0.worst)
        }
        .sorted { ($0.averageBp, $0.repId) < ($1.averageBp, $1.repId) }
        let best = reps.max { ($0.averageBp, $0.customers, $1.repId) < ($1.averageBp, $1.customers, $0.repId) }
        let customers = figures.reduce(0) { $0 + $1.customers }
        let day = BusinessCalendar.day(of: now)
        return try .json(
            Report(
                targetBp: Completeness.targetBp,
                month: "\(day.year)-\(day.month < 10 ? "0" : "")\(day.month)",
                overallBp: Completeness.average(sum: figures.reduce(0) { $0 + $1.sumBp }, count: customers),
                customers: customers,
                reps: reps,
                bestRepOfMonth: best.map { BestRep(repId: $0.repId, repName: $0.repName, averageBp: $0.averageBp, customers: $0.customers) }
            )
        )
    }
}
