import Contracts
import Foundation
import HTTPTypes
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import Gateway

/// The caller cache (issue 14) must never let a change to a user go unnoticed: another replica's change (here,
/// SQL on the users table, as another gateway or `salesdesk-admin` would make it) applies on its NOTIFY, and this
/// replica's own change applies to the very next request.
@Suite("The gateway's caller cache", .timeLimit(.minutes(3)))
struct CallerCacheTests {
    let logger = Logger(label: "test.gateway.callers")

    /// Runs the cache's listener beside `body`, once the cache trusts itself.
    static func listening<T: Sendable>(_ harness: GatewayHarness, _ body: () async throws -> T) async throws -> T {
        let callers = harness.api.store.callers
        let listener = Task { try await CallerCache.Listener(cache: callers, postgres: harness.postgres, logger: Logger(label: "test")).run() }
        defer { listener.cancel() }
        #expect(await eventually { callers.isTrusted }, "the listener never connected")
        return try await body()
    }

    @Test("a user changed by another replica (SQL on the users table) is seen without waiting for the cache to expire")
    func changeElsewhere() async throws {
        try await GatewayHarness.with { harness, client in
            try await Self.listening(harness) {
                let callers = harness.api.store.callers
                let admin = try #require(try await client.login("admin", GatewayHarness.adminPassword)).access
                let repID = try #require(RecordID(try await IdentityTests.createRep(client, admin: admin)))
                let rep = try #require(try await client.login("wang", "rep-password")).access
                #expect(try await client.call(.get, "/api/v1/me", token: rep).body["role"] as? String == "rep")
                // The login itself changed the users table (its count), so the cache may have been emptied since the
                // first request: ask until an entry stays.
                #expect(
                    try await eventually {
                        _ = try? await client.call(.get, "/api/v1/me", token: rep)
                        return callers.caller(repID) != nil
                    },
                    "the caller was never cached"
                )

                try await harness.postgres.query("UPDATE users SET role = 'supervisor' WHERE id = \(repID)", logger: logger)
                #expect(
                    try await eventually { try await client.call(.get, "/api/v1/me", token: rep).body["role"] as? String == "supervisor" },
                    "the role change never applied"
                )
                try await harness.postgres.query("UPDATE users SET active = false WHERE id = \(repID)", logger: logger)
                #expect(
                    try await eventually { try await client.call(.get, "/api/v1/me", token: rep).status == 401 },
                    "the deactivation never applied"
                )
            }
        }
    }

    @Test("a user deactivated through this replica is refused on the very next request, cached or not")
    func changeHere() async throws {
        try await GatewayHarness.with { harness, client in
            try await Self.listening(harness) {
                let callers = harness.api.store.callers
                let admin = try #require(try await client.login("admin", GatewayHarness.adminPassword)).access
                let repID = try #require(RecordID(try await IdentityTests.createRep(client, admin: admin)))
                let rep = try #require(try await client.login("wang", "rep-password")).access
                #expect(
                    try await eventually {
                        _ = try? await client.call(.get, "/api/v1/me", token: rep)
                        return callers.caller(repID) != nil
                    },
                    "the caller was never cached"
                )
                #expect(try await client.call(.post, "/api/v1/users/\(repID)/deactivate", token: admin).status == 200)
                #expect(try await client.call(.get, "/api/v1/me", token: rep).status == 401)
            }
        }
    }

    @Test("without its listener the cache keeps nothing, and a lost listener empties it")
    func untrustedCacheKeepsNothing() async throws {
        let cache = CallerCache()
        let user = User(
            id: RecordID(),
            username: "wang",
            displayName: "王",
            role: .rep,
            region: nil,
            supervisorId: nil,
            mobile: nil,
            wecomUserId: nil,
            active: true,
            version: 1,
            createdAt: Date(),
            updatedAt: Date()
        )
        var loads = 0
        _ = try await cache.caller(user.id) {
            loads += 1
            return (user, [])
        }
        #expect(cache.caller(user.id) == nil && loads == 1)

        cache.trust(true)
        _ = try await cache.caller(user.id) {
            loads += 1
            return (user, [])
        }
        #expect(cache.caller(user.id)?.user.id == user.id && loads == 2)
        cache.trust(false)
        #expect(cache.caller(user.id) == nil)
    }
}
