import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `deals.createProduct`: adds a product to the catalogue. Prices and costs are the company's, so only admin and
/// finance maintain them (403 for everyone else).
struct CreateProductHandler: Sendable {
    let postgres: PostgresClient
    let store: DealsStore
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let identity = try request.requireIdentity()
        guard identity.role == .admin || identity.role == .finance else {
            throw Problem.forbidden("Only admin and finance maintain the product catalogue.")
        }
        let fields = try request.decode(ProductDraft.self).validated()
        let product = Product(
            id: RecordID(),
            name: fields.name,
            productLine: fields.productLine,
            listPriceFen: fields.listPriceFen,
            unitCostFen: fields.unitCostFen,
            createdAt: Date()
        )
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            try await store.products.insert(product, createdBy: identity.userID, on: connection)
            return try .json(product, status: 201)
        }
    }
}
