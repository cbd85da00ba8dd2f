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
        guard let limit = Int(limitText ?? String(Self.defaultLimit)), Self.limits.contains(limit) else {
            throw Problem.validation([.init(field: "limit", message: "must be a whole number from 1 to 200")])
        }
        let users = try await postgres.withConnection { connection in
            try await store.users.list(after: cursor, limit: limit + 1, on: connection)
        }
        let page = Array(users.prefix(limit))
        return Page(items: page, nextCursor: users.count > limit ? page.last?.username.lowercased() : nil)
    }
}
