import Foundation
import Logging
import Persistence
import PostgresNIO
import TestSupport
import Testing

@Suite("Database deadlines")
struct StatementTimeoutTests {
    let logger = Logger(label: "test.deadlines")

    @Test("a statement that runs past the deadline is cancelled by the server, and the client goes on")
    func statementTimeout() async throws {
        var settings = try PostgresSettings(url: try TestEnvironment.postgresURL(), schema: "public", applicationName: "deadline-test")
        settings.statementTimeout = .milliseconds(300)
        let client = PostgresClient(configuration: settings.clientConfiguration, backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            let logger = logger
            let error = await #expect(throws: PSQLError.self) {
                // The cancellation arrives while the rows are read.
                for try await _ in try await client.query("SELECT pg_sleep(5)", logger: logger) {}
            }
            #expect(error?.serverInfo?[.sqlState] == "57014", "expected query_canceled, got \(String(describing: error))")
            let rows = try await client.query("SHOW idle_in_transaction_session_timeout", logger: logger)
            for try await value in rows.decode(String.self) { #expect(value == "1min") }
        }
    }
}
