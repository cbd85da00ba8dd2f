import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `reporting.topReps?month=YYYY-MM`: the five reps with the largest signed contract amount in an Asia/Shanghai
/// calendar month (default: the current one), within the caller's scope.
///
/// Answers `{"month":"2026-11","items":[{"userId","displayName","region","signedAmountFen","contracts"}]}`, largest
/// amount first; `region` is `null` only for an owner no `user.*` event described and no contract placed.
struct TopRepsHandler: Sendable {
    let postgres: PostgresClient
    let repository: SalesReportsRepository

    static let limit = 5

    struct Rep: Encodable {
        var userId: String
        var displayName: String
        @ExplicitNull var region: String?
        var signedAmountFen: Fen
        var contracts: Int
    }

    struct Ranking: Encodable {
        var month: String
        var items: [Rep]
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = DataScope(try request.requireIdentity())
        let (month, period) = try ReportPeriod.month(request.query["month"])
        let totals = try await postgres.withConnection { connection in
            try await repository.topReps(in: period, scope: scope, limit: Self.limit, on: connection)
        }
        let items = totals.map {
            Rep(userId: $0.userID, displayName: $0.displayName, region: $0.region, signedAmountFen: $0.signedAmountFen, contracts: $0.contracts)
        }
        return try .json(Ranking(month: month, items: items))
    }
}
