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

    func callAsFunction(_ body: Body, caller: CallerIdentity) async throws {
        guard let userID = RecordID(caller.userID) else { throw Problem.unauthorized("Unknown caller.") }
        try await postgres.withConnection { connection in
            try await store.sessions.revoke(
                userID: userID,
                refreshTokenHash: body.refreshToken.map(TokenService.storedHash(ofRefreshToken:)),
                reason: .logout,
                on: connection
            )
        }
    }
}
