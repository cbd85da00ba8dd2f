import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// The product catalogue and its history.
struct ProductRepository: Sendable {
    let logger: Logger

    static let columns = "id, name, product_line, list_price_fen, unit_cost_fen, version, retired_at, created_at, updated_at"

    func insert(_ product: Product, createdBy: String, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO products (id, name, product_line, list_price_fen, unit_cost_fen, version, retired_at, created_by, created_at,
                                  updated_at)
            VALUES (\(product.id), \(product.name), \(product.productLine), \(product.listPriceFen), \(product.unitCostFen),
                    \(product.version), \(product.retiredAt), \(createdBy), \(product.createdAt), \(product.updatedAt))
            """,
            logger: logger
        )
    }

    /// Writes a product's fields, retirement and version.
    func update(_ product: Product, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE products SET name = \(product.name), product_line = \(product.productLine), list_price_fen = \(product.listPriceFen),
                unit_cost_fen = \(product.unitCostFen), version = \(product.version), retired_at = \(product.retiredAt),
                updated_at = \(product.updatedAt)
            WHERE id = \(product.id)
            """,
            logger: logger
        )
    }

    func find(id: RecordID, on connection: PostgresConnection, forUpdate: Bool) async throws -> Product? {
        let rows =
            forUpdate
            ? try await connection.query("SELECT \(unescaped: Self.columns) FROM products WHERE id = \(id) FOR UPDATE", logger: logger)
            : try await connection.query("SELECT \(unescaped: Self.columns) FROM products WHERE id = \(id)", logger: logger)
        return try await Self.decode(rows).first
    }

    /// The catalogue, by product line and name, optionally one product line only; retired products only when asked.
    func list(productLine: String?, includeRetired: Bool, on connection: PostgresConnection) async throws -> [Product] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM products
            WHERE (\(productLine)::text IS NULL OR product_line = \(productLine))
              AND (\(includeRetired) OR retired_at IS NULL)
            ORDER BY product_line, name, id
            """,
            logger: logger
        )
        return try await Self.decode(rows)
    }

    /// The products with these ids (those that exist, retired ones marked), keyed by lower-case id text.
    func find(ids: [UUID], on connection: PostgresConnection) async throws -> [String: Quote.PricedProduct] {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM products WHERE id = ANY(\(ids)::uuid[])",
            logger: logger
        )
        var products: [String: Quote.PricedProduct] = [:]
        for product in try await Self.decode(rows) { products[product.id.description] = product.priced }
        return products
    }

    func appendHistory(
        productID: RecordID,
        action: ProductHistoryEntry.Action,
        changes: [String: JSONValue],
        by actorID: String,
        at time: Date,
        on connection: PostgresConnection
    ) async throws {
        let json = String(decoding: try JSONCoding.encoder.encode(changes), as: UTF8.self)
        try await connection.query(
            """
            INSERT INTO product_history (product_id, action, changes, actor_id, at)
            VALUES (\(productID), \(action.rawValue), \(json)::jsonb, \(actorID), \(time))
            """,
            logger: logger
        )
    }

    /// A product's history, newest first, a page at a time.
    func history(productID: RecordID, page: PageRequest, on connection: PostgresConnection) async throws -> [ProductHistoryEntry] {
        let after = page.cursor.map { ($0.boundTime, $0.number) }
        let rows = try await connection.query(
            """
            SELECT id, at, actor_id, action, changes::text FROM product_history
            WHERE product_id = \(productID)
              AND (\(after?.0)::timestamptz IS NULL OR (at, id) < (\(after?.0), \(after?.1)))
            ORDER BY at DESC, id DESC
            LIMIT \(page.fetchLimit)
            """,
            logger: logger
        )
        var entries: [ProductHistoryEntry] = []
        for try await (id, at, actor, action, changes) in rows.decode((Int64, Date, String, String, String).self) {
            entries.append(
                ProductHistoryEntry(
                    entryID: id,
                    at: at,
                    actorID: actor,
                    action: try ProductHistoryEntry.Action(stored: action, column: "product_history.action"),
                    changes: try JSONCoding.decoder.decode([String: JSONValue].self, from: Data(changes.utf8))
                )
            )
        }
        return entries
    }

    /// The page cursor after a history entry: history lines are numbered by a bigint.
    static func historyCursor(after entry: ProductHistoryEntry) -> PageCursor {
        PageCursor(createdAt: entry.at, number: entry.entryID)
    }

    private static func decode(_ rows: PostgresRowSequence) async throws -> [Product] {
        var products: [Product] = []
        for try await (id, name, line, price, cost, version, retiredAt, createdAt, updatedAt) in rows.decode(
            (RecordID, String, String, Int64, Int64, Int64, Date?, Date, Date).self
        ) {
            products.append(
                Product(
                    id: id,
                    name: name,
                    productLine: line,
                    listPriceFen: price,
                    unitCostFen: cost,
                    version: version,
                    retiredAt: retiredAt,
                    createdAt: createdAt,
                    updatedAt: updatedAt
                )
            )
        }
        return products
    }
}
