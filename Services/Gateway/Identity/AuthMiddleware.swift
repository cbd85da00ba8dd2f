import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import JWTKit
import Logging
import PostgresNIO

/// Requires a valid access token on every route after it, then loads the caller from the database. The token is a
/// bearer token, or the web app's `sd_access` cookie with its CSRF header (see ``CookieSession``).
///
/// The user is read from the database rather than trusted from the token, through ``CallerCache``: a deactivated
/// user's tokens stop working, and a role, region or team change applies, as soon as the change has committed (within
/// the `NOTIFY` that empties every replica's cache, well under a second; at once in the replica that made it).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    let tokens: TokenService
    let postgres: PostgresClient
    let users: UserRepository
    let callers: CallerCache
    /// Notes the caller's first request of each business day (the daily-active ratio).
    let activity: UserActivityRecorder

    func handle(
        _ request: Request,
        context: GatewayRequestContext,
        next: (Request, GatewayRequestContext) async throws -> Response
    ) async throws -> Response {
        let token: String
        if let authorization = request.headers[.authorization] {
            guard authorization.lowercased().hasPrefix("bearer "),
                case let bearer = authorization.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces),
                !bearer.isEmpty
            else {
                throw Problem.unauthorized("Send Authorization: Bearer <accessToken> (from POST /api/v1/auth/login).")
            }
            token = bearer
        } else if let cookie = CookieSession.value(of: CookieSession.accessCookie, in: request) {
            try CookieSession.requireCSRFToken(request)
            token = cookie
        } else {
            throw Problem.unauthorized("Send Authorization: Bearer <accessToken> (from POST /api/v1/auth/login).")
        }
        guard let claims = await tokens.verify(token), let userID = RecordID(claims.sub.value) else {
            throw Problem.unauthorized("The access token is invalid or expired; log in again or refresh it.")
        }
        let found = try await callers.caller(userID) {
            try await postgres.withConnection { connection in
                try await users.findWithTeam(id: userID, on: connection)
            }
        }
        guard let (user, team) = found, user.active else {
            throw Problem.unauthorized("The account behind this token is no longer active.")
        }
        var context = context
        context.identity = CallerIdentity(user: user, team: team)
        context.logger[metadataKey: "user"] = "\(user.id)"
        do {
            try await activity.record(user, traceparent: request.headers[.traceparent])
        } catch {
            // Counting the day must not refuse the request; the next request of the day tries again.
            context.logger.warning("could not record the user's activity: \(String(reflecting: error))")
        }
        return try await next(request, context)
    }
}
