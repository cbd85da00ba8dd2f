import Contracts
import PostgresNIO

/// `POST /api/v1/auth/logout`: ends one session (the refresh token given) or, without one, every session of the
/// caller. The access token runs out by itself within minutes.
struct LogoutHandler: Sendable {
    let postgres: PostgresClient
    let store: IdentityStore

    /// The body of the request, which may be empty.
    struct Body: Decodable, Sendable {
        var refreshToken: String?
    }

    /// - Parameter refreshToken: the session to end (from the body, or the web app's cookie); all of them when `nil`.
    func callAsFunction(refreshToken: String?, caller: CallerIdentity) async throws {
        guard let userID = RecordID(caller.userID) else { throw Problem.unauthorized("Unknown caller.") }
        try await postgres.withConnection { connection in
            try await store.sessions.revoke(
                userID: userID,
                refreshTokenHash: refreshToken.map(TokenService.storedHash(ofRefreshToken:)),
                reason: .logout,
                on: connection
            )
        }
    }
}
