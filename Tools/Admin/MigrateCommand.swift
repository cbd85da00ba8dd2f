public import ArgumentParser
import Logging
import Persistence

/// `salesdesk-admin migrate`: brings every service's schema (or the named ones) up to date, exactly as each service's
/// own `migrate` step does (``Persistence/Migrator``, under the same advisory lock), without starting any service.
public struct Migrate: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Apply every service's migrations to its schema (idempotent; safe while services run).",
        discussion: "Needs only PostgreSQL: POSTGRES_URL (or --postgres-url) with a role that owns the schemas or may create them."
    )

    @OptionGroup public var postgres: PostgresOptions
    @Option(name: .customLong("service"), help: "Only this service (repeatable); default: all.")
    public var services: [String] = []

    public init() {}

    /// Applies the migrations.
    /// - Returns: per service, how many migrations are recorded after the run.
    public func migrate() async throws -> [String: Int] {
        var applied: [String: Int] = [:]
        for service in try ServiceEntry.selected(services) {
            let migrations = try service.migrations()
            let logger = AdminLog.logger
            applied[service.name] = try await postgres.withClient(schema: service.name) { client in
                try await Migrator(client: client, schema: service.name, migrations: migrations, logger: logger).migrate()
                return try await SchemaVersions.read(schema: service.name, client: client).applied.count
            }
        }
        return applied
    }

    public func run() async throws {
        let applied = try await migrate()
        for service in try ServiceEntry.selected(services) {
            print("\(service.name): \(applied[service.name] ?? 0) migrations applied")
        }
    }
}
