public import ArgumentParser
import Foundation
import Logging
import Persistence
import PostgresNIO
import Reporting

/// `salesdesk-admin rebuild reporting`: rebuilds reporting's projections from its event log (``ProjectionRebuild``).
public struct Rebuild: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Rebuild a service's projections from its event log.",
        subcommands: [RebuildReporting.self]
    )

    public init() {}
}

/// Replays reporting's event log into a new schema with a progress bar, while reports keep answering from the old
/// projections, then swaps the schemas in one short transaction.
public struct RebuildReporting: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "reporting",
        abstract: "Rebuild reporting's projections from its event log; reports keep answering until the new ones are ready.",
        discussion: """
            Connect as reporting's own PostgreSQL user (it owns the schema), e.g. the URL the reporting service runs
            with. The old schema is kept as reporting_old_<time>; drop it once the new figures are checked:
            DROP SCHEMA reporting_old_… CASCADE. History loaded by seed-demo is not in the event log and is not rebuilt.
            """
    )

    @Option(help: "PostgreSQL URL of reporting's own user (default: POSTGRES_URL).")
    var postgresURL = ProcessInfo.processInfo.environment["POSTGRES_URL"]

    @Option(help: "The live schema.")
    var schema = "reporting"

    public init() {}

    public func validate() throws {
        guard postgresURL != nil else { throw ValidationError("--postgres-url or POSTGRES_URL is required") }
    }

    public func run() async throws {
        var logger = Logger(label: "salesdesk.admin.rebuild")
        logger.logLevel = .warning
        let settings = try PostgresSettings(url: postgresURL ?? "", schema: schema, applicationName: "salesdesk-admin")
        let client = PostgresClient(configuration: settings.clientConfiguration, backgroundLogger: logger)
        let migrations = try ReportingService.migrationsDirectory.map { try Migrator.load(bundleDirectory: $0) } ?? []
        let rebuild = ProjectionRebuild(
            client: client,
            live: schema,
            migrations: migrations,
            registry: ReportingService.eventHandlers(logger: logger),
            logger: logger
        )
        let result = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await Task.sleep(for: .milliseconds(50))
            do {
                return try await rebuild.run { progress in
                    FileHandle.standardError.write(Data(("\r" + Self.bar(progress)).utf8))
                }
            } catch let error as PSQLError {
                throw ValidationError("PostgreSQL refused the rebuild: \(String(reflecting: error))")
            }
        }
        FileHandle.standardError.write(Data("\n".utf8))
        print(
            "rebuilt \(schema): \(result.progress.replayed) events replayed, \(result.progress.skipped) skipped; the old schema is \(result.oldSchema)"
        )
    }

    /// `[##########----------] 5,000/10,000 (50%) 2,500/s ETA 2 s`
    static func bar(_ progress: ProjectionRebuild.Progress) -> String {
        let total = max(progress.total, 1)
        let done = min(progress.replayed, total)
        let filled = done * 20 / total
        let seconds = max(Date().timeIntervalSince(progress.started), 0.001)
        let rate = Double(done) / seconds
        let eta = rate > 0 ? Int(Double(total - done) / rate) : 0
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: 20 - filled) + "] "
            + "\(done)/\(progress.total) (\(done * 100 / total)%) \(Int(rate))/s ETA \(eta) s"
    }
}
