import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `deals.updateProduct` (path id = product id): changes a product's name, line, list price or unit cost (admin and
/// finance; 403 otherwise). With `version`, a stale edit is a 409; a retired product takes no edits (409). A change is
/// a line of the product's history and `product.updated`; a no-op changes nothing and publishes nothing. Quote versions
/// already written keep the prices and costs they were made with.
struct UpdateProductHandler: Sendable {
    /// The operation this handler answers; `openapi.yaml` routes `PATCH /products/{id}` to it (`x-rpc`).
    static let operation = "deals.updateProduct"

    let postgres: PostgresClient
    let store: DealsStore
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let identity = try DealsService.catalogueMaintainer(request)
        let id = try request.pathRecordID("product")
        let patch = try request.decode(ProductPatch.self)
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            guard let product = try await store.products.find(id: id, on: connection, forUpdate: true) else {
                throw Problem.notFound("No product \(id).")
            }
            if let expected = patch.version, expected != product.version {
                throw Problem.conflict("The product is at version \(product.version), not \(expected); reload and retry.")
            }
            guard !product.retired else { throw Problem.conflict("The product is retired; it takes no more changes.") }
            let applied = try patch.applied(to: product)
            var changedProduct = applied.product
            let changed = applied.changed
            guard !changed.isEmpty else { return try .json(product) }
            changedProduct.version += 1
            changedProduct.updatedAt = Date()
            try await store.products.update(changedProduct, on: connection)
            try await store.recordProduct(
                changedProduct,
                action: .updated,
                changes: ProductRules.changes(from: product, to: changedProduct),
                event: ProductUpdated(product: changedProduct.snapshot, changedFields: changed, byUserID: identity.userID),
                by: identity.userID,
                traceparent: request.headers[RPC.Header.traceparent],
                on: connection
            )
            return try .json(changedProduct)
        }
    }
}

/// `deals.retireProduct` (path id = product id): takes a product out of the catalogue (admin and finance). It stays
/// readable (`includeRetired=true`) and in the quotes that name it, but a new quote line naming it is a 422. Retiring a
/// retired product is a 409. A line of the product's history and `product.retired`.
struct RetireProductHandler: Sendable {
    /// The operation this handler answers; `openapi.yaml` routes `POST /products/{id}/retire` to it (`x-rpc`).
    static let operation = "deals.retireProduct"

    let postgres: PostgresClient
    let store: DealsStore
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let identity = try DealsService.catalogueMaintainer(request)
        let id = try request.pathRecordID("product")
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            guard let product = try await store.products.find(id: id, on: connection, forUpdate: true) else {
                throw Problem.notFound("No product \(id).")
            }
            guard !product.retired else { throw Problem.conflict("The product is already retired.") }
            var retired = product
            let now = Date()
            retired.retiredAt = now
            retired.updatedAt = now
            retired.version += 1
            try await store.products.update(retired, on: connection)
            try await store.recordProduct(
                retired,
                action: .retired,
                changes: ProductRules.changes(from: product, to: retired),
                event: ProductRetired(product: retired.snapshot, byUserID: identity.userID),
                by: identity.userID,
                traceparent: request.headers[RPC.Header.traceparent],
                on: connection
            )
            return try .json(retired)
        }
    }
}

/// `deals.productHistory` (path id = product id): who created, changed and retired the product, with the values before
/// and after, newest first, a page at a time. Everyone signed in reads the catalogue, so everyone reads its history.
struct ProductHistoryHandler: Sendable {
    /// The operation this handler answers; `openapi.yaml` routes `GET /products/{id}/history` to it (`x-rpc`).
    static let operation = "deals.productHistory"

    let postgres: PostgresClient
    let store: DealsStore
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        _ = try request.requireIdentity()
        let id = try request.pathRecordID("product")
        let page = try request.pageRequest()
        let rows = try await postgres.withConnection { connection in
            guard try await store.products.find(id: id, on: connection, forUpdate: false) != nil else {
                throw Problem.notFound("No product \(id).")
            }
            return try await store.products.history(productID: id, page: page, on: connection)
        }
        return try .json(Page(rows: rows, for: page, cursor: ProductRepository.historyCursor(after:)))
    }
}
