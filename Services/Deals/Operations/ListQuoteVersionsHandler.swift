import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `deals.listQuoteVersions` (path id = deal id): every version of the deal's quote, oldest first, each with what
/// changed from the previous one, and which is current.
struct ListQuoteVersionsHandler: Sendable {
    let postgres: PostgresClient
    let store: DealsStore
    let logger: Logger

    struct Page: Encodable {
        var items: [QuoteVersionView]
        var currentVersion: Int?
        var currentQuoteId: String?
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let dealID = try request.pathRecordID("deal")
        let versions = try await postgres.withConnection { connection in
            _ = try scope.visible(try await store.deals.find(id: dealID, on: connection, forUpdate: false), "deal", id: dealID)
            return try await store.quotes.all(dealID: dealID, on: connection)
        }
        var items: [QuoteVersionView] = []
        var previous: Quote.Version?
        for version in versions {
            items.append(QuoteVersionView(version: version, changes: Quote.Diff(from: previous, to: version)))
            previous = version
        }
        return try .json(Page(items: items, currentVersion: previous?.version, currentQuoteId: previous?.id.description))
    }
}
