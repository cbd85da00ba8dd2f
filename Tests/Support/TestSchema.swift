import Logging
public import Persistence
public import PostgresNIO

/// A PostgreSQL schema of its own for one test, dropped afterwards, so tests run in parallel without meeting.
public enum TestSchema {
    /// Runs `body` with a running `PostgresClient` whose `search_path` is a fresh schema, then drops the schema.
    /// - Parameters:
    ///   - migrations: applied (with the kit's own) before `body` runs; `nil` applies nothing.
    public static func with<T: Sendable>(
        migrations: [Migration]? = nil,
        _ body: @Sendable (PostgresClient, String) async throws -> T
    ) async throws -> T {
        let schema = "t_" + TestEnvironment.uniqueSuffix()
        let logger = Logger(label: "test.\(schema)")
        let settings = try PostgresSettings(url: try TestEnvironment.postgresURL(), schema: schema, applicationName: "tests")
        let client = PostgresClient(configuration: settings.clientConfiguration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            do {
                if let migrations {
                    try await Migrator(client: client, schema: schema, migrations: migrations, logger: logger).migrate()
                } else {
                    try await client.query("CREATE SCHEMA \(unescaped: schema)", logger: logger)
                }
                let result = try await body(client, schema)
                try? await client.query("DROP SCHEMA \(unescaped: schema) CASCADE", logger: logger)
                return result
            } catch {
                try? await client.query("DROP SCHEMA \(unescaped: schema) CASCADE", logger: logger)
                throw error
            }
        }
    }
}
