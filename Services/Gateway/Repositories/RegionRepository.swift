import Foundation
import Logging
import PostgresNIO

/// Regions, in the gateway's schema.
struct RegionRepository: Sendable {
    let logger: Logger

    func all(on connection: PostgresConnection) async throws -> [Region] {
        var regions: [Region] = []
        let rows = try await connection.query("SELECT code, name, created_at FROM regions ORDER BY code", logger: logger)
        for try await (code, name, createdAt) in rows.decode((String, String, Date).self) {
            regions.append(Region(code: code, name: name, createdAt: createdAt))
        }
        return regions
    }

    func exists(_ code: String, on connection: PostgresConnection) async throws -> Bool {
        for try await _ in try await connection.query("SELECT 1 FROM regions WHERE code = \(code)", logger: logger) { return true }
        return false
    }

    /// Inserts the region; `false` when the code is taken.
    func insert(_ region: Region, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            """
            INSERT INTO regions (code, name, created_at) VALUES (\(region.code), \(region.name), \(region.createdAt))
            ON CONFLICT (code) DO NOTHING RETURNING 1
            """,
            logger: logger
        )
        for try await _ in rows { return true }
        return false
    }
}
