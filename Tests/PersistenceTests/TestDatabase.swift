import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import TestSupport
import Testing

/// The persistence tests' logger; the servers come from ``TestEnvironment``, and a missing one fails the test.
enum PersistenceTestEnvironment {
    static let logger: Logger = {
        var logger = Logger(label: "persistence-tests")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return logger
    }()
}

/// A schema of its own for one test (`t_<random>`), with a running client whose `search_path` is that schema; the
/// schema is dropped at the end.
struct TestDatabase: Sendable {
    let schema: String
    let settings: PostgresSettings
    let client: PostgresClient
    var logger: Logger { PersistenceTestEnvironment.logger }

    /// Runs `body` with a fresh schema (not yet migrated).
    static func with<T: Sendable>(_ body: @Sendable (TestDatabase) async throws -> T) async throws -> T {
        let schema = "t_\(TestEnvironment.uniqueSuffix())"
        let settings = try PostgresSettings(
            url: try TestEnvironment.postgresURL(),
            schema: schema,
            applicationName: "persistence-tests-\(schema)"
        )
        return try await withRunningClient(settings) { client in
            let database = TestDatabase(schema: schema, settings: settings, client: client)
            do {
                let result = try await body(database)
                try await database.drop()
                return result
            } catch {
                try? await database.drop()
                throw error
            }
        }
    }

    /// Applies the kit's migrations and `migrations`.
    func migrate(_ migrations: [Migration] = []) async throws {
        try await Migrator(client: client, schema: schema, migrations: migrations, logger: logger).migrate()
    }

    /// A relay of this schema's outbox.
    func relay(
        _ publisher: any OutboxPublisher,
        batchSize: Int = 200,
        pollInterval: Duration = .seconds(2),
        transactionDeadline: Duration = PostgresSettings.defaultTransactionDeadline
    ) -> OutboxRelay {
        OutboxRelay(
            client: client,
            schema: schema,
            publisher: publisher,
            batchSize: batchSize,
            pollInterval: pollInterval,
            transactionDeadline: transactionDeadline,
            logger: logger
        )
    }

    /// The first column of the first row of `query`, decoded as `Int`.
    func count(_ query: PostgresQuery) async throws -> Int {
        let rows = try await client.query(query, logger: logger)
        for try await value in rows.decode(Int.self) { return value }
        return 0
    }

    private func drop() async throws {
        try await client.query("DROP SCHEMA IF EXISTS \(unescaped: schema) CASCADE", logger: logger)
    }
}

/// Runs `body` with a client from `settings` that is running for the duration.
func withRunningClient<T: Sendable>(_ settings: PostgresSettings, _ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
    let client = PostgresClient(configuration: settings.clientConfiguration, backgroundLogger: PersistenceTestEnvironment.logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        defer { group.cancelAll() }
        return try await body(client)
    }
}

/// Runs `body` while `service` runs in the background; cancels it afterwards.
func whileRunning<T: Sendable>(_ services: [any ServiceLike], _ body: @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for service in services {
            group.addTask { try await service.run() }
        }
        defer { group.cancelAll() }
        return try await body()
    }
}

/// The `run()` of a `Service`, without pulling ServiceLifecycle into every test file.
protocol ServiceLike: Sendable {
    func run() async throws
}

extension OutboxRelay: ServiceLike {}

/// Polls `condition` until it holds or `timeout` passes (then the test fails with `description`).
func eventually(
    _ description: String,
    timeout: Duration = .seconds(30),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try await condition() { return }
        guard ContinuousClock.now < deadline else {
            Issue.record("timed out after \(timeout) waiting until \(description)", sourceLocation: sourceLocation)
            throw TimedOut(description: description)
        }
        try await Task.sleep(for: .milliseconds(50))
    }
}

struct TimedOut: Error {
    var description: String
}

/// A test event for `subject` with version `sequence`.
func testEvent(_ type: String = "test.happened", subject: String = "s-1", sequence: Int64 = 1, note: String = "") -> EventEnvelope {
    EventEnvelope(type: type, source: "tests", subject: subject, sequence: sequence, data: .object(["note": .string(note)]))
}
