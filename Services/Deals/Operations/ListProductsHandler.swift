import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `deals.listProducts`: the catalogue, for everyone who is signed in, by product line and name
/// (`productLine=` narrows it). Retired products are left out unless `includeRetired=true`: a rep building a quote
/// sees only what can be quoted. A catalogue is small, so it comes in one page.
struct ListProductsHandler: Sendable {
    let postgres: PostgresClient
    let store: DealsStore
    let logger: Logger

    struct Page: Encodable {
        var items: [Product]
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        _ = try request.requireIdentity()
        let line = request.query["productLine"].flatMap { $0.isEmpty ? nil : $0 }
        let includeRetired: Bool
        switch request.query["includeRetired"] ?? "" {
        case "", "false": includeRetired = false
        case "true": includeRetired = true
        default: throw Problem.validation([.init(field: "includeRetired", message: "must be true or false")])
        }
        let products = try await postgres.withConnection { connection in
            try await store.products.list(productLine: line, includeRetired: includeRetired, on: connection)
        }
        return try .json(Page(items: products))
    }
}
