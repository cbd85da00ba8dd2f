import Contracts
import Logging
import PostgresNIO
import ServiceRuntime

/// `GET /api/v1/users?limit=&cursor=`: users by username (case-insensitive), a page at a time; the cursor is the
/// last username of the previous page.
struct ListUsersHandler: Sendable {
    let postgres: PostgresClient
    let store: IdentityStore

    static let defaultLimit = 50
    static let limits = 1...200

    func callAsFunction(limit limitText: String?, cursor: String?) async throws -> Page<User> {
        var errors: [Problem.FieldError] = []
        let limit = Int(limitText ?? String(Self.defaultLimit)).flatMap { Self.limits.contains($0) ? $0 : nil }
        if limit == nil { errors.append(.init(field: "limit", message: "must be a whole number from 1 to 200")) }
        // The cursor is a username this API returned; anything else (a NUL, a novel) never reaches the database.
        if let cursor, !cursor.isEmpty, cursor.wholeMatch(of: UserRules.usernamePattern) == nil {
            errors.append(.init(field: "cursor", message: "is not a cursor this API returned"))
        }
        guard errors.isEmpty, let limit else { throw Problem.validation(errors) }
        let users = try await postgres.withConnection { connection in
            try await store.users.list(after: cursor, limit: limit + 1, on: connection)
        }
        let page = Array(users.prefix(limit))
        return Page(items: page, nextCursor: users.count > limit ? page.last?.username.lowercased() : nil)
    }
}
