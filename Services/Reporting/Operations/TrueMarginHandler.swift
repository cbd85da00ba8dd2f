import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `reporting.trueMargin?from=YYYY-MM-DD&to=YYYY-MM-DD`: per product line of the contracts signed in the period (both
/// inclusive, Asia/Shanghai; default the 365 days ending today), within the caller's scope, the quoted margin beside
/// the true margin (``TrueMargin``: net of the cost of money at `COST_OF_MONEY_ANNUAL_BP` and of write-offs), the
/// average days to collect and the re-purchase rate. Ranked by true margin rate, best first. Reads the daily
/// aggregates of migration 0013 and their monthly rollup (0020, issue 14); the cost of money is rounded once per
/// product line. The re-purchase columns read the latest purchase days of migration 0019 where they are exact
/// (``CollectionsRepository/buyers(in:scope:today:on:)``).
struct TrueMarginHandler: Sendable {
    let postgres: PostgresClient
    let repository: CollectionsRepository
    let settings: ReportingSettings
    let now: @Sendable () -> Date

    struct LineView: Encodable {
        var productLine: String
        var revenueFen: Fen
        var costFen: Fen
        var quotedMarginFen: Fen
        @ExplicitNull var quotedMarginBp: Int64?
        var costOfMoneyFen: Fen
        var writtenOffFen: Fen
        var trueMarginFen: Fen
        @ExplicitNull var trueMarginBp: Int64?
        @ExplicitNull var averageDaysToCollect: Int?
        var customers: Int
        var repeatCustomers: Int
        @ExplicitNull var repurchaseRateBp: Int64?
    }

    struct Report: Encodable {
        var from: String
        var to: String
        var asOf: String
        var annualRateBp: Int64
        var items: [LineView]
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = DataScope(try request.requireIdentity())
        let now = self.now()
        let today = BusinessCalendar.day(of: now)
        let query = request.query
        let (from, to) =
            query["from"] == nil && query["to"] == nil
            ? (today.adding(days: -364).description, today.description) : (query["from"], query["to"])
        let period = try ReportPeriod.days(from: from, to: to, now: now)
        // Issue 14: sums of the daily and monthly aggregates (migrations 0013, 0020), never the contracts.
        let lines = try await postgres.withConnection { connection in
            let sums = try await repository.trueMarginSums(in: period, scope: scope, today: today, on: connection)
            let buyers = try await repository.buyers(in: period, scope: scope, today: today, on: connection)
            return TrueMargin.ranked(
                sums.map { sum in
                    TrueMargin.LineFigures(
                        productLine: sum.productLine,
                        revenueFen: sum.revenueFen,
                        costFen: sum.costFen,
                        writtenOffFen: sum.writtenOffFen,
                        moneyFenDays: sum.moneyFenDays,
                        moneyFen: sum.moneyFen,
                        customers: buyers[sum.productLine]?.customers ?? 0,
                        repeatCustomers: buyers[sum.productLine]?.repeats ?? 0
                    )
                },
                annualRateBp: settings.annualRateBp
            )
        }
        let lastDay = BusinessCalendar.day(of: period.end.addingTimeInterval(-1))
        return try .json(
            Report(
                from: BusinessCalendar.day(of: period.start).description,
                to: lastDay.description,
                asOf: today.description,
                annualRateBp: settings.annualRateBp,
                items: lines.map { line in
                    LineView(
                        productLine: line.productLine,
                        revenueFen: line.revenueFen,
                        costFen: line.costFen,
                        quotedMarginFen: line.quotedMarginFen,
                        quotedMarginBp: line.quotedMarginBp,
                        costOfMoneyFen: line.costOfMoneyFen,
                        writtenOffFen: line.writtenOffFen,
                        trueMarginFen: line.trueMarginFen,
                        trueMarginBp: line.trueMarginBp,
                        averageDaysToCollect: line.averageDaysToCollect,
                        customers: line.customers,
                        repeatCustomers: line.repeatCustomers,
                        repurchaseRateBp: line.repurchaseRateBp
                    )
                }
            )
        )
    }
}
