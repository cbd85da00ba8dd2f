import Contracts
import Foundation
import Logging
import PostgresNIO

/// `POST /api/v1/auth/refresh`: a refresh token for a new session. Each token works once; a token used up by a
/// refresh and presented again was copied, so every session of its user ends. A token ended otherwise (logout, a new
/// password) is just refused: a client that presents the token it logged out with ends nobody's other sessions.
struct RefreshHandler: Sendable {
    let postgres: PostgresClient
    let store: IdentityStore
    let tokens: TokenService
    let logger: Logger

    /// The body of the request: the refresh token, or `"session": "cookie"` for the one in the web app's cookie.
    struct Body: Decodable, Sendable {
        var refreshToken: String?
        var session: CookieSession.Mode?
    }

    func callAsFunction(refreshToken: String) async throws -> Session {
        let newToken = TokenService.makeRefreshToken()
        let refreshed: User? = try await postgres.withTransaction(logger: logger) { connection in
            let hash = TokenService.storedHash(ofRefreshToken: refreshToken)
            switch try await store.sessions.consume(refreshTokenHash: hash, on: connection) {
            case .unknownOrExpired:
                throw Problem.unauthorized("The refresh token is unknown, expired or revoked; log in again.")
            case .reused(let userID):
                try await store.sessions.revoke(userID: userID, reason: .reuse, on: connection)
                logger.warning("refresh token reused; all sessions revoked", metadata: ["user": "\(userID)"])
                return nil
            case .consumed(let userID):
                guard let user = try await store.users.find(id: userID, on: connection), user.active else {
                    throw Problem.unauthorized("The account is no longer active.")
                }
                try await store.sessions.store(
                    refreshTokenHash: TokenService.storedHash(ofRefreshToken: newToken),
                    userID: userID,
                    expiresAt: Date().addingTimeInterval(TokenService.refreshTokenLifetime),
                    on: connection
                )
                return user
            }
        }
        // The revocation above must commit, so the reuse is answered after the transaction.
        guard let user = refreshed else {
            throw Problem.unauthorized("The refresh token was already used; every session of this account has been ended.")
        }
        let accessToken = try await tokens.accessToken(userID: user.id.description, role: user.role, region: user.region)
        return Session(accessToken: accessToken, refreshToken: newToken, user: user)
    }
}
