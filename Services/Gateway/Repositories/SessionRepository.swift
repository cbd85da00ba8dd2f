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

    /// Why a refresh token stopped working (`refresh_tokens.revoked_reason`, migration 0003).
    enum RevokedReason: String, Sendable {
        /// Used up by a refresh, which handed out its successor.
        case rotated
        /// Its session was ended by logout.
        case logout
        /// The user's password changed.
        case password
        /// The user was deactivated.
        case deactivated
        /// Another of the user's tokens was presented again after rotation.
        case reuse
    }

    /// What presenting a refresh token finds.
    enum RefreshLookup {
        /// Valid: it is now revoked (used up) and belonged to this user.
        case consumed(RecordID)
        /// Already used up by a refresh: presenting it again suggests it was copied.
        case reused(RecordID)
        /// Unknown, expired, or ended for another reason (logout, a new password): simply no longer valid.
        case unknownOrExpired
    }

    /// Uses up a refresh token: the row is revoked in the same statement that checks it, so two concurrent
    /// refreshes with one token cannot both succeed.
    func consume(refreshTokenHash hash: String, on connection: PostgresConnection) async throws -> RefreshLookup {
        let consumed = try await connection.query(
            """
            UPDATE refresh_tokens SET revoked_at = now(), revoked_reason = \(RevokedReason.rotated.rawValue)
            WHERE token_hash = \(hash) AND revoked_at IS NULL AND expires_at > now()
            RETURNING user_id
            """,
            logger: logger
        )
        for try await userID in consumed.decode(RecordID.self) { return .consumed(userID) }
        let revoked = try await connection.query(
            "SELECT user_id FROM refresh_tokens WHERE token_hash = \(hash) AND revoked_reason = \(RevokedReason.rotated.rawValue)",
            logger: logger
        )
        for try await userID in revoked.decode(RecordID.self) { return .reused(userID) }
        return .unknownOrExpired
    }

    /// Revokes one of the user's refresh tokens, or all of them when `hash` is `nil`, saying why.
    func revoke(
        userID: RecordID,
        refreshTokenHash hash: String? = nil,
        reason: RevokedReason,
        on connection: PostgresConnection
    ) async throws {
        try await connection.query(
            """
            UPDATE refresh_tokens SET revoked_at = now(), revoked_reason = \(reason.rawValue)
            WHERE user_id = \(userID) AND revoked_at IS NULL AND (\(hash)::text IS NULL OR token_hash = \(hash))
            """,
            logger: logger
        )
    }
}
