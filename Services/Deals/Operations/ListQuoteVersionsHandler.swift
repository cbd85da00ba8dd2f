import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `deals.listQuoteVersions` (path id = deal id): the versions of the deal's quote, newest first, a page at a time
/// (`limit` 1…100, default 20; `cursor`), each with what changed from the version before it, and which is current.
struct ListQuoteVersionsHandler: Sendable {
    let postgres: PostgresClient
    let store: DealsStore
    let logger: Logger

    struct VersionsPage: Encodable {
        var items: [QuoteVersionView]
        @ExplicitNull var nextCursor: String?
        var currentVersion: Int?
        var currentQuoteId: String?
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let dealID = try request.pathRecordID("deal")
        let page = try request.pageRequest()
        let (versions, current) = try await postgres.withConnection { connection in
            _ = try scope.visible(try await store.deals.find(id: dealID, on: connection, forUpdate: false), "deal", id: dealID)
            return (
                try await store.discounts.attach(to: try await store.quotes.versions(dealID: dealID, page: page, on: connection), on: connection),
                try await store.quotes.latest(dealID: dealID, on: connection)
            )
        }
        // Each version's changes count from the next row, the version before it; the extra row is never shown.
        let views = versions.indices.prefix(page.fetchLimit).map { index in
            QuoteVersionView(
                version: versions[index],
                changes: Quote.Diff(from: versions.indices.contains(index + 1) ? versions[index + 1] : nil, to: versions[index])
            )
        }
        let paged = Page(rows: views, for: page) { PageCursor(createdAt: $0.version.createdAt, number: Int64($0.version.version)) }
        return try .json(
            VersionsPage(items: paged.items, nextCursor: paged.nextCursor, currentVersion: current?.version, currentQuoteId: current?.id.description)
        )
    }
}
