import Contracts
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Gateway

@Suite("Request limits and idempotency at the gateway", .timeLimit(.minutes(3)))
struct RequestLimitsTests {
    @Test("one Idempotency-Key deactivates two users: a key answers only for the record it was used on")
    func idempotencyKeyIsPerRecord() async throws {
        try await GatewayHarness.with { _, client in
            let admin = try #require(try await client.login("admin", GatewayHarness.adminPassword)).access
            let wang = try await IdentityTests.createRep(client, admin: admin, username: "wang")
            let zhao = try await IdentityTests.createRep(client, admin: admin, username: "zhao")
            let key: HTTPFields = [.idempotencyKey: "deactivate-leavers"]
            for id in [wang, zhao] {
                let reply = try await client.call(.post, "/api/v1/users/\(id)/deactivate", token: admin, headers: key)
                #expect(reply.status == 200)
                #expect(reply.body["id"] as? String == id)
                #expect(reply.body["active"] as? Bool == false)
            }
            for id in [wang, zhao] {
                #expect(try await client.call(.get, "/api/v1/users/\(id)", token: admin).body["active"] as? Bool == false)
            }
        }
    }

    @Test("a query string over 8 KiB answers 414 with a problem, on forwarded and own routes, before any RPC")
    func longQueryIs414() async throws {
        try await GatewayHarness.with { _, client in
            let admin = try #require(try await client.login("admin", GatewayHarness.adminPassword)).access
            let long = "q=" + String(repeating: "a", count: 8 * 1024)
            for uri in ["/api/v1/deals?\(long)", "/api/v1/users?\(long)", "/api/v1/deals?q=" + String(repeating: "b", count: 140_000)] {
                let reply = try await client.call(.get, uri, token: admin)
                #expect(reply.status == 414, "\(uri.prefix(20))")
                #expect(reply.headers[.contentType] == Problem.contentType)
                #expect(reply.body["status"] as? Int == 414)
            }
            // At the limit the request is forwarded (and meets the unconnected broker of this test).
            let atLimit = "q=" + String(repeating: "a", count: 8 * 1024 - 2)
            #expect(try await client.call(.get, "/api/v1/deals?\(atLimit)", token: admin).status == 503)
        }
    }

    @Test("request headers over 16 KiB answer 431 with a problem")
    func largeHeadersAre431() async throws {
        try await GatewayHarness.with { _, client in
            let admin = try #require(try await client.login("admin", GatewayHarness.adminPassword)).access
            var headers: HTTPFields = [:]
            for index in 0..<20 { headers[HTTPField.Name("X-Filler-\(index)")!] = String(repeating: "x", count: 1000) }
            let reply = try await client.call(.get, "/api/v1/deals", token: admin, headers: headers)
            #expect(reply.status == 431)
            #expect(reply.headers[.contentType] == Problem.contentType)
            #expect(reply.body["status"] as? Int == 431)
        }
    }

    @Test("an Idempotency-Key outside 1–255 bytes answers 400 before it is forwarded")
    func idempotencyKeyIsBounded() async throws {
        try await GatewayHarness.with { _, client in
            let admin = try #require(try await client.login("admin", GatewayHarness.adminPassword)).access
            let json = #"{"name":"x"}"#
            for key in ["", String(repeating: "k", count: 256)] {
                let reply = try await client.call(.post, "/api/v1/customers", token: admin, json: json, headers: [.idempotencyKey: key])
                #expect(reply.status == 400, "\(key.count) bytes")
                #expect(reply.headers[.contentType] == Problem.contentType)
            }
            // A key too large for the header block is refused as such.
            let huge: HTTPFields = [.idempotencyKey: String(repeating: "k", count: 100_000)]
            #expect(try await client.call(.post, "/api/v1/customers", token: admin, json: json, headers: huge).status == 431)
            let fine = try await client.call(
                .post,
                "/api/v1/customers",
                token: admin,
                json: json,
                headers: [.idempotencyKey: String(repeating: "k", count: 255)]
            )
            #expect(fine.status == 503)
        }
    }

    @Test("a traceparent that is not W3C trace context is replaced by a fresh one; a valid one is kept")
    func traceparentIsValidated() async throws {
        try await GatewayHarness.with { harness, client in
            let admin = try #require(try await client.login("admin", GatewayHarness.adminPassword)).access
            let valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            let sent = [
                "garbage", String(repeating: "0", count: 10_000), "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", valid,
            ]
            for (index, traceparent) in sent.enumerated() {
                let created = try await client.call(
                    .post,
                    "/api/v1/users",
                    token: admin,
                    json: #"{"username":"user\#(index)","displayName":"X","password":"user-password","role":"finance"}"#,
                    headers: [HTTPField.Name("traceparent")!: traceparent]
                )
                #expect(created.status == 201)
            }
            let rows = try await harness.postgres.query(
                "SELECT envelope::text FROM outbox WHERE type = 'user.created' ORDER BY position OFFSET 1",
                logger: Logger(label: "t")
            )
            var stored: [String?] = []
            for try await json in rows.decode(String.self) { stored.append(try EventEnvelope.decode(from: Array(json.utf8)).traceparent) }
            #expect(stored.count == sent.count)
            for (traceparent, kept) in zip(sent.dropLast(), stored) {
                #expect(kept != traceparent)
                #expect(kept?.wholeMatch(of: /00-[0-9a-f]{32}-[0-9a-f]{16}-01/) != nil, "\(kept ?? "nil")")
            }
            #expect(stored.last == valid)
        }
    }
}
