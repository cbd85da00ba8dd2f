import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// One line of the admin audit trail as `GET /api/v1/audit` shows it.
struct AuditEntry: Sendable, Equatable, Encodable {
    /// The line's number (orders lines of the same instant; not part of the API).
    var number: Int64
    var at: Date
    /// The admin; `null` for the gateway itself (the first-admin bootstrap).
    @ExplicitNull var actorID: RecordID?
    var action: String
    var subject: String
    var changes: JSONValue

    enum CodingKeys: String, CodingKey {
        case at, action, subject, changes
        case actorID = "actorId"
    }
}

/// What to read of the audit trail; `nil` means "any".
struct AuditFilter: Sendable, Equatable {
    var actorID: RecordID?
    var action: String?
    /// The first instant, inclusive.
    var from: Date?
    /// The last instant, exclusive.
    var to: Date?
}

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

    /// The trail, newest first, a page at a time.
    func list(_ filter: AuditFilter, page: PageRequest, on connection: PostgresConnection) async throws -> [AuditEntry] {
        let after = page.cursor.map { ($0.boundTime, $0.number) }
        let rows = try await connection.query(
            """
            SELECT id, at, actor_id, action, subject, changes::text FROM admin_audit
            WHERE (\(filter.actorID)::uuid IS NULL OR actor_id = \(filter.actorID))
              AND (\(filter.action)::text IS NULL OR action = \(filter.action))
              AND (\(filter.from)::timestamptz IS NULL OR at >= \(filter.from))
              AND (\(filter.to)::timestamptz IS NULL OR at < \(filter.to))
              AND (\(after?.0)::timestamptz IS NULL OR (at, id) < (\(after?.0), \(after?.1)))
            ORDER BY at DESC, id DESC
            LIMIT \(page.fetchLimit)
            """,
            logger: logger
        )
        var entries: [AuditEntry] = []
        for try await (id, at, actor, action, subject, changes) in rows.decode((Int64, Date, RecordID?, String, String, String).self) {
            entries.append(
                AuditEntry(
                    number: id,
                    at: at,
                    actorID: actor,
                    action: action,
                    subject: subject,
                    changes: try JSONCoding.decoder.decode(JSONValue.self, from: Data(changes.utf8))
                )
            )
        }
        return entries
    }

    /// The page cursor after an entry: audit lines are numbered by a bigint.
    static func cursor(after entry: AuditEntry) -> PageCursor {
        PageCursor(createdAt: entry.at, number: entry.number)
    }
}
