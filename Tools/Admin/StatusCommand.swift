public import AMQP
public import ArgumentParser
import Foundation
import Logging
public import Persistence
public import PostgresNIO

/// The migrations recorded in one schema.
public struct SchemaVersions: Sendable, Equatable {
    /// The applied migration ids, in id order (`kit_…` first).
    public var applied: [String]

    /// The newest applied service migration (the schema's version), or the newest kit one when there is none.
    public var version: String? { applied.last { !$0.hasPrefix("kit_") } ?? applied.last }

    /// Reads `<schema>.schema_migrations`; an absent schema has none.
    public static func read(schema: String, client: PostgresClient) async throws -> SchemaVersions {
        try PostgresSettings.validate(schema: schema)
        let logger = AdminLog.logger
        let exists = try await client.query(
            "SELECT count(*)::int8 FROM information_schema.tables WHERE table_schema = \(schema) AND table_name = 'schema_migrations'",
            logger: logger
        )
        var found = 0
        for try await count in exists.decode(Int.self) { found = count }
        guard found > 0 else { return SchemaVersions(applied: []) }
        let rows = try await client.query("SELECT id FROM \(unescaped: schema).schema_migrations ORDER BY id", logger: logger)
        var applied: [String] = []
        for try await id in rows.decode(String.self) { applied.append(id) }
        let kit = applied.filter { $0.hasPrefix("kit_") }
        return SchemaVersions(applied: kit + applied.filter { !$0.hasPrefix("kit_") })
    }
}

/// One queue's depth and consumers; `nil` figures mean the queue does not exist (yet).
public struct QueueStatus: Sendable, Equatable, Codable {
    public var name: String
    public var messages: Int?
    public var consumers: Int?

    public init(name: String, messages: Int?, consumers: Int?) {
        self.name = name
        self.messages = messages
        self.consumers = consumers
    }
}

/// One service's line of `salesdesk-admin status`.
public struct ServiceStatus: Sendable, Equatable, Codable {
    public var service: String
    /// The newest applied migration.
    public var schemaVersion: String?
    /// Migrations this build ships that the schema has not applied.
    public var pendingMigrations: [String]
    public var queues: [QueueStatus]

    /// The messages in the service's parking queue.
    public var deadLetters: Int { queues.first { $0.name.hasSuffix(".events.dead") }?.messages ?? 0 }
}

/// `salesdesk-admin status`: per service, the schema's version and pending migrations, and each of its queues' depth
/// and consumers (from passive declares, exact at once).
public struct Status: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Show each service's schema version, pending migrations, queue depths and consumers.",
        discussion: """
            Needs POSTGRES_URL (or --postgres-url) and AMQP_URL (or --amqp-url). Exits 1 when a migration is pending or a \
            message is parked (see `dead-letters list`), so a monitor can run it.
            """
    )

    @OptionGroup public var postgres: PostgresOptions
    @OptionGroup public var broker: BrokerOptions
    @Flag(help: "Print JSON instead of a table.") public var json = false

    public init() {}

    /// Collects the status of every service.
    public func collect() async throws -> [ServiceStatus] {
        var statuses: [ServiceStatus] = []
        let versions = try await postgres.withClient { client in
            var versions: [String: SchemaVersions] = [:]
            for service in ServiceEntry.all {
                versions[service.name] = try await SchemaVersions.read(schema: service.name, client: client)
            }
            return versions
        }
        let queues = try await broker.withConnection { connection in
            var queues: [String: [QueueStatus]] = [:]
            for service in ServiceEntry.all {
                var list: [QueueStatus] = []
                for name in [service.eventQueue, service.deadLetterQueue, service.rpcQueue] {
                    list.append(try await Self.queueStatus(name, on: connection))
                }
                queues[service.name] = list
            }
            return queues
        }
        for service in ServiceEntry.all {
            let applied = Set(versions[service.name]?.applied ?? [])
            let shipped = (Migrator.kitMigrations + (try service.migrations())).map(\.id)
            statuses.append(
                ServiceStatus(
                    service: service.name,
                    schemaVersion: versions[service.name]?.version,
                    pendingMigrations: shipped.filter { !applied.contains($0) },
                    queues: queues[service.name] ?? []
                )
            )
        }
        return statuses
    }

    /// A queue's status; an absent queue (the broker closes the channel with 404) has no figures.
    ///
    /// A 404 closes the channel, and the connection reopens it on its own a moment later: a declare sent in between
    /// can come back with the previous queue's 404. So a queue counts as absent only after three 404s, each after the
    /// channel is back.
    static func queueStatus(_ name: String, on connection: AMQPConnection) async throws -> QueueStatus {
        for attempt in 1...3 {
            do {
                let status = try await connection.queueStatus(queue: name)
                return QueueStatus(name: name, messages: status.messages, consumers: status.consumers)
            } catch AMQPError.channelClosed(let code, _) where code == 404 {
                try await Task.sleep(for: .milliseconds(100 * attempt))
                try await connection.waitUntilConnected(timeout: .seconds(15))
            }
        }
        return QueueStatus(name: name, messages: nil, consumers: nil)
    }

    /// The table `status` prints.
    public static func render(_ statuses: [ServiceStatus]) -> String {
        var lines = ["SERVICE        SCHEMA VERSION                     PENDING  QUEUE                      MESSAGES  CONSUMERS"]
        for status in statuses {
            for (index, queue) in status.queues.enumerated() {
                let first = index == 0
                lines.append(
                    [
                        (first ? status.service : "").padding(toLength: 14, withPad: " ", startingAt: 0),
                        (first ? status.schemaVersion ?? "(none)" : "").padding(toLength: 34, withPad: " ", startingAt: 0),
                        (first ? String(status.pendingMigrations.count) : "").padding(toLength: 8, withPad: " ", startingAt: 0),
                        queue.name.padding(toLength: 26, withPad: " ", startingAt: 0),
                        (queue.messages.map(String.init) ?? "absent").padding(toLength: 9, withPad: " ", startingAt: 0),
                        queue.consumers.map(String.init) ?? "-",
                    ].joined(separator: " ")
                )
            }
        }
        return lines.joined(separator: "\n")
    }

    public func run() async throws {
        let statuses = try await collect()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(statuses), as: UTF8.self))
        } else {
            print(Self.render(statuses))
        }
        if statuses.contains(where: { !$0.pendingMigrations.isEmpty || $0.deadLetters > 0 }) {
            throw ExitCode(1)
        }
    }
}
