import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// Quote versions. There is deliberately no update: a version, once written, never changes.
struct QuoteRepository: Sendable {
    let logger: Logger

    static let columns = """
        id, deal_id, version, lines::text AS lines, total_fen, cost_fen, margin_fen, margin_basis_points,
        valid_until::text AS valid_until, note, created_by, created_at
        """

    func insert(_ quote: Quote.Version, on connection: PostgresConnection) async throws {
        let lines = String(decoding: try JSONCoding.encoder.encode(quote.lines), as: UTF8.self)
        try await connection.query(
            """
            INSERT INTO quote_versions (id, deal_id, version, lines, total_fen, cost_fen, margin_fen, margin_basis_points,
                                        valid_until, note, created_by, created_at)
            VALUES (\(quote.id), \(quote.dealID), \(quote.version), \(lines)::jsonb, \(quote.totals.totalFen), \(quote.totals.costFen),
                    \(quote.totals.marginFen), \(quote.totals.marginBasisPoints), \(quote.validUntil)::date, \(quote.note),
                    \(quote.createdBy), \(quote.createdAt))
            """,
            logger: logger
        )
    }

    func find(id: RecordID, on connection: PostgresConnection) async throws -> Quote.Version? {
        let rows = try await connection.query("SELECT \(unescaped: Self.columns) FROM quote_versions WHERE id = \(id)", logger: logger)
        for try await row in rows { return try Self.decode(row) }
        return nil
    }

    func find(dealID: RecordID, version: Int, on connection: PostgresConnection) async throws -> Quote.Version? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM quote_versions WHERE deal_id = \(dealID) AND version = \(version)",
            logger: logger
        )
        for try await row in rows { return try Self.decode(row) }
        return nil
    }

    /// The deal's current (highest) version.
    func latest(dealID: RecordID, on connection: PostgresConnection) async throws -> Quote.Version? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM quote_versions WHERE deal_id = \(dealID) ORDER BY version DESC LIMIT 1",
            logger: logger
        )
        for try await row in rows { return try Self.decode(row) }
        return nil
    }

    /// The deal's versions newest first, a page at a time (the cursor carries the version number), with one row more
    /// than ``ServiceRuntime/PageRequest/fetchLimit``: the version before the page's oldest, which its changes are
    /// counted from.
    func versions(dealID: RecordID, page: PageRequest, on connection: PostgresConnection) async throws -> [Quote.Version] {
        let before = page.cursor.map { $0.number }
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM quote_versions
            WHERE deal_id = \(dealID) AND (\(before)::bigint IS NULL OR version < \(before))
            ORDER BY version DESC
            LIMIT \(page.fetchLimit + 1)
            """,
            logger: logger
        )
        var versions: [Quote.Version] = []
        for try await row in rows { versions.append(try Self.decode(row)) }
        return versions
    }

    static func decode(_ row: PostgresRow) throws -> Quote.Version {
        let cells = row.makeRandomAccess()
        let lines = try cells["lines"].decode(String.self)
        return Quote.Version(
            id: try cells["id"].decode(RecordID.self),
            dealID: try cells["deal_id"].decode(RecordID.self),
            version: try cells["version"].decode(Int.self),
            lines: try JSONCoding.decoder.decode([PricedLine].self, from: Data(lines.utf8)),
            totals: Quote.Totals(
                totalFen: try cells["total_fen"].decode(Int64.self),
                costFen: try cells["cost_fen"].decode(Int64.self),
                marginFen: try cells["margin_fen"].decode(Int64.self),
                marginBasisPoints: try cells["margin_basis_points"].decode(Int64.self)
            ),
            validUntil: try cells["valid_until"].decode(String?.self),
            note: try cells["note"].decode(String?.self),
            createdBy: try cells["created_by"].decode(String.self),
            createdAt: try cells["created_at"].decode(Date.self)
        )
    }
}
