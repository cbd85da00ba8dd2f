import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `deals.createProduct`: adds a product to the catalogue, its creation the first line of its history. Prices and
/// costs are the company's, so only admin and finance maintain them (403 for everyone else).
struct CreateProductHandler: Sendable {
    let postgres: PostgresClient
    let store: DealsStore
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let identity = try DealsService.catalogueMaintainer(request)
        let fields = try request.decode(ProductDraft.self).validated()
        let now = Date()
        let product = Product(
            id: RecordID(),
            name: fields.name,
            productLine: fields.productLine,
            listPriceFen: fields.listPriceFen,
            unitCostFen: fields.unitCostFen,
            version: 1,
            retiredAt: nil,
            createdAt: now,
            updatedAt: now
        )
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            try await store.products.insert(product, createdBy: identity.userID, on: connection)
            try await store.products.appendHistory(
                productID: product.id,
                action: .created,
                changes: ProductRules.changes(from: nil, to: product),
                by: identity.userID,
                at: now,
                on: connection
            )
            return try .json(product, status: 201)
        }
    }
}
