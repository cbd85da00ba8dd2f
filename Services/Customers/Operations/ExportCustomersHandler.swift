import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `customers.export`: one page of the caller's customers as spreadsheet rows, cells in ``CustomerSheet`` column order,
/// with the list's filters (`region`, `industry`, `owner`, `q`, `archived`) and `cursor`/`limit` (up to 1,000).
///
/// The gateway calls it page by page while it streams the CSV or XLSX file to the client, so an export of any size
/// is never held in memory whole. A customer's first contact fills the contact columns and its owner's username the
/// 负责人 column, so that the file imports again as "unchanged".
struct ExportCustomersHandler: Sendable {
    static let operation = "customers.export"

    let postgres: PostgresClient
    let repository: any CustomerRepository
    let logger: Logger

    /// One page of rows and the cursor of the next (`null` after the last).
    struct SheetPage: Encodable {
        var header: [String]
        var rows: [[String]]
        @ExplicitNull var nextCursor: String?
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let page = try request.pageRequest(defaultLimit: 500, maxLimit: 1_000)
        let filter = try ListCustomersHandler.filter(request)
        let (customers, users) = try await postgres.withConnection { connection in
            (
                try await repository.list(filter, scope: scope, page: page, on: connection),
                try await OrgReplica(logger: logger).users(on: connection)
            )
        }
        let usernames = Dictionary(users.map { ($0.id, $0.username.isEmpty ? $0.id : $0.username) }, uniquingKeysWith: { first, _ in first })
        let result = Page(rows: customers, for: page) { PageCursor(createdAt: $0.createdAt, id: $0.id.uuid) }
        return try .json(
            SheetPage(
                header: CustomerSheet.exportHeader,
                rows: result.items.map { Self.cells(of: $0, usernames: usernames) },
                nextCursor: result.nextCursor
            )
        )
    }

    /// A customer's cells in export order.
    static func cells(of customer: Customer, usernames: [String: String]) -> [String] {
        let contact = customer.contacts.first
        return CustomerSheet.Column.allCases.map { column in
            switch column {
            case .name: customer.name
            case .creditCode: customer.creditCode ?? ""
            case .region: customer.region
            case .industry: customer.industry
            case .address: customer.address ?? ""
            case .level: customer.level?.rawValue ?? ""
            case .source: customer.source?.rawValue ?? ""
            case .externalID: customer.externalID ?? ""
            case .contactName: contact?.name ?? ""
            case .contactPhone: contact?.phone ?? contact?.email ?? ""
            case .contactTitle: contact?.title ?? ""
            case .owner: customer.ownerID.map { usernames[$0] ?? $0 } ?? ""
            }
        }
    }
}
