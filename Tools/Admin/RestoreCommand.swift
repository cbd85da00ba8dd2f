public import ArgumentParser
public import Foundation
import Logging
import PostgresNIO
import ZIPFoundation

/// `salesdesk-admin restore ARCHIVE`: a backup archive back into an empty system.
public struct Restore: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Restore a backup archive into an empty system (no service schema may exist yet).",
        discussion: """
            Checks every file against the manifest first, then restores each schema with pg_restore (owners and grants \
            as they were, so the service roles must exist), and imports the broker definitions into the vhost of AMQP_URL \
            when the archive has them and --rabbitmqctl (or RABBITMQCTL) is given. Start the services afterwards: their \
            migrations find the schemas up to date, unpublished outbox events are relayed, and open timers fire.
            """
    )

    @OptionGroup public var postgres: PostgresOptions
    @OptionGroup public var broker: BrokerOptions
    @OptionGroup public var tools: ToolOptions
    @Argument(help: "The archive written by `backup`.") public var archive: String

    public init() {}

    /// Restores, and returns the archive's manifest.
    public func restore() async throws -> BackupManifest {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("salesdesk-restore-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.unzipItem(at: URL(fileURLWithPath: archive), to: folder)
        let manifest = try BackupManifest.decoder.decode(BackupManifest.self, from: Data(contentsOf: folder.appendingPathComponent("manifest.json")))
        guard manifest.format == 1 else { throw ValidationError("archive format \(manifest.format) is not one this release reads (1)") }
        let damaged = manifest.damagedFiles(in: folder)
        guard damaged.isEmpty else { throw ValidationError("the archive is damaged: \(damaged.joined(separator: ", ")) differ from its manifest") }

        let occupied = try await postgres.withClient { client in
            var occupied: [String] = []
            for schema in manifest.schemas {
                let rows = try await client.query(
                    "SELECT count(*)::int8 FROM pg_namespace WHERE nspname = \(schema.service)",
                    logger: AdminLog.logger
                )
                for try await count in rows.decode(Int.self) where count > 0 { occupied.append(schema.service) }
            }
            return occupied
        }
        guard occupied.isEmpty else {
            throw ValidationError("not an empty system: schema(s) \(occupied.joined(separator: ", ")) exist; restore needs a database without them")
        }

        // A schema's dump does not carry the extensions its indexes use (they live in the database, not the schema):
        // create the ones the migrations create first. pg_trgm (customers migration 0011) is trusted, so a role with
        // CREATE on the database may.
        try await postgres.withClient { client in
            _ = try await client.query("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public", logger: AdminLog.logger)
        }
        let target = try LibpqTarget(try postgres.resolvedURL())
        for schema in manifest.schemas {
            try ExternalCommand.run(
                tools.program("pg_restore"),
                ["--exit-on-error", "--single-transaction", "--dbname=\(target.url)", folder.appendingPathComponent(schema.dump).path],
                environment: target.environment
            )
        }

        if let definitions = manifest.brokerDefinitions, let rabbitmqctl = tools.rabbitmqctlCommand {
            let vhost = try BrokerVhost.name(of: try broker.resolvedURL())
            let retargeted = folder.appendingPathComponent("rabbitmq/import.json")
            try BrokerVhost.retargeted(try Data(contentsOf: folder.appendingPathComponent(definitions)), to: vhost).write(to: retargeted)
            try ExternalCommand.shell("\(rabbitmqctl) -q import_definitions \(ExternalCommand.quoted(retargeted.path))")
        }
        return manifest
    }

    public func run() async throws {
        let manifest = try await restore()
        print("restored the backup of \(manifest.createdAt.formatted(.iso8601)) (release \(manifest.release))")
        for schema in manifest.schemas { print("  \(schema.service): \(schema.version ?? "-")") }
        if manifest.release != Version.release {
            print(
                "note: the archive was written by release \(manifest.release); this is \(Version.release). Start the services of this release: their migrations bring the schemas up to date."
            )
        }
        if manifest.brokerDefinitions != nil, tools.rabbitmqctlCommand == nil {
            print("note: broker definitions not imported (no --rabbitmqctl); the services declare their exchanges and queues at start.")
        }
    }
}
