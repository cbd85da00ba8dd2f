import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

@testable import Gateway

@Suite("Gateway forwarded routes without a token", .timeLimit(.minutes(3)))
struct UnauthenticatedForwardTests {
    @Test("a forwarded API route called without a token answers 401 problem+json with WWW-Authenticate: Bearer")
    func forwardedRouteRequiresToken() async throws {
        try await GatewayHarness.with { _, client in
            for (method, uri) in [
                (HTTPRequest.Method.get, "/api/v1/customers"), (.get, "/api/v1/approvals"), (.get, "/api/v1/notifications"),
            ] {
                let reply = try await client.call(method, uri)
                #expect(reply.status == 401, "\(uri)")
                #expect(reply.headers[.contentType]?.hasPrefix("application/problem+json") == true, "\(uri)")
                #expect(reply.headers[.wwwAuthenticate] == "Bearer", "\(uri)")
                #expect(reply.body["status"] as? Int == 401, "\(uri)")
            }
        }
    }

    @Test("user ids leave the API in lower case, the canonical form of RFC 9562")
    func userIDsAreLowerCase() async throws {
        try await GatewayHarness.with { _, client in
            let tokens = try #require(try await client.login("admin", GatewayHarness.adminPassword))
            let me = try await client.call(.get, "/api/v1/me", token: tokens.access)
            let id = try #require(me.body["id"] as? String)
            #expect(id == id.lowercased())
            #expect(UUID(uuidString: id) != nil)
        }
    }
}
