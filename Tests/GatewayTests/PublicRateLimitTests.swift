import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Gateway

/// The customer's self-service page: the public routes need no login and are rate-limited per client address and per
/// token (issue 11).
@Suite("Public routes and their rate limit", .timeLimit(.minutes(3)))
struct PublicRateLimitTests {
    static let token = String(repeating: "a", count: 43)

    @Test("the public page needs no token, and past the limit answers 429 problem+json with Retry-After")
    func limited() async throws {
        try await GatewayHarness.with(environment: ["PUBLIC_RATE_LIMIT_PER_MINUTE": "3"]) { _, client in
            for _ in 0..<3 {
                // No broker in this harness: the call is forwarded (503), not refused for want of a login (401).
                let reply = try await client.call(.get, "/api/v1/public/portal/\(Self.token)")
                #expect(reply.status == 503)
            }
            let limited = try await client.call(.get, "/api/v1/public/portal/\(Self.token)")
            #expect(limited.status == 429)
            #expect(limited.headers[.contentType]?.hasPrefix("application/problem+json") == true)
            #expect(limited.body["status"] as? Int == 429)
            let retryAfter = try #require(limited.headers[.retryAfter].flatMap { Int($0) })
            #expect((1...60).contains(retryAfter))
            // The after-sales form counts against the same limit.
            let form = try await client.call(
                .post,
                "/api/v1/public/portal/\(Self.token)/service-requests",
                json: #"{"contactName":"王工","phone":"13900001111","description":"异响"}"#
            )
            #expect(form.status == 429)
            // Routes behind the login are not counted: they still answer 401 without a token.
            #expect(try await client.call(.get, "/api/v1/customers").status == 401)
        }
    }

    @Test("the limit counts each client address and each token on its own, and resets when the minute turns")
    func keys() {
        let limiter = PublicRateLimiter(limit: 2)
        let start = Date(timeIntervalSince1970: 1_800_000_000)  // a whole minute
        #expect(limiter.take(["address:a", "token:x"], now: start) == nil)
        #expect(limiter.take(["address:a", "token:x"], now: start) == nil)
        #expect(limiter.take(["address:a", "token:x"], now: start.addingTimeInterval(15)) == 45)
        // Another address, same token: the token is over its limit.
        #expect(limiter.take(["address:b", "token:x"], now: start.addingTimeInterval(15)) != nil)
        // Another address and token: untouched.
        #expect(limiter.take(["address:c", "token:y"], now: start.addingTimeInterval(15)) == nil)
        // Same address, another token: the address is over its limit.
        #expect(limiter.take(["address:a", "token:z"], now: start.addingTimeInterval(15)) != nil)
        #expect(limiter.take(["address:a", "token:x"], now: start.addingTimeInterval(60)) == nil)
    }

    @Test("the public routes are exactly the operations the document marks security: []")
    func publicRoutes() throws {
        let routes = try ForwardedRoute.routes(in: OpenAPIDocument.yaml)
        #expect(
            Set(routes.filter(\.isPublic).map { "\($0.method.rawValue) \($0.path)" }) == [
                "GET public/portal/:id", "GET public/portal/:id/invoice.pdf", "POST public/portal/:id/service-requests",
            ]
        )
    }
}
