import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Persistence
import PostgresNIO

/// `/api/v1/auth/*` and `/api/v1/me`: login with lockout, refresh-token rotation, logout.
struct AuthRoutes: Sendable {
    let postgres: PostgresClient
    let repository: IdentityRepository
    let tokens: TokenService
    let hasher: PasswordHasher
    let lockout: LockoutPolicy
    let logger: Logger

    struct Credentials: Decodable {
        var username: String
        var password: String
    }

    struct RefreshBody: Decodable {
        var refreshToken: String
    }

    struct LogoutBody: Decodable {
        var refreshToken: String?
    }

    /// What login and refresh answer.
    struct Session: Encodable, Sendable {
        var accessToken: String
        var tokenType = "Bearer"
        var expiresIn = Int(TokenService.accessTokenLifetime)
        var refreshToken: String
        var user: User
    }

    /// Routes that work without a token.
    func addPublic(to group: RouterGroup<GatewayRequestContext>) {
        group.post("auth/login") { request, context in
            try await login(request, context: context)
        }
        group.post("auth/refresh") { request, _ in
            try await refresh(request)
        }
    }

    /// Routes behind ``AuthMiddleware``.
    func addAuthenticated(to group: RouterGroup<GatewayRequestContext>) {
        group.post("auth/logout") { request, context in
            try await logout(request, context: context)
        }
        group.get("me") { _, context in
            let identity = try context.requireIdentity()
            let user = try await postgres.withConnection { connection in
                try await repository.user(id: UUID(uuidString: identity.userID) ?? UUID(), on: connection)
            }
            guard let user else { throw Problem.unauthorized("The account behind this token no longer exists.") }
            return try JSONBodies.response(user)
        }
    }

    func login(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let credentials = try JSONBodies.decode(Credentials.self, from: try await JSONBodies.bytes(of: request))
        let username = credentials.username.trimmingCharacters(in: .whitespaces)
        guard !username.isEmpty, !credentials.password.isEmpty else {
            throw Problem.validation([.init(field: "username", message: "username and password are required")])
        }
        let address = context.clientAddress
        let lockedUntil = try await postgres.withConnection { connection in
            try await repository.lockedUntil(username: username, address: address, policy: lockout, on: connection)
        }
        if let lockedUntil {
            // Checked before the password: during a lock even the right password is refused, so guessing on is useless.
            let seconds = max(1, Int(lockedUntil.timeIntervalSinceNow.rounded(.up)))
            var response = ProblemResponse.make(
                Problem(
                    type: "https://salesdesk.example/problems/locked",
                    title: "Too many failed logins",
                    status: 429,
                    detail: "Too many failed logins for this account or address; try again in \(seconds / 60 + 1) minutes."
                )
            )
            response.headers[.retryAfter] = String(seconds)
            return response
        }
        let found = try await postgres.withConnection { connection in
            try await repository.credentials(username: username, on: connection)
        }
        let passwordMatches = try await hasher.verify(credentials.password, hash: found?.1)
        guard let (user, _) = found, passwordMatches else {
            try await postgres.withConnection { connection in
                try await repository.recordFailure(username: username, address: address, on: connection)
            }
            logger.info("login failed", metadata: ["username": "\(username)", "address": "\(address ?? "-")"])
            throw Problem.unauthorized("Wrong username or password.")
        }
        guard user.active else {
            throw Problem.unauthorized("Wrong username or password.")
        }
        let refreshToken = TokenService.makeRefreshToken()
        try await postgres.withTransaction(logger: logger) { connection in
            let logins = try await repository.recordLogin(userID: user.id, on: connection)
            try await connection.query("DELETE FROM login_failures WHERE username = lower(\(username))", logger: logger)
            try await repository.storeRefreshToken(
                hash: TokenService.storedHash(ofRefreshToken: refreshToken),
                userID: user.id,
                expiresAt: Date().addingTimeInterval(TokenService.refreshTokenLifetime),
                on: connection
            )
            // The user's login count is the sequence: logins are their own stream, ordered per user.
            let event = try EventEnvelope(
                UserLoggedIn(userID: user.snapshot.id, role: user.role, region: user.region),
                source: GatewayService.name,
                subject: user.snapshot.id,
                sequence: logins,
                traceparent: request.headers[.traceparent]
            )
            try await Outbox.append(event, on: connection, logger: logger)
        }
        let accessToken = try await tokens.accessToken(userID: user.snapshot.id, role: user.role, region: user.region)
        return try JSONBodies.response(Session(accessToken: accessToken, refreshToken: refreshToken, user: user))
    }

    func refresh(_ request: Request) async throws -> Response {
        let body = try JSONBodies.decode(RefreshBody.self, from: try await JSONBodies.bytes(of: request))
        let newToken = TokenService.makeRefreshToken()
        let refreshed: User? = try await postgres.withTransaction(logger: logger) { connection in
            switch try await repository.consumeRefreshToken(hash: TokenService.storedHash(ofRefreshToken: body.refreshToken), on: connection) {
            case .unknownOrExpired:
                throw Problem.unauthorized("The refresh token is unknown, expired or revoked; log in again.")
            case .reused(let userID):
                // A used-up token presented again was copied: end every session of that user.
                try await repository.revokeRefreshTokens(userID: userID, on: connection)
                logger.warning("refresh token reused; all sessions revoked", metadata: ["user": "\(userID)"])
                return nil
            case .consumed(let userID):
                guard let user = try await repository.user(id: userID, on: connection), user.active else {
                    throw Problem.unauthorized("The account is no longer active.")
                }
                try await repository.storeRefreshToken(
                    hash: TokenService.storedHash(ofRefreshToken: newToken),
                    userID: userID,
                    expiresAt: Date().addingTimeInterval(TokenService.refreshTokenLifetime),
                    on: connection
                )
                return user
            }
        }
        guard let user = refreshed else {
            throw Problem.unauthorized("The refresh token was already used; every session of this account has been ended.")
        }
        let accessToken = try await tokens.accessToken(userID: user.snapshot.id, role: user.role, region: user.region)
        return try JSONBodies.response(Session(accessToken: accessToken, refreshToken: newToken, user: user))
    }

    func logout(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let bytes = try await JSONBodies.bytes(of: request)
        let body = bytes.isEmpty ? LogoutBody(refreshToken: nil) : try JSONBodies.decode(LogoutBody.self, from: bytes)
        guard let userID = UUID(uuidString: identity.userID) else { throw Problem.unauthorized("Unknown caller.") }
        try await postgres.withConnection { connection in
            try await repository.revokeRefreshTokens(
                userID: userID,
                hash: body.refreshToken.map(TokenService.storedHash(ofRefreshToken:)),
                on: connection
            )
        }
        return Response(status: .noContent)
    }
}
