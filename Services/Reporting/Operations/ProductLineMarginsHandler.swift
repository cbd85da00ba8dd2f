import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `reporting.productLineMargins?from=YYYY-MM-DD&to=YYYY-MM-DD`: revenue, cost and gross margin per product line of
/// the contracts signed in the period (Asia/Shanghai dates, both inclusive; default the current month), within the
/// caller's scope.
///
/// Answers `{"items":[{"productLine","revenueFen","costFen","grossMarginFen","grossMarginPercent"}]}`, largest revenue first;
/// `grossMarginPercent` is margin ÷ revenue as a string with two decimals (`"37.50"`), computed exactly from the
/// integer fen amounts, and `null` for a line without revenue.
struct ProductLineMarginsHandler: Sendable {
    let postgres: PostgresClient
    let repository: SalesReportsRepository

    struct LineMargin: Encodable {
        var productLine: String
        var revenueFen: Fen
        var costFen: Fen
        var grossMarginFen: Fen
        @ExplicitNull var grossMarginPercent: String?
    }

    struct Margins: Encodable {
        var items: [LineMargin]
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = DataScope(try request.requireIdentity())
        let query = request.query
        let period = try ReportPeriod.days(from: query["from"], to: query["to"])
        let totals = try await postgres.withConnection { connection in
            try await repository.productLineTotals(in: period, scope: scope, on: connection)
        }
        let items = totals.map { total in
            let margin = total.revenueFen - total.costFen
            return LineMargin(
                productLine: total.productLine,
                revenueFen: total.revenueFen,
                costFen: total.costFen,
                grossMarginFen: margin,
                grossMarginPercent: Margin.basisPoints(revenueFen: total.revenueFen, costFen: total.costFen).map(Ratio.percentText)
            )
        }
        return try .json(Margins(items: items))
    }
}
