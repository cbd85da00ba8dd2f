import Foundation
import Logging
import Persistence
import PostgresNIO
import TestSupport
import Testing

@testable import Gateway

@Suite("Identity retention")
struct IdentityRetentionTests {
    @Test("failed logins past retention and refresh tokens long expired are pruned; recent ones and live revoked tokens stay")
    func prunesLoginFailuresAndExpiredTokens() async throws {
        let migrations = try Migrator.load(bundleDirectory: try #require(GatewayService.migrationsDirectory))
        try await TestSchema.with(migrations: migrations) { postgres, schema in
            let logger = Logger(label: "test.identity-retention")
            let user = UUID()
            try await postgres.query(
                "INSERT INTO users (id, username, display_name, role, password_hash) VALUES (\(user), 'wang', '王', 'admin', 'x')",
                logger: logger
            )
            try await postgres.query(
                """
                INSERT INTO login_failures (username, address, at) VALUES
                    ('old', '10.0.0.1', now() - interval '31 days'),
                    ('recent', '10.0.0.1', now() - interval '29 days')
                """,
                logger: logger
            )
            try await postgres.query(
                """
                INSERT INTO refresh_tokens (token_hash, user_id, created_at, expires_at, revoked_at, revoked_reason) VALUES
                    ('expired-long-ago', \(user), now() - interval '40 days', now() - interval '8 days', NULL, NULL),
                    ('rotated-long-ago', \(user), now() - interval '40 days', now() - interval '9 days', now() - interval '39 days', 'rotated'),
                    ('expired-yesterday', \(user), now() - interval '31 days', now() - interval '1 day', NULL, NULL),
                    ('rotated-still-valid', \(user), now() - interval '2 days', now() + interval '28 days', now() - interval '1 day', 'rotated'),
                    ('live', \(user), now(), now() + interval '30 days', NULL, NULL)
                """,
                logger: logger
            )
            let policy = RetentionPolicy()
            let pruner = RetentionPruner(client: postgres, schema: schema, policy: policy, rules: IdentityRetention.rules(policy), logger: logger)
            let touched = try await pruner.pass()
            #expect(touched["login_failures"] == 1)
            #expect(touched["refresh_tokens"] == 2)
            #expect(try await pruner.pass()["refresh_tokens"] == 0)

            var failures: [String] = []
            for try await name in try await postgres.query("SELECT username FROM login_failures ORDER BY username", logger: logger).decode(
                String.self
            ) {
                failures.append(name)
            }
            #expect(failures == ["recent"])
            var tokens: [String] = []
            for try await hash in try await postgres.query("SELECT token_hash FROM refresh_tokens ORDER BY token_hash", logger: logger).decode(
                String.self
            ) {
                tokens.append(hash)
            }
            // A token rotation used up stays while it could still be presented, so reuse is still detected.
            #expect(tokens == ["expired-yesterday", "live", "rotated-still-valid"])
        }
    }
}
