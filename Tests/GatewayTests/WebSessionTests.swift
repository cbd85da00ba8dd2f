import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import ServiceRuntime
import TestSupport
import Testing

@testable import Gateway

/// The web app's side of the gateway: its files with their security headers, and the cookie session with CSRF.
@Suite("Gateway web app and cookie sessions", .timeLimit(.minutes(3)))
struct WebSessionTests {
    /// The cookies a response sets, by name: (value, attributes).
    static func cookies(_ headers: HTTPFields) -> [String: (value: String, attributes: Set<String>)] {
        var cookies: [String: (String, Set<String>)] = [:]
        for line in headers[values: .setCookie] {
            let parts = line.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            let pair = parts[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            cookies[String(pair[0])] = (pair.count > 1 ? String(pair[1]) : "", Set(parts.dropFirst()))
        }
        return cookies
    }

    /// Logs the admin in by cookie; returns the three cookie values.
    static func cookieLogin(_ client: some TestClientProtocol) async throws -> (access: String, refresh: String, csrf: String) {
        let reply = try await client.call(
            .post,
            "/api/v1/auth/login",
            json: #"{"username":"admin","password":"\#(GatewayHarness.adminPassword)","session":"cookie"}"#
        )
        #expect(reply.status == 200)
        #expect(reply.body["tokenType"] as? String == "Cookie")
        #expect(reply.body["accessToken"] == nil && reply.body["refreshToken"] == nil, "no token in a cookie session's body")
        let cookies = Self.cookies(reply.headers)
        let access = try #require(cookies["sd_access"])
        let refresh = try #require(cookies["sd_refresh"])
        let csrf = try #require(cookies["sd_csrf"])
        #expect(access.attributes.isSuperset(of: ["HttpOnly", "SameSite=Strict", "Path=/"]))
        #expect(refresh.attributes.isSuperset(of: ["HttpOnly", "SameSite=Strict", "Path=/api/v1/auth/"]))
        #expect(!csrf.attributes.contains("HttpOnly"), "the app's scripts must read the CSRF token")
        return (access.value, refresh.value, csrf.value)
    }

    static func cookieHeader(_ pairs: [(String, String)]) -> HTTPFields {
        [.cookie: pairs.map { "\($0.0)=\($0.1)" }.joined(separator: "; ")]
    }

    @Test("a cookie login signs the browser in: GETs work by cookie, and a write needs the CSRF header equal to the cookie")
    func cookieSessionNeedsCSRFForWrites() async throws {
        try await GatewayHarness.with { _, client in
            let session = try await Self.cookieLogin(client)
            let cookies = Self.cookieHeader([("sd_access", session.access), ("sd_csrf", session.csrf)])
            let me = try await client.call(.get, "/api/v1/me", headers: cookies)
            #expect(me.status == 200)
            #expect(me.body["username"] as? String == "admin")

            let region = #"{"code":"east-china","name":"华东"}"#
            let withoutHeader = try await client.call(.post, "/api/v1/regions", json: region, headers: cookies)
            #expect(withoutHeader.status == 403, "a cross-site form could send the cookie but not the header")
            var wrong = cookies
            wrong[CookieSession.csrfHeader] = "not-the-token"
            #expect(try await client.call(.post, "/api/v1/regions", json: region, headers: wrong).status == 403)
            var right = cookies
            right[CookieSession.csrfHeader] = session.csrf
            #expect(try await client.call(.post, "/api/v1/regions", json: region, headers: right).status == 201)
            // No access cookie, no session: still the bearer's 401.
            #expect(try await client.call(.get, "/api/v1/me", headers: Self.cookieHeader([("sd_csrf", session.csrf)])).status == 401)
        }
    }

    @Test("a cookie refresh rotates the refresh cookie, needs the CSRF header, and the old refresh cookie is then spent")
    func cookieRefreshRotates() async throws {
        try await GatewayHarness.with { _, client in
            let session = try await Self.cookieLogin(client)
            let cookies = Self.cookieHeader([("sd_refresh", session.refresh), ("sd_csrf", session.csrf)])
            let refreshBody = #"{"session":"cookie"}"#
            #expect(try await client.call(.post, "/api/v1/auth/refresh", json: refreshBody, headers: cookies).status == 403)
            var headers = cookies
            headers[CookieSession.csrfHeader] = session.csrf
            let refreshed = try await client.call(.post, "/api/v1/auth/refresh", json: refreshBody, headers: headers)
            #expect(refreshed.status == 200)
            let next = Self.cookies(refreshed.headers)
            let newRefresh = try #require(next["sd_refresh"]?.value)
            #expect(newRefresh != session.refresh)
            let newAccess = try #require(next["sd_access"]?.value)
            #expect(try await client.call(.get, "/api/v1/me", headers: Self.cookieHeader([("sd_access", newAccess)])).status == 200)
            // Without a cookie, or with a spent one, there is nothing to refresh.
            var noCookie: HTTPFields = [.cookie: "sd_csrf=\(session.csrf)"]
            noCookie[CookieSession.csrfHeader] = session.csrf
            #expect(try await client.call(.post, "/api/v1/auth/refresh", json: refreshBody, headers: noCookie).status == 401)
            #expect(try await client.call(.post, "/api/v1/auth/refresh", json: "{}").status == 422)
        }
    }

    @Test("logout by cookie ends that session and deletes the cookies")
    func cookieLogout() async throws {
        try await GatewayHarness.with { _, client in
            let session = try await Self.cookieLogin(client)
            var headers = Self.cookieHeader([("sd_access", session.access), ("sd_refresh", session.refresh), ("sd_csrf", session.csrf)])
            headers[CookieSession.csrfHeader] = session.csrf
            let logout = try await client.call(.post, "/api/v1/auth/logout", headers: headers)
            #expect(logout.status == 204)
            let cleared = Self.cookies(logout.headers)
            #expect(Set(cleared.keys) == ["sd_access", "sd_refresh", "sd_csrf"])
            #expect(cleared.values.allSatisfy { $0.value.isEmpty && $0.attributes.contains("Max-Age=0") })
            let refresh = try await client.call(.post, "/api/v1/auth/refresh", json: #"{"session":"cookie"}"#, headers: headers)
            #expect(refresh.status == 401, "the browser's refresh token was revoked")
        }
    }

    @Test("the app's page is served at / with a Content-Security-Policy that allows no inline script, and revalidates by ETag")
    func pageHasSecurityHeaders() async throws {
        try await GatewayHarness.with { _, client in
            let page = try await client.execute(uri: "/", method: .get) { $0 }
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let policy = try #require(page.headers[.contentSecurityPolicy])
            #expect(policy.contains("script-src 'self'") && !policy.contains("unsafe-inline") && policy.contains("frame-ancestors 'none'"))
            #expect(page.headers[WebApp.contentTypeOptions] == "nosniff")
            let etag = try #require(page.headers[.eTag])
            let again = try await client.execute(uri: "/", method: .get, headers: [.ifNoneMatch: etag]) { $0 }
            #expect(again.status == .notModified)
            let head = try await client.execute(uri: "/", method: .head) { $0 }
            #expect(head.status == .ok && head.headers[.eTag] == etag && head.body.readableBytes == 0)
            let html = String(buffer: page.body)
            #expect(!html.contains("<script>"), "no inline script: every script is a file of this origin")
        }
    }

    @Test("only plain file names under the app's folder are served: traversal, hidden files and unknown paths are 404 problems")
    func onlyAppFilesAreServed() async throws {
        try await GatewayHarness.with { _, client in
            for path in [
                "/../Package.swift", "/%2e%2e/Package.swift", "/.hidden", "/no-such-file.js", "/api/v1/no-such-route",
                "/Migrations/0001_create_schema.sql",
            ] {
                let reply = try await client.execute(uri: path, method: .get) { $0 }
                #expect(reply.status == .notFound, "\(path)")
                #expect(reply.headers[.contentType] == "application/problem+json", "\(path)")
            }
            // The API and the operations routes are still theirs, not files.
            #expect(try await client.execute(uri: "/health", method: .get) { $0.status } == .ok)
            #expect(try await client.call(.get, "/api/v1/me").status == 401)
        }
    }

    @Test("a folder given by SALESDESK_WEB_ROOT is served as it is on disk")
    func servesFromFolder() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("web-\(UUID())")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("js"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let app = try WebApp.configured(ServiceConfiguration(environment: ["SALESDESK_WEB_ROOT": folder.path]))
        let router = Router(context: ServiceRequestContext.self)
        router.add(middleware: ProblemMiddleware())
        app.add(to: router)
        try await Application(router: router).test(.router) { client in
            #expect(try await client.execute(uri: "/js/app.js", method: .get) { $0.status } == .notFound)
            try Data("export const x = 1;".utf8).write(to: folder.appendingPathComponent("js/app.js"))
            let script = try await client.execute(uri: "/js/app.js", method: .get) { $0 }
            #expect(script.status == .ok)
            #expect(script.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(String(buffer: script.body) == "export const x = 1;")
            #expect(try await client.execute(uri: "/js", method: .get) { $0.status } == .notFound, "a folder is not a file")
        }
    }
}
