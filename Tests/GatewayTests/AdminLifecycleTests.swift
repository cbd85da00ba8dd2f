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

@Suite("Admin lifecycle and sessions", .timeLimit(.minutes(3)))
struct AdminLifecycleTests {
    let logger = Logger(label: "test.gateway")

    /// Creates a second admin; returns their id.
    static func createAdmin(_ client: some TestClientProtocol, admin: String, username: String = "li") async throws -> String {
        let created = try await client.call(
            .post,
            "/api/v1/users",
            token: admin,
            json: #"{"username":"\#(username)","displayName":"李","password":"admin-password","role":"admin"}"#
        )
        #expect(created.status == 201, "\(created.body)")
        return created.body["id"] as? String ?? ""
    }

    static func activeAdmins(_ postgres: PostgresClient) async throws -> Int {
        let rows = try await postgres.query("SELECT count(*)::int8 FROM users WHERE role = 'admin' AND active", logger: Logger(label: "t"))
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }

    @Test("the last active admin cannot demote themselves (409); with a second admin they can")
    func lastAdminCannotBeDemoted() async throws {
        try await GatewayHarness.with { harness, client in
            let admin = try #require(try await client.login("admin", GatewayHarness.adminPassword)).access
            let me = try await client.call(.get, "/api/v1/me", token: admin)
            let adminID = try #require(me.body["id"] as? String)
            #expect(try await client.call(.patch, "/api/v1/users/\(adminID)", token: admin, json: #"{"role":"gm"}"#).status == 409)
            #expect(try await Self.activeAdmins(harness.postgres) == 1)

            _ = try await Self.createAdmin(client, admin: admin)
            #expect(try await client.call(.patch, "/api/v1/users/\(adminID)", token: admin, json: #"{"role":"gm"}"#).status == 200)
            #expect(try await Self.activeAdmins(harness.postgres) == 1)
        }
    }

    @Test("the last active admin cannot be deactivated, even by an admin deactivated a moment before (409)")
    func lastAdminCannotBeDeactivated() async throws {
        try await GatewayHarness.with { harness, client in
            let admin = try #require(try await client.login("admin", GatewayHarness.adminPassword))
            let adminID = try #require(try await client.call(.get, "/api/v1/me", token: admin.access).body["id"] as? String)
            let otherID = try await Self.createAdmin(client, admin: admin.access)
            _ = try #require(try await client.login("li", "admin-password"))

            // The other admin's request passed the token check just before the first admin's deactivation committed.
            let handler = DeactivateUserHandler(postgres: harness.postgres, store: harness.api.store, logger: logger)
            let first = try await handler(
                id: try #require(RecordID(otherID)),
                WriteRequest(caller: CallerIdentity(userID: adminID, role: .admin), body: [], idempotencyKey: nil, traceparent: nil)
            )
            #expect(first.status == 200)
            let stale = WriteRequest(caller: CallerIdentity(userID: otherID, role: .admin), body: [], idempotencyKey: nil, traceparent: nil)
            let target = try #require(RecordID(adminID))
            await #expect {
                try await handler(id: target, stale)
            } throws: {
                // The problem arrives wrapped in the transaction's error.
                "\($0)".contains("status: 409")
            }
            #expect(try await Self.activeAdmins(harness.postgres) == 1)
        }
    }

    @Test("a deactivated user is reactivated: they log in again, user.updated says active, and it is audited")
    func reactivation() async throws {
        try await GatewayHarness.with { harness, client in
            let admin = try #require(try await client.login("admin", GatewayHarness.adminPassword)).access
            let repID = try await IdentityTests.createRep(client, admin: admin)
            #expect(try await client.call(.post, "/api/v1/users/\(repID)/deactivate", token: admin).status == 200)
            #expect(try await client.login("wang", "rep-password") == nil)

            let reactivated = try await client.call(.post, "/api/v1/users/\(repID)/reactivate", token: admin)
            #expect(reactivated.status == 200)
            #expect(reactivated.body["active"] as? Bool == true)
            #expect(reactivated.body["version"] as? Int == 3)
            #expect(try await client.login("wang", "rep-password") != nil)
            // Reactivating an active user changes nothing.
            #expect(try await client.call(.post, "/api/v1/users/\(repID)/reactivate", token: admin).body["version"] as? Int == 3)

            let rows = try await harness.postgres.query(
                "SELECT envelope::text FROM outbox WHERE type = 'user.updated' ORDER BY position",
                logger: logger
            )
            var events: [UserUpdated] = []
            for try await json in rows.decode(String.self) {
                events.append(try EventEnvelope.decode(from: Array(json.utf8)).decodeData(as: UserUpdated.self))
            }
            #expect(events.map(\.user.active) == [true])
            #expect(events.map(\.changedFields) == [["active"]])
            let audit = try await harness.postgres.query(
                "SELECT count(*)::int8 FROM admin_audit WHERE action = 'user.reactivate' AND subject = \(repID)",
                logger: logger
            )
            for try await count in audit.decode(Int.self) { #expect(count == 1) }
        }
    }

    @Test("an unknown username is checked against a decoy hash of the configured cost, like a wrong password")
    func decoyUsesRealCost() async throws {
        // bcrypt writes its cost into the hash (`$2b$10$…`); the time a check takes follows from it, so comparing
        // the costs tells what a timing test would, without a clock.
        func costField(of hash: String) -> Substring? { hash.split(separator: "$").dropFirst().first }
        for factor in [UInt8(4), 10, 12] {
            let hasher = PasswordHasher(cost: factor)
            let real = try await hasher.hash("a-real-password")
            #expect(costField(of: hasher.decoyHash) == costField(of: real))
            #expect(costField(of: hasher.decoyHash) == Substring(factor < 10 ? "0\(factor)" : "\(factor)"))
            #expect(try await hasher.verify("wrong-password", hash: nil) == false)
        }
    }

    @Test("a refresh token ended by logout is refused without ending the user's other sessions")
    func logoutTokenDoesNotEndOtherSessions() async throws {
        try await GatewayHarness.with { _, client in
            let phone = try #require(try await client.login("admin", GatewayHarness.adminPassword))
            let laptop = try #require(try await client.login("admin", GatewayHarness.adminPassword))
            let logout = try await client.call(.post, "/api/v1/auth/logout", token: phone.access, json: #"{"refreshToken":"\#(phone.refresh)"}"#)
            #expect(logout.status == 204)
            #expect(try await client.call(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(phone.refresh)"}"#).status == 401)
            #expect(try await client.call(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(laptop.refresh)"}"#).status == 200)
        }
    }
}
