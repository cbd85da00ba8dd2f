import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `deals.getQuote` (path id = quote version id): one version with its changes from the previous one, if its deal is
/// in the caller's scope (404 otherwise).
struct GetQuoteHandler: Sendable {
    let postgres: PostgresClient
    let store: DealsStore
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let id = try request.pathRecordID("quote")
        let view = try await postgres.withConnection { connection -> QuoteVersionView in
            guard var version = try await store.quotes.find(id: id, on: connection),
                let deal = try await store.deals.find(id: version.dealID, on: connection, forUpdate: false),
                scope.contains(ownerID: deal.ownerID, region: deal.region)
            else { throw Problem.notFound("No quote \(id).") }
            version.discount = try await store.discounts.find(quoteID: version.id, on: connection, forUpdate: false)
            let previous = version.version > 1 ? try await store.quotes.find(dealID: deal.id, version: version.version - 1, on: connection) : nil
            return QuoteVersionView(version: version, changes: Quote.Diff(from: previous, to: version))
        }
        return try .json(view)
    }
}
