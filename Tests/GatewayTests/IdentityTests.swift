import Contracts
import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTKit
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Gateway

@Suite("Gateway identity", .timeLimit(.minutes(3)))
struct IdentityTests {
    static let regionJSON = #"{"code":"east-china","name":"华东"}"#

    /// Creates a region and a rep as the admin; returns the rep's id.
    static func createRep(_ client: some TestClientProtocol, admin: String, username: String = "wang") async throws -> String {
        try await client.call(.post, "/api/v1/regions", token: admin, json: regionJSON)
        let created = try await client.call(
            .post,
            "/api/v1/users",
            token: admin,
            json:
                #"{"username":"\#(username)","displayName":"王","password":"rep-password","role":"rep","region":"east-china","mobile":"13800138000"}"#
        )
        #expect(created.status == 201, "\(created.body)")
        return created.body["id"] as? String ?? ""
    }

    @Test("the first admin logs in; /me answers with the caller and a login event is in the outbox")
    func adminLogsIn() async throws {
        try await GatewayHarness.with { harness, client in
            let tokens = try #require(try await client.login("admin", GatewayHarness.adminPassword))
            let me = try await client.call(.get, "/api/v1/me", token: tokens.access)
            #expect(me.status == 200)
            #expect(me.body["username"] as? String == "admin")
            #expect(me.body["role"] as? String == "admin")
            let rows = try await harness.postgres.query("SELECT type FROM outbox ORDER BY position", logger: Logger(label: "t"))
            var types: [String] = []
            for try await type in rows.decode(String.self) { types.append(type) }
            // /me was the admin's first authenticated request of the day: user.active (issue 12).
            #expect(types == ["user.created", "user.logged_in", "user.active"])
        }
    }

    @Test("missing, expired, wrongly signed, alg none and tampered tokens answer 401 with WWW-Authenticate")
    func badTokensAreRefused() async throws {
        try await GatewayHarness.with { harness, client in
            let tokens = try #require(try await client.login("admin", GatewayHarness.adminPassword))
            let claims = try await harness.api.tokens.verify(tokens.access).map { $0 } ?? { throw TestFailure() }()

            var expired = claims
            expired.exp = .init(value: Date().addingTimeInterval(-60))
            let expiredToken = try await harness.api.tokens.sign(expired)

            let otherKey = TokenService(secret: String(repeating: "z", count: 40))
            let wrongSignature = try await otherKey.sign(claims)

            let parts = tokens.access.split(separator: ".").map(String.init)
            let noneHeader = Base64URL.encode(Data(#"{"alg":"none","typ":"JWT"}"#.utf8))
            let algNone = "\(noneHeader).\(parts[1])."

            var promoted =
                try JSONSerialization.jsonObject(with: Base64URL.decode(String(parts[1]), maxLength: 4_096) ?? Data()) as? [String: Any] ?? [:]
            promoted["sub"] = UUID().uuidString.lowercased()
            let tampered = "\(parts[0]).\(Base64URL.encode(try JSONSerialization.data(withJSONObject: promoted))).\(parts[2])"

            for (name, token) in [
                ("missing", nil), ("expired", expiredToken), ("wrong signature", wrongSignature), ("alg none", algNone), ("tampered", tampered),
                ("garbage", "abc"),
            ] {
                let reply = try await client.call(.get, "/api/v1/me", token: token)
                #expect(reply.status == 401, "\(name)")
                #expect(reply.headers[.wwwAuthenticate] == "Bearer", "\(name)")
                #expect(reply.headers[.contentType] == "application/problem+json", "\(name)")
            }
            #expect(try await client.call(.get, "/api/v1/me", token: tokens.access).status == 200)
        }
    }

    @Test("a deactivated user's token stops working at once and they cannot log in")
    func deactivatedUserIsLockedOut() async throws {
        try await GatewayHarness.with { _, client in
            let admin = try #require(try await client.login("admin", GatewayHarness.adminPassword)).access
            let repID = try await Self.createRep(client, admin: admin)
            let rep = try #require(try await client.login("wang", "rep-password"))
            #expect(try await client.call(.get, "/api/v1/me", token: rep.access).status == 200)

            let deactivated = try await client.call(.post, "/api/v1/users/\(repID)/deactivate", token: admin)
            #expect(deactivated.status == 200)
            #expect(deactivated.body["active"] as? Bool == false)
            #expect(try await client.call(.get, "/api/v1/me", token: rep.access).status == 401)
            #expect(try await client.login("wang", "rep-password") == nil)
            let refreshed = try await client.call(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(rep.refresh)"}"#)
            #expect(refreshed.status == 401)
        }
    }

    @Test("5 failed logins lock the username; the right password is refused during the lock")
    func lockoutAfterFiveFailures() async throws {
        try await GatewayHarness.with { _, client in
            for _ in 0..<5 {
                let reply = try await client.call(.post, "/api/v1/auth/login", json: #"{"username":"admin","password":"wrong-password"}"#)
                #expect(reply.status == 401)
            }
            let locked = try await client.call(
                .post,
                "/api/v1/auth/login",
                json: #"{"username":"ADMIN","password":"\#(GatewayHarness.adminPassword)"}"#
            )
            #expect(locked.status == 429)
            #expect(locked.headers[.retryAfter].flatMap { Int($0) }.map { $0 > 0 && $0 <= 900 } == true)
        }
    }

    @Test("admin-only routes refuse a rep with 403; validation answers 422 with errors; duplicates 409")
    func adminRoutesAreAdminOnly() async throws {
        try await GatewayHarness.with { _, client in
            let admin = try #require(try await client.login("admin", GatewayHarness.adminPassword)).access
            let repID = try await Self.createRep(client, admin: admin)
            let rep = try #require(try await client.login("wang", "rep-password")).access
            #expect(try await client.call(.get, "/api/v1/users", token: rep).status == 403)
            #expect(try await client.call(.post, "/api/v1/regions", token: rep, json: #"{"code":"north","name":"N"}"#).status == 403)
            #expect(try await client.call(.post, "/api/v1/users/\(repID)/deactivate", token: rep).status == 403)
            #expect(try await client.call(.patch, "/api/v1/users/\(repID)", token: rep, json: #"{"role":"gm"}"#).status == 403)

            let invalid = try await client.call(
                .post,
                "/api/v1/users",
                token: admin,
                json: #"{"username":"li","displayName":"李","password":"short","role":"rep","mobile":"123"}"#
            )
            #expect(invalid.status == 422)
            #expect(try await client.call(.post, "/api/v1/regions", token: admin, json: Self.regionJSON).status == 409)
            let duplicate = try await client.call(
                .post,
                "/api/v1/users",
                token: admin,
                json: #"{"username":"WANG","displayName":"王","password":"rep-password","role":"rep","region":"east-china"}"#
            )
            #expect(duplicate.status == 409)
            #expect(try await client.call(.patch, "/api/v1/users/\(UUID())", token: admin, json: #"{"displayName":"x"}"#).status == 404)

            let promoted = try await client.call(.patch, "/api/v1/users/\(repID)", token: admin, json: #"{"role":"supervisor"}"#)
            #expect(promoted.status == 200)
            #expect(promoted.body["version"] as? Int == 2)
        }
    }

    @Test("the regions API refuses codes with a double or a trailing hyphen, like the customers service")
    func regionCodesFollowSharedRule() async throws {
        try await GatewayHarness.with { _, client in
            let admin = try #require(try await client.login("admin", GatewayHarness.adminPassword)).access
            for code in ["a--b", "east-"] {
                let reply = try await client.call(.post, "/api/v1/regions", token: admin, json: #"{"code":"\#(code)","name":"X"}"#)
                #expect(reply.status == 422, "\(code)")
            }
            #expect(try await client.call(.post, "/api/v1/regions", token: admin, json: #"{"code":"a-b","name":"X"}"#).status == 201)
        }
    }

    @Test("PATCH with null clears a nullable field, leaves absent ones, and refuses null for a required one")
    func patchClearsWithNull() async throws {
        try await GatewayHarness.with { _, client in
            let admin = try #require(try await client.login("admin", GatewayHarness.adminPassword)).access
            let repID = try await Self.createRep(client, admin: admin)
            let cleared = try await client.call(.patch, "/api/v1/users/\(repID)", token: admin, json: #"{"mobile":null}"#)
            #expect(cleared.status == 200)
            #expect(cleared.body["mobile"] == nil)
            #expect(cleared.body["region"] as? String == "east-china")
            #expect(cleared.body["version"] as? Int == 2)
            let refused = try await client.call(.patch, "/api/v1/users/\(repID)", token: admin, json: #"{"displayName":null}"#)
            #expect(refused.status == 422)
        }
    }

    @Test("a role the gateway does not know, read from the database, fails the request instead of becoming rep")
    func unknownRoleThrows() async throws {
        try await GatewayHarness.with { harness, client in
            let admin = try #require(try await client.login("admin", GatewayHarness.adminPassword)).access
            let logger = Logger(label: "t")
            // A newer gateway could have written a role this one does not know; the constraint would not allow it here.
            _ = try await harness.postgres.query("ALTER TABLE users DROP CONSTRAINT users_role_check", logger: logger)
            _ = try await harness.postgres.query("UPDATE users SET role = 'overlord' WHERE username = 'admin'", logger: logger)
            let me = try await client.call(.get, "/api/v1/me", token: admin)
            #expect(me.status == 500)
            await #expect(throws: UnknownValue.self) {
                try await harness.postgres.withConnection { connection in
                    try await harness.api.store.users.credentials(username: "admin", on: connection)
                }
            }
        }
    }

    @Test("a refresh token works once, and not after logout")
    func refreshRotation() async throws {
        try await GatewayHarness.with { _, client in
            let first = try #require(try await client.login("admin", GatewayHarness.adminPassword))
            let rotated = try await client.call(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(first.refresh)"}"#)
            #expect(rotated.status == 200)
            let second = try #require(rotated.body["refreshToken"] as? String)
            let access = try #require(rotated.body["accessToken"] as? String)
            #expect(try await client.call(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(first.refresh)"}"#).status == 401)

            let other = try #require(try await client.login("admin", GatewayHarness.adminPassword))
            #expect(
                try await client.call(.post, "/api/v1/auth/logout", token: other.access, json: #"{"refreshToken":"\#(other.refresh)"}"#).status == 204
            )
            #expect(try await client.call(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(other.refresh)"}"#).status == 401)
            // Reusing the first token ended every session, the rotated one included.
            #expect(try await client.call(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(second)"}"#).status == 401)
            #expect(try await client.call(.get, "/api/v1/me", token: access).status == 200)
        }
    }

    @Test("two gateways bootstrapping at once create exactly one admin")
    func bootstrapIsRaceSafe() async throws {
        let migrations = try Migrator.load(bundleDirectory: GatewayService.migrationsDirectory!)
        try await TestSchema.with(migrations: migrations) { postgres, _ in
            let first = try GatewayHarness(postgres: postgres).api.bootstrap
            let second = try GatewayHarness(postgres: postgres).api.bootstrap
            async let a = first.createAdminIfNoUsers()
            async let b = second.createAdminIfNoUsers()
            let created = try await [a, b]
            #expect(created.filter { $0 }.count == 1)
            #expect(try await first.createAdminIfNoUsers() == false)
            let rows = try await postgres.query("SELECT count(*)::int8 FROM users WHERE username = 'admin'", logger: Logger(label: "t"))
            for try await count in rows.decode(Int.self) { #expect(count == 1) }
        }
    }

    @Test("no users and no admin password: the bootstrap stops with a message naming SALESDESK_ADMIN_PASSWORD")
    func bootstrapNeedsPassword() async throws {
        let migrations = try Migrator.load(bundleDirectory: GatewayService.migrationsDirectory!)
        try await TestSchema.with(migrations: migrations) { postgres, _ in
            let bootstrap = try GatewayHarness(postgres: postgres, adminPassword: nil).api.bootstrap
            await #expect { try await bootstrap.createAdminIfNoUsers() } throws: { "\($0)".contains("SALESDESK_ADMIN_PASSWORD") }
        }
    }

    @Test("a missing or short JWT_SECRET stops the gateway with a message naming it")
    func jwtSecretIsRequired() {
        for environment in [[:], ["JWT_SECRET": "short"]] {
            #expect { try GatewayService.IdentitySettings(ServiceConfiguration(environment: environment)) } throws: {
                "\($0)".contains("JWT_SECRET")
            }
        }
    }
}

struct TestFailure: Error {}
