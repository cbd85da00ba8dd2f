import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `deals.receivablesReport`: the ageing of what signed contracts still have to collect, per customer, rep, region or
/// for the company (`by`), in the caller's scope, as of today in Shanghai or, for managers and finance, as of `asOf`.
struct ReceivablesReportHandler: Sendable {
    /// The operation this handler answers; `openapi.yaml` routes `GET /receivables` to it (`x-rpc`).
    static let operation = "deals.receivablesReport"

    let postgres: PostgresClient
    let repository: ReceivablesRepository
    let logger: Logger

    /// How rows are grouped.
    enum Grouping: String, Sendable {
        case customer, rep, region, company
    }

    /// One row of the table: who it is, their buckets and totals.
    struct Row: Encodable, Sendable {
        var key: String
        var name: String
        var buckets: Ageing.Buckets
        var totalFen: Fen
        var overdueFen: Fen
        var installments: Int
    }

    /// The company's buckets and totals over every row.
    struct Total: Encodable, Sendable {
        var buckets: Ageing.Buckets
        var totalFen: Fen
        var overdueFen: Fen
        var installments: Int
    }

    struct Report: Encodable, Sendable {
        var asOf: String
        var by: String
        var rows: [Row]
        var total: Total
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let asOf = try Self.asOf(request, scope: scope)
        let text = request.query["by"].flatMap { $0.isEmpty ? nil : $0 } ?? Grouping.customer.rawValue
        guard let grouping = Grouping(rawValue: text) else {
            throw Problem.validation([.init(field: "by", message: "must be customer, rep, region or company")])
        }
        let open = try await postgres.withConnection { connection in
            try await repository.open(scope: scope, asOf: asOf, on: connection)
        }
        return try .json(Self.report(open, by: grouping, asOf: asOf))
    }

    /// The day the report is as of: today in Shanghai, or `asOf` for anyone but a rep (403 for a rep; 422 when it is
    /// not a date).
    static func asOf(_ request: RPCRequest, scope: DataScope) throws(Problem) -> CalendarDay {
        guard let text = request.query["asOf"], !text.isEmpty else { return BusinessCalendar.day(of: Date()) }
        guard let day = CalendarDay(text) else { throw Problem.validation([.init(field: "asOf", message: "must be a date YYYY-MM-DD")]) }
        guard scope.caller.role != .rep else { throw Problem.forbidden("Only managers and finance look at receivables on another day.") }
        return day
    }

    /// Groups open installments into rows, largest total first.
    static func report(_ open: [OpenInstallment], by grouping: Grouping, asOf: CalendarDay) -> Report {
        var rows: [String: Row] = [:]
        var total = Ageing.Buckets()
        for installment in open {
            let (key, name): (String, String) =
                switch grouping {
                case .customer: (installment.customerID, installment.customerName)
                case .rep: (installment.ownerID, installment.ownerName)
                case .region: (installment.region, installment.region)
                case .company: ("company", "company")
                }
            var row = rows[key] ?? Row(key: key, name: name, buckets: Ageing.Buckets(), totalFen: 0, overdueFen: 0, installments: 0)
            row.buckets.add(installment.outstandingFen, to: installment.bucket)
            row.totalFen = row.buckets.totalFen
            row.overdueFen = row.buckets.overdueFen
            row.installments += 1
            rows[key] = row
            total.add(installment.outstandingFen, to: installment.bucket)
        }
        let sorted = rows.values.sorted { ($0.totalFen, $1.key) > ($1.totalFen, $0.key) }
        return Report(
            asOf: asOf.description,
            by: grouping.rawValue,
            rows: sorted,
            total: Total(buckets: total, totalFen: total.totalFen, overdueFen: total.overdueFen, installments: open.count)
        )
    }
}
