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

@Suite("Login lockout", .timeLimit(.minutes(3)))
struct LockoutTests {
    enum Answer: Equatable { case session, wrong, locked }

    /// One login through the handler, from `address`, as 200 / 401 / 429.
    static func login(_ harness: GatewayHarness, _ username: String, _ password: String, from address: String?) async throws -> Answer {
        do {
            switch try await harness.login(.init(username: username, password: password), address: address, traceparent: nil) {
            case .session: return .session
            case .locked: return .locked
            }
        } catch let problem as Problem where problem.status == 401 {
            return .wrong
        }
    }

    /// `#expect(try await … == .x)` does not compile inside the harness closure; this spells it out.
    static func expect(_ expected: Answer, _ answer: Answer, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(answer == expected, sourceLocation: sourceLocation)
    }

    @Test("40 parallel wrong passwords for one username: at most 5 answer 401, the rest 429")
    func parallelGuessesPerUsername() async throws {
        try await GatewayHarness.with { _, client in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<40 {
                    group.addTask {
                        try await client.call(.post, "/api/v1/auth/login", json: #"{"username":"admin","password":"wrong-password"}"#).status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 401 }.count <= 5, "\(statuses)")
            #expect(statuses.filter { $0 == 429 }.count >= 35, "\(statuses)")
            #expect(statuses.allSatisfy { $0 == 401 || $0 == 429 })
        }
    }

    @Test("60 parallel wrong passwords from one address over many usernames: at most 20 answer 401")
    func parallelGuessesPerAddress() async throws {
        try await GatewayHarness.with { harness, _ in
            let answers = try await withThrowingTaskGroup(of: Answer.self) { group in
                for index in 0..<60 {
                    group.addTask { try await Self.login(harness, "user\(index)", "wrong-password", from: "10.0.0.9") }
                }
                return try await group.reduce(into: [Answer]()) { $0.append($1) }
            }
            #expect(answers.filter { $0 == .wrong }.count <= 20)
            #expect(answers.filter { $0 == .locked }.count >= 40)
            // Over its limit, the address is locked for every username, the admin's right password included.
            try await Self.expect(.locked, Self.login(harness, "admin", GatewayHarness.adminPassword, from: "10.0.0.9"))
        }
    }

    @Test("guessing the admin's password locks the guesser's address out, not the admin")
    func adminCannotBeLockedOutByOthers() async throws {
        try await GatewayHarness.with { harness, _ in
            for _ in 0..<5 {
                try await Self.expect(.wrong, Self.login(harness, "admin", "wrong-password", from: "203.0.113.7"))
            }
            try await Self.expect(.locked, Self.login(harness, "admin", GatewayHarness.adminPassword, from: "203.0.113.7"))
            try await Self.expect(.session, Self.login(harness, "admin", GatewayHarness.adminPassword, from: "192.0.2.10"))
            // The admin's success does not hand the guesser fresh attempts.
            try await Self.expect(.locked, Self.login(harness, "admin", "wrong-password", from: "203.0.113.7"))
            // Another address's first wrong guess counts, and then that address is locked out of the username too.
            try await Self.expect(.wrong, Self.login(harness, "ADMIN", "wrong-password", from: "198.51.100.1"))
            try await Self.expect(.locked, Self.login(harness, "admin", GatewayHarness.adminPassword, from: "198.51.100.1"))
        }
    }

    @Test("an admin unlocks a locked username at once, and the unlock is audited")
    func adminUnlocks() async throws {
        try await GatewayHarness.with { harness, client in
            let admin = try #require(try await client.login("admin", GatewayHarness.adminPassword)).access
            let repID = try await IdentityTests.createRep(client, admin: admin)
            for _ in 0..<5 {
                #expect(try await client.call(.post, "/api/v1/auth/login", json: #"{"username":"wang","password":"wrong-password"}"#).status == 401)
            }
            #expect(try await client.login("wang", "rep-password") == nil)

            let unlocked = try await client.call(.post, "/api/v1/users/\(repID)/unlock", token: admin)
            #expect(unlocked.status == 200)
            #expect(unlocked.body["id"] as? String == repID)
            let rep = try #require(try await client.login("wang", "rep-password"))
            #expect(try await client.call(.post, "/api/v1/users/\(repID)/unlock", token: rep.access).status == 403)
            #expect(try await client.call(.post, "/api/v1/users/\(repID)/unlock", token: admin).status == 200)
            #expect(try await client.call(.post, "/api/v1/users/\(UUID())/unlock", token: admin).status == 404)

            let rows = try await harness.postgres.query(
                "SELECT changes->>'failuresCleared' FROM admin_audit WHERE action = 'user.unlock' AND subject = \(repID) ORDER BY id",
                logger: Logger(label: "t")
            )
            var cleared: [String?] = []
            for try await value in rows.decode(String?.self) { cleared.append(value) }
            #expect(cleared == ["5", "0"])
        }
    }
}
