import Admin
import Foundation
import HummingbirdBcrypt
import Logging
import PostgresNIO
import TestSupport
import Testing

@Suite("salesdesk-admin create-admin, reset-password and unlock", .timeLimit(.minutes(5)))
struct UserCommandTests {
    /// Writes a password file as an operator would (`--password-file`).
    static func passwordFile(_ password: String) throws -> String {
        let path = NSTemporaryDirectory() + "admin-test-\(UUID().uuidString).txt"
        try Data((password + "\n").utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func gatewayArguments(_ fixture: AdminFixture) -> [String] {
        ["--postgres-url", fixture.postgresURL, "--bcrypt-cost", "4"]
    }

    static func query<T: Decodable & Sendable>(_ fixture: AdminFixture, _ sql: String, as type: T.Type) async throws -> [T] {
        try await (try fixture.postgres).withClient(schema: "gateway") { client in
            var values: [T] = []
            for try await value in try await client.query(PostgresQuery(unsafeSQL: sql), logger: AdminLog.logger).decode(T.self) {
                values.append(value)
            }
            return values
        }
    }

    @Test("create-admin makes an active admin whose password checks, audited and announced as user.created; a taken name is refused")
    func createAdmin() async throws {
        try await AdminFixture.with { fixture in
            _ = try await fixture.migrate()
            let file = try Self.passwordFile("rescue-passw0rd")
            let command = try CreateAdmin.parse(["ops.li", "--display-name", "运维 李", "--password-file", file] + Self.gatewayArguments(fixture))
            try await command.run()
            let rows = try await Self.query(
                fixture,
                "SELECT role, active, display_name, password_hash FROM users WHERE username = 'ops.li'",
                as: (String, Bool, String, String).self
            )
            let row = try #require(rows.first)
            #expect(row.0 == "admin" && row.1 && row.2 == "运维 李")
            #expect(Bcrypt.verify("rescue-passw0rd", hash: row.3))
            #expect(try await Self.query(fixture, "SELECT type FROM outbox", as: String.self) == ["user.created"])
            #expect(try await Self.query(fixture, "SELECT action FROM admin_audit", as: String.self) == ["user.create"])

            let again = try CreateAdmin.parse(["OPS.LI", "--password-file", file] + Self.gatewayArguments(fixture))
            await #expect(throws: (any Error).self) { try await again.run() }
            let short = try CreateAdmin.parse(["ops.wang", "--password-file", try Self.passwordFile("short")] + Self.gatewayArguments(fixture))
            await #expect(throws: (any Error).self) { try await short.run() }
            #expect(try await Self.query(fixture, "SELECT count(*)::int8 FROM users", as: Int.self) == [1])
        }
    }

    @Test("reset-password sets a new password, ends the user's sessions and lifts the lock; unlock forgets the failed logins")
    func resetAndUnlock() async throws {
        try await AdminFixture.with { fixture in
            _ = try await fixture.migrate()
            try await CreateAdmin.parse(["ops.li", "--password-file", try Self.passwordFile("first-passw0rd")] + Self.gatewayArguments(fixture)).run()
            try await (try fixture.postgres).withClient(schema: "gateway") { client in
                let logger = AdminLog.logger
                try await client.query(
                    """
                    INSERT INTO refresh_tokens (token_hash, user_id, expires_at)
                    SELECT 'h1', id, now() + interval '1 day' FROM users WHERE username = 'ops.li'
                    """,
                    logger: logger
                )
                for address in ["10.0.0.1", "10.0.0.2", "10.0.0.3"] {
                    try await client.query("INSERT INTO login_failures (username, address) VALUES ('Ops.Li', \(address))", logger: logger)
                }
            }

            try await ResetPassword.parse(["ops.li", "--password-file", try Self.passwordFile("second-passw0rd")] + Self.gatewayArguments(fixture))
                .run()
            let hash = try #require(try await Self.query(fixture, "SELECT password_hash FROM users", as: String.self).first)
            #expect(Bcrypt.verify("second-passw0rd", hash: hash))
            #expect(!Bcrypt.verify("first-passw0rd", hash: hash))
            #expect(try await Self.query(fixture, "SELECT revoked_reason FROM refresh_tokens", as: String?.self) == ["password"])
            #expect(try await Self.query(fixture, "SELECT count(*)::int8 FROM login_failures", as: Int.self) == [0])

            try await (try fixture.postgres).withClient(schema: "gateway") { client in
                try await client.query("INSERT INTO login_failures (username, address) VALUES ('ops.li', '10.0.0.9')", logger: AdminLog.logger)
                try await client.query("INSERT INTO login_failures (username, address) VALUES ('someone', '10.0.0.9')", logger: AdminLog.logger)
            }
            try await Unlock.parse(["OPS.LI"] + Self.gatewayArguments(fixture).prefix(2)).run()
            #expect(try await Self.query(fixture, "SELECT username FROM login_failures", as: String.self) == ["someone"])
            #expect(
                try await Self.query(fixture, "SELECT action FROM admin_audit ORDER BY id", as: String.self) == [
                    "user.create", "user.update", "user.unlock",
                ]
            )

            await #expect(throws: (any Error).self) { try await Unlock.parse(["nobody"] + Self.gatewayArguments(fixture).prefix(2)).run() }
        }
    }
}
