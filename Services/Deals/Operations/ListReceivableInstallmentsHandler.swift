import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `deals.listReceivableInstallments`: the drill-down of the receivables report — the installments with money
/// outstanding in the caller's scope, most overdue first, a page at a time (`limit`, `cursor`), filtered by ageing
/// `bucket`, `customerId`, `owner` and `region` (each narrows the scope, never widens it); `asOf` as in the report.
struct ListReceivableInstallmentsHandler: Sendable {
    /// The operation this handler answers; `openapi.yaml` routes `GET /receivables/installments` to it (`x-rpc`).
    static let operation = "deals.listReceivableInstallments"

    let postgres: PostgresClient
    let repository: ReceivablesRepository
    let logger: Logger

    /// One installment as the drill-down lists it.
    struct Item: Encodable, Sendable {
        var installmentId: String
        var contractId: String
        var contractNumber: String
        var customerId: String
        var customerName: String
        var ownerId: String
        var ownerName: String
        var region: String
        var sequence: Int
        var label: String
        @ExplicitNull var dueOn: String?
        var amountFen: Fen
        var outstandingFen: Fen
        /// 0 while not yet due (or without a due date).
        var daysOverdue: Int
        var bucket: String

        init(_ installment: OpenInstallment) {
            installmentId = installment.id.description
            contractId = installment.contractID.description
            contractNumber = installment.contractNumber
            customerId = installment.customerID
            customerName = installment.customerName
            ownerId = installment.ownerID
            ownerName = installment.ownerName
            region = installment.region
            sequence = installment.sequence
            label = installment.label
            dueOn = installment.dueOn?.description
            amountFen = installment.amountFen
            outstandingFen = installment.outstandingFen
            daysOverdue = max(0, installment.daysOverdue ?? 0)
            bucket = installment.bucket.rawValue
        }
    }

    /// A text filter: `nil` when absent or empty; a 422 when it could not name anything (over 200 characters, or a
    /// NUL character, which PostgreSQL text cannot hold).
    static func text(_ query: [String: String], _ name: String) throws(Problem) -> String? {
        guard let value = query[name], !value.isEmpty else { return nil }
        guard value.count <= 200, !value.unicodeScalars.contains("\0") else {
            throw Problem.validation([.init(field: name, message: "is not an id")])
        }
        return value
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let asOf = try ReceivablesReportHandler.asOf(request, scope: scope)
        let page = try request.pageRequest()
        let query = request.query
        var filter = ReceivablesFilter()
        if let text = query["bucket"], !text.isEmpty {
            guard let bucket = Ageing.Bucket(rawValue: text) else {
                throw Problem.validation([.init(field: "bucket", message: "must be notDue, d1to30, d31to60, d61to90 or over90")])
            }
            filter.bucket = bucket
        }
        filter.customerID = try Self.text(query, "customerId")
        filter.ownerID = try Self.text(query, "owner")
        filter.region = try Self.text(query, "region")
        let rows = try await postgres.withConnection { connection in
            try await repository.page(scope: scope, filter: filter, asOf: asOf, page: page, on: connection)
        }
        let shown = Array(rows.prefix(page.limit))
        let next = rows.count > page.limit ? shown.last.map { ReceivablesRepository.cursor(after: $0).token } : nil
        return try .json(Page(items: shown.map(Item.init), nextCursor: next))
    }
}
