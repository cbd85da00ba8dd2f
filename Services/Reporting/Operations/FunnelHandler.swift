import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `reporting.funnel?from=YYYY-MM-DD&to=YYYY-MM-DD`: the funnel `lead → qualified → quoted → contract → won` of the
/// deals created in the period (Asia/Shanghai dates, both inclusive; default the current month), within the caller's
/// scope. ``Funnel`` defines what counts at each stage.
///
/// Answers `{"stages":[{"stage":"lead","count":N,"conversionFromPrevious":"100.00"},…]}`; a conversion is the
/// stage's count as a percent of the previous stage's, with two decimals, `null` when the previous stage is empty.
struct FunnelHandler: Sendable {
    let postgres: PostgresClient
    let repository: SalesReportsRepository

    struct Stage: Encodable {
        var stage: String
        var count: Int
        @ExplicitNull var conversionFromPrevious: String?
    }

    struct Stages: Encodable {
        var stages: [Stage]
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = DataScope(try request.requireIdentity())
        let query = request.query
        let period = try ReportPeriod.days(from: query["from"], to: query["to"])
        let funnel = try await postgres.withConnection { connection in
            try await repository.funnel(in: period, scope: scope, on: connection)
        }
        let stages = Funnel.Stage.allCases.map {
            Stage(stage: $0.rawValue, count: funnel.count($0), conversionFromPrevious: funnel.conversionFromPrevious($0))
        }
        return try .json(Stages(stages: stages))
    }
}
