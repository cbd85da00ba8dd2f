import Contracts
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Gateway

/// Reading the admin audit trail (issue 9): `GET /api/v1/audit`.
@Suite("Admin audit trail", .timeLimit(.minutes(3)))
struct AuditTrailTests {
    /// A page of the trail as a client decodes it.
    struct AuditPage: Decodable {
        struct Entry: Decodable {
            var at: Date
            var actorId: String?
            var action: String
            var subject: String
            var changes: JSONValue
        }
        var items: [Entry]
        var nextCursor: String?
    }

    func audit(_ client: some TestClientProtocol, token: String, query: String = "") async throws -> (status: Int, page: AuditPage?) {
        try await client.execute(
            uri: "/api/v1/audit" + (query.isEmpty ? "" : "?\(query)"),
            method: .get,
            headers: [.authorization: "Bearer \(token)"]
        ) {
            response in
            let body = Data(response.body.readableBytesView)
            return (Int(response.status.code), try? JSONCoding.decoder.decode(AuditPage.self, from: body))
        }
    }

    @Test("an admin reads the trail newest first, a page at a time, filtered by actor, action and time; others get 403")
    func readTrail() async throws {
        try await GatewayHarness.with { harness, client in
            let admin = try #require(try await client.login("admin", GatewayHarness.adminPassword)).access
            let adminID = try #require(try await client.call(.get, "/api/v1/me", token: admin).body["id"] as? String)
            let repID = try await IdentityTests.createRep(client, admin: admin)
            #expect(try await client.call(.post, "/api/v1/users/\(repID)/deactivate", token: admin).status == 200)

            let all = try #require(try await audit(client, token: admin).page)
            // Newest first: deactivate, create the rep, create the region, then the gateway's own bootstrap.
            #expect(all.items.map(\.action) == ["user.deactivate", "user.create", "region.create", "user.bootstrap"])
            #expect(all.items.first?.actorId == adminID && all.items.first?.subject == repID)
            #expect(all.items.last?.actorId == nil)
            #expect(all.nextCursor == nil)

            var actions: [String] = []
            var cursor: String?
            repeat {
                let page = try #require(try await audit(client, token: admin, query: "limit=3" + (cursor.map { "&cursor=\($0)" } ?? "")).page)
                actions += page.items.map(\.action)
                cursor = page.nextCursor
            } while cursor != nil && actions.count < 10
            #expect(actions == all.items.map(\.action))

            #expect(try await audit(client, token: admin, query: "action=user.create").page?.items.map(\.subject) == [repID])
            #expect(try await audit(client, token: admin, query: "actor=\(adminID)").page?.items.count == 3)
            #expect(try await audit(client, token: admin, query: "actor=\(UUID().uuidString.lowercased())").page?.items.isEmpty == true)

            let created = try #require(all.items.first { $0.action == "user.create" }?.at)
            let stamp = { (date: Date) in date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)) }
            let from = try #require(stamp(created).addingPercentEncoding(withAllowedCharacters: .alphanumerics))
            let since = try #require(try await audit(client, token: admin, query: "from=\(from)").page)
            #expect(since.items.map(\.action) == ["user.deactivate", "user.create"])
            let before = try #require(try await audit(client, token: admin, query: "to=\(from)").page)
            #expect(before.items.map(\.action) == ["region.create", "user.bootstrap"])

            for bad in ["limit=0", "cursor=bogus", "actor=admin", "from=yesterday", "to=2020-01-01T00:00:00Z&from=2021-01-01T00:00:00Z"] {
                #expect(try await audit(client, token: admin, query: bad).status == 422, "\(bad)")
            }

            let rep2 = try await IdentityTests.createRep(client, admin: admin, username: "zhao")
            _ = rep2
            let repToken = try #require(try await client.login("zhao", "rep-password")).access
            #expect(try await audit(client, token: repToken).status == 403)
            #expect(try await client.call(.get, "/api/v1/audit").status == 401)
        }
    }
}
