import Contracts
import Foundation
import HTTPTypes
import Hummingbird

/// A browser session: the same access and refresh tokens as a bearer session, carried in cookies that no script can
/// read, with a CSRF token that the web app echoes in a header.
///
/// The rules, in one place:
/// - `POST /api/v1/auth/login` with `"session": "cookie"` sets three cookies and answers ``Reply`` (no token in the
///   body). `sd_access` (the JWT) and `sd_refresh` are `HttpOnly`, so a script injected into the page cannot take
///   them; `sd_refresh` is only sent to `/api/v1/auth/`. `sd_csrf` is readable by the app's own scripts.
/// - Every cookie is `SameSite=Strict`, so another site's page never sends them; `Secure` when `auth.cookie.secure`
///   (`AUTH_COOKIE_SECURE`) is on, as it must be behind HTTPS.
/// - A request authenticated by the `sd_access` cookie that changes something (any method but GET, HEAD, OPTIONS)
///   must carry `X-CSRF-Token` equal to the `sd_csrf` cookie, or it is refused with 403. A page of another origin
///   can neither read the cookie nor set the header on a cross-site request without a CORS grant, which the gateway
///   never gives.
/// - `POST /api/v1/auth/refresh` with `"session": "cookie"` takes the refresh token from `sd_refresh` (and wants the
///   CSRF header too), rotates it and sets new cookies. Logout clears them.
/// - A request with an `Authorization` header is a bearer request and ignores the cookies.
struct CookieSession: Sendable {
    static let accessCookie = "sd_access"
    static let refreshCookie = "sd_refresh"
    static let csrfCookie = "sd_csrf"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!
    static let refreshPath = "/api/v1/auth/"

    /// Whether cookies get the `Secure` attribute (`auth.cookie.secure`).
    var secure: Bool

    /// The body of a login or refresh answered with cookies: everything a ``Session`` says except the tokens.
    struct Reply: Encodable, Sendable {
        var tokenType = "Cookie"
        var expiresIn: Int
        var user: User
    }

    /// How a login or refresh wants its tokens: in the body (`bearer`, the default) or as cookies.
    enum Mode: String, Decodable, Sendable {
        case bearer
        case cookie
    }

    /// The answer to a login or refresh in cookie mode: the body without tokens, and the three cookies.
    func response(for session: Session) throws -> Response {
        var response = try JSONBodies.response(Reply(expiresIn: session.expiresIn, user: session.user))
        // Random like a refresh token; it only has to be unguessable by another origin.
        let csrf = TokenService.makeRefreshToken()
        response.headers.append(contentsOf: [
            cookie(Self.accessCookie, session.accessToken, path: "/", maxAge: session.expiresIn, httpOnly: true),
            cookie(Self.refreshCookie, session.refreshToken, path: Self.refreshPath, maxAge: Int(TokenService.refreshTokenLifetime), httpOnly: true),
            cookie(Self.csrfCookie, csrf, path: "/", maxAge: Int(TokenService.refreshTokenLifetime), httpOnly: false),
        ])
        return response
    }

    /// Headers that delete the three cookies (logout).
    func clearingCookies() -> [HTTPField] {
        [
            cookie(Self.accessCookie, "", path: "/", maxAge: 0, httpOnly: true),
            cookie(Self.refreshCookie, "", path: Self.refreshPath, maxAge: 0, httpOnly: true),
            cookie(Self.csrfCookie, "", path: "/", maxAge: 0, httpOnly: false),
        ]
    }

    private func cookie(_ name: String, _ value: String, path: String, maxAge: Int, httpOnly: Bool) -> HTTPField {
        var attributes = ["\(name)=\(value)", "Path=\(path)", "Max-Age=\(maxAge)", "SameSite=Strict"]
        if httpOnly { attributes.append("HttpOnly") }
        if secure { attributes.append("Secure") }
        return HTTPField(name: .setCookie, value: attributes.joined(separator: "; "))
    }

    /// The value of cookie `name` in the request (Hummingbird's cookie parsing); `nil` when absent or empty.
    static func value(of name: String, in request: Request) -> String? {
        guard let value = request.cookies[name]?.value, !value.isEmpty else { return nil }
        return value
    }

    /// Refuses (403) a state-changing request whose `X-CSRF-Token` header does not equal its `sd_csrf` cookie.
    static func requireCSRFToken(_ request: Request) throws(Problem) {
        guard !Self.safeMethods.contains(request.method) else { return }
        guard let header = request.headers[csrfHeader], let cookie = value(of: csrfCookie, in: request),
            constantTimeEqual(Array(header.utf8), Array(cookie.utf8))
        else {
            throw Problem(
                type: "https://salesdesk.example/problems/csrf",
                title: "CSRF token missing or wrong",
                status: 403,
                detail: "A request signed in by cookie must send the X-CSRF-Token header equal to the sd_csrf cookie."
            )
        }
    }

    private static let safeMethods: Set<HTTPRequest.Method> = [.get, .head, .options]

    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
