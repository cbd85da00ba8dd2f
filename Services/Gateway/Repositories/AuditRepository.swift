import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO

/// The admin audit trail: who changed which user or region, and how.
struct AuditRepository: Sendable {
    let logger: Logger

    /// Records one admin action.
    /// - Parameters:
    ///   - actor: the admin; `nil` for the gateway itself (the first-admin bootstrap).
    ///   - action: e.g. `user.update`.
    ///   - subject: a user id, or `region:<code>`.
    ///   - changes: what changed, as the API shows it.
    func record(actor: RecordID?, action: String, subject: String, changes: JSONValue, on connection: PostgresConnection) async throws {
        let json = String(decoding: try JSONCoding.encoder.encode(changes), as: UTF8.self)
        try await connection.query(
            "INSERT INTO admin_audit (actor_id, action, subject, changes) VALUES (\(actor), \(action), \(subject), \(json)::jsonb)",
            logger: logger
        )
    }
}
