import Contracts
import Foundation
import Logging
import PostgresNIO

/// The product catalogue.
struct ProductRepository: Sendable {
    let logger: Logger

    func insert(_ product: Product, createdBy: String, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO products (id, name, product_line, list_price_fen, unit_cost_fen, created_by, created_at)
            VALUES (\(product.id), \(product.name), \(product.productLine), \(product.listPriceFen), \(product.unitCostFen),
                    \(createdBy), \(product.createdAt))
            """,
            logger: logger
        )
    }

    /// The catalogue, by product line and name, optionally one product line only.
    func list(productLine: String?, on connection: PostgresConnection) async throws -> [Product] {
        let rows = try await connection.query(
            """
            SELECT id, name, product_line, list_price_fen, unit_cost_fen, created_at FROM products
            WHERE (\(productLine)::text IS NULL OR product_line = \(productLine))
            ORDER BY product_line, name, id
            """,
            logger: logger
        )
        var products: [Product] = []
        for try await (id, name, line, price, cost, createdAt) in rows.decode((RecordID, String, String, Int64, Int64, Date).self) {
            products.append(Product(id: id, name: name, productLine: line, listPriceFen: price, unitCostFen: cost, createdAt: createdAt))
        }
        return products
    }

    /// The products with these ids (those that exist), keyed by lower-case id text.
    func find(ids: [UUID], on connection: PostgresConnection) async throws -> [String: Quote.PricedProduct] {
        let rows = try await connection.query(
            "SELECT id, name, product_line, list_price_fen, unit_cost_fen FROM products WHERE id = ANY(\(ids)::uuid[])",
            logger: logger
        )
        var products: [String: Quote.PricedProduct] = [:]
        for try await (id, name, line, price, cost) in rows.decode((UUID, String, String, Int64, Int64).self) {
            let key = id.recordID.description
            products[key] = Quote.PricedProduct(id: key, name: name, productLine: line, listPriceFen: price, unitCostFen: cost)
        }
        return products
    }
}
