import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `GET /api/v1/audit` (admin): the admin audit trail, newest first, a page at a time (`limit` 1…100, default 50;
/// `cursor`), narrowed by `actor` (a user id), `action` (e.g. `user.update`) and the time range `from` (inclusive) …
/// `to` (exclusive), RFC 3339 date-times. Every bad parameter is named at once (422).
struct ListAuditHandler: Sendable {
    let postgres: PostgresClient
    let store: IdentityStore

    static let defaultLimit = 50
    static let maxLimit = 100

    /// The query parameters as sent.
    struct Query: Sendable {
        var limit: String?
        var cursor: String?
        var actor: String?
        var action: String?
        var from: String?
        var to: String?
    }

    func callAsFunction(_ query: Query) async throws -> Page<AuditEntry> {
        let (filter, page) = try Self.validate(query)
        let rows = try await postgres.withConnection { connection in
            try await store.audit.list(filter, page: page, on: connection)
        }
        return Page(rows: rows, for: page, cursor: AuditRepository.cursor(after:))
    }

    static func validate(_ query: Query) throws(Problem) -> (AuditFilter, PageRequest) {
        var errors: [Problem.FieldError] = []
        var limit = defaultLimit
        if let text = nonEmpty(query.limit) {
            if let value = Int(text), (1...maxLimit).contains(value) {
                limit = value
            } else {
                errors.append(.init(field: "limit", message: "must be a whole number from 1 to \(maxLimit)"))
            }
        }
        var cursor: PageCursor?
        if let token = nonEmpty(query.cursor) {
            cursor = PageCursor(token: token)
            if cursor == nil { errors.append(.init(field: "cursor", message: "is not a cursor this API returned")) }
        }
        var filter = AuditFilter()
        if let text = nonEmpty(query.actor) {
            filter.actorID = RecordID(text)
            if filter.actorID == nil { errors.append(.init(field: "actor", message: "must be a user id")) }
        }
        if let text = nonEmpty(query.action) {
            if text.count > 100 { errors.append(.init(field: "action", message: "must be at most 100 characters")) }
            filter.action = text
        }
        filter.from = time(query.from, field: "from", into: &errors)
        filter.to = time(query.to, field: "to", into: &errors)
        if let from = filter.from, let to = filter.to, from > to {
            errors.append(.init(field: "to", message: "must not be before from"))
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return (filter, PageRequest(limit: limit, cursor: cursor))
    }

    private static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }

    /// An RFC 3339 date-time, with or without fractional seconds, within the times a cursor may carry.
    private static func time(_ text: String?, field: String, into errors: inout [Problem.FieldError]) -> Date? {
        guard var text = nonEmpty(text) else { return nil }
        // A `+hh:mm` offset sent unencoded arrives as a space in a query string.
        text = text.replacingOccurrences(of: " ", with: "+")
        let date =
            (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
            ?? (try? Date(text, strategy: Date.ISO8601FormatStyle()))
        guard let date, PageCursor.validTimes.contains(date) else {
            errors.append(.init(field: field, message: "must be an RFC 3339 date-time, e.g. 2026-11-29T09:00:00+08:00"))
            return nil
        }
        return date
    }
}
