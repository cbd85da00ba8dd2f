import Admin
import ArgumentParser
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

    /// The rows of a query of one text column in the gateway's schema.
    static func query(_ fixture: AdminFixture, _ sql: String) async throws -> [String] {
        try await (try fixture.postgres).withClient(schema: "gateway") { client in
            var values: [String] = []
            for try await value in try await client.query(PostgresQuery(unsafeSQL: sql), logger: AdminLog.logger).decode(String.self) {
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
            let rows = try await Self.query(fixture, "SELECT role || '|' || active::text || '|' || display_name FROM users WHERE username = 'ops.li'")
            #expect(rows == ["admin|true|运维 李"])
            let hash = try #require(try await Self.query(fixture, "SELECT password_hash FROM users").first)
            #expect(Bcrypt.verify("rescue-passw0rd", hash: hash))
            #expect(try await Self.query(fixture, "SELECT type FROM outbox") == ["user.created"])
            #expect(try await Self.query(fixture, "SELECT action FROM admin_audit") == ["user.create"])

            let again = try CreateAdmin.parse(["OPS.LI", "--password-file", file] + Self.gatewayArguments(fixture))
            await #expect(throws: (any Error).self) { try await again.run() }
            let short = try CreateAdmin.parse(["ops.wang", "--password-file", try Self.passwordFile("short")] + Self.gatewayArguments(fixture))
            await #expect(throws: (any Error).self) { try await short.run() }
            #expect(try await Self.query(fixture, "SELECT count(*)::text FROM users") == ["1"])
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
            let hash = try #require(try await Self.query(fixture, "SELECT password_hash FROM users").first)
            #expect(Bcrypt.verify("second-passw0rd", hash: hash))
            #expect(!Bcrypt.verify("first-passw0rd", hash: hash))
            #expect(try await Self.query(fixture, "SELECT coalesce(revoked_reason, 'none') FROM refresh_tokens") == ["password"])
            #expect(try await Self.query(fixture, "SELECT count(*)::text FROM login_failures") == ["0"])

            try await (try fixture.postgres).withClient(schema: "gateway") { client in
                try await client.query("INSERT INTO login_failures (username, address) VALUES ('ops.li', '10.0.0.9')", logger: AdminLog.logger)
                try await client.query("INSERT INTO login_failures (username, address) VALUES ('someone', '10.0.0.9')", logger: AdminLog.logger)
            }
            try await Unlock.parse(["OPS.LI"] + Self.gatewayArguments(fixture).prefix(2)).run()
            #expect(try await Self.query(fixture, "SELECT username FROM login_failures") == ["someone"])
            #expect(
                try await Self.query(fixture, "SELECT action FROM admin_audit ORDER BY id") == [
                    "user.create", "user.update", "user.unlock",
                ]
            )

            await #expect(throws: (any Error).self) { try await Unlock.parse(["nobody"] + Self.gatewayArguments(fixture).prefix(2)).run() }
        }
    }
}
