import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO

/// `POST /api/v1/auth/login`: username and password for a session, with lockout after repeated failures.
///
/// The lock is checked, and the attempt counted as a failure, before the password, in one atomic step (see
/// ``LoginFailureRepository/attempt(username:address:policy:on:)`` and ADR 0003): during a lock even the right
/// password is refused and guessing on is useless, and parallel guesses get no more than the limit. A success takes
/// back this address's failures for the username, counts the login, stores the refresh token and publishes
/// `user.logged_in`, in one transaction.
struct LoginHandler: Sendable {
    let postgres: PostgresClient
    let store: IdentityStore
    let tokens: TokenService
    let hasher: PasswordHasher
    let lockout: LockoutPolicy
    let logger: Logger

    /// The body of the request.
    struct Credentials: Decodable, Sendable {
        var username: String
        var password: String
        /// `cookie` for the web app's session (see ``CookieSession``); tokens in the body otherwise.
        var session: CookieSession.Mode?
    }

    enum Outcome: Sendable {
        case session(Session)
        /// Too many failures for the username or the address: retry after this many seconds.
        case locked(retryAfter: Int)
    }

    func callAsFunction(_ credentials: Credentials, address: String?, traceparent: String?) async throws -> Outcome {
        let username = credentials.username.trimmingCharacters(in: .whitespaces)
        guard !username.isEmpty, !credentials.password.isEmpty else {
            throw Problem.validation([.init(field: "username", message: "username and password are required")])
        }
        let attempt = try await postgres.withTransaction(logger: logger) { connection in
            try await store.loginFailures.attempt(username: username, address: address, policy: lockout, on: connection)
        }
        if case .locked(let until) = attempt {
            return .locked(retryAfter: max(1, Int(until.timeIntervalSinceNow.rounded(.up))))
        }
        let found = try await postgres.withConnection { connection in
            try await store.users.credentials(username: username, on: connection)
        }
        let passwordMatches = try await hasher.verify(credentials.password, hash: found?.1)
        guard let (user, _) = found, passwordMatches else {
            logger.info("login failed", metadata: ["username": "\(username)", "address": "\(address ?? "-")"])
            throw Problem.unauthorized("Wrong username or password.")
        }
        guard user.active else {
            // The right password is no guess: it takes its attempt back, but opens no session.
            try await postgres.withConnection { connection in
                try await store.loginFailures.forgive(username: username, address: address, on: connection)
            }
            throw Problem.unauthorized("Wrong username or password.")
        }
        let session = try await openSession(for: user, traceparent: traceparent) { connection in
            try await store.loginFailures.forgive(username: username, address: address, on: connection)
        }
        return .session(session)
    }

    /// A new session for a user who has proved who they are (by password, or by WeCom): counts the login, stores the
    /// refresh token and publishes `user.logged_in`, with `also` in the same transaction.
    func openSession(
        for user: User,
        traceparent: String?,
        also: @Sendable (PostgresConnection) async throws -> Void = { _ in }
    ) async throws -> Session {
        let refreshToken = TokenService.makeRefreshToken()
        try await postgres.withTransaction(logger: logger) { connection in
            let logins = try await store.users.recordLogin(userID: user.id, on: connection)
            try await also(connection)
            try await store.sessions.store(
                refreshTokenHash: TokenService.storedHash(ofRefreshToken: refreshToken),
                userID: user.id,
                expiresAt: Date().addingTimeInterval(TokenService.refreshTokenLifetime),
                on: connection
            )
            // The user's login count is the sequence: logins are their own stream, ordered per user.
            let event = try EventEnvelope(
                UserLoggedIn(userID: user.id.description, role: user.role, region: user.region),
                source: GatewayService.name,
                subject: user.id.description,
                sequence: logins,
                traceparent: traceparent
            )
            try await Outbox.append(event, on: connection, logger: logger)
        }
        let accessToken = try await tokens.accessToken(userID: user.id.description, role: user.role, region: user.region)
        return Session(accessToken: accessToken, refreshToken: refreshToken, user: user)
    }
}
