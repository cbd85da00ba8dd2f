import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO

/// Refresh tokens, stored as their SHA-256: each is one session, used up and replaced by every refresh.
struct SessionRepository: Sendable {
    let logger: Logger

    func store(refreshTokenHash hash: String, userID: RecordID, expiresAt: Date, on connection: PostgresConnection) async throws {
        try await connection.query(
            "INSERT INTO refresh_tokens (token_hash, user_id, expires_at) VALUES (\(hash), \(userID), \(expiresAt))",
            logger: logger
        )
    }

    /// What presenting a refresh token finds.
    enum RefreshLookup {
        /// Valid: it is now revoked (used up) and belonged to this user.
        case consumed(RecordID)
        /// Already used or revoked: presenting it again suggests it was stolen.
        case reused(RecordID)
        case unknownOrExpired
    }

    /// Uses up a refresh token: the row is revoked in the same statement that checks it, so two concurrent
    /// refreshes with one token cannot both succeed.
    func consume(refreshTokenHash hash: String, on connection: PostgresConnection) async throws -> RefreshLookup {
        let consumed = try await connection.query(
            """
            UPDATE refresh_tokens SET revoked_at = now()
            WHERE token_hash = \(hash) AND revoked_at IS NULL AND expires_at > now()
            RETURNING user_id
            """,
            logger: logger
        )
        for try await userID in consumed.decode(RecordID.self) { return .consumed(userID) }
        let revoked = try await connection.query(
            "SELECT user_id FROM refresh_tokens WHERE token_hash = \(hash) AND revoked_at IS NOT NULL",
            logger: logger
        )
        for try await userID in revoked.decode(RecordID.self) { return .reused(userID) }
        return .unknownOrExpired
    }

    /// Revokes one of the user's refresh tokens, or all of them when `hash` is `nil`.
    func revoke(userID: RecordID, refreshTokenHash hash: String? = nil, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE refresh_tokens SET revoked_at = now()
            WHERE user_id = \(userID) AND revoked_at IS NULL AND (\(hash)::text IS NULL OR token_hash = \(hash))
            """,
            logger: logger
        )
    }
}
