public import ArgumentParser
import Contracts
public import Foundation
import Logging
import Persistence
import PostgresNIO
import ZIPFoundation

/// Where the backup tools are: `pg_dump`/`pg_restore` of the server's major version, and optionally `rabbitmqctl`.
public struct ToolOptions: ParsableArguments, Sendable {
    @Option(
        name: .customLong("pg-bin"),
        help: ArgumentHelp("The folder of pg_dump and pg_restore.", discussion: "Default: SALESDESK_PG_BIN, else /usr/lib/postgresql/15/bin.")
    )
    public var pgBin: String?
    @Option(
        name: .customLong("rabbitmqctl"),
        help: ArgumentHelp(
            "The rabbitmqctl command line (may start with `env NAME=value`), to export and import the broker definitions.",
            discussion: "Default: RABBITMQCTL; without it the archive holds no broker definitions."
        )
    )
    public var rabbitmqctl: String?

    public init() {}

    func program(_ name: String) -> String {
        let folder = pgBin ?? ProcessInfo.processInfo.environment["SALESDESK_PG_BIN"] ?? "/usr/lib/postgresql/15/bin"
        return URL(fileURLWithPath: folder).appendingPathComponent(name).path
    }

    var rabbitmqctlCommand: String? {
        let command = rabbitmqctl ?? ProcessInfo.processInfo.environment["RABBITMQCTL"]
        return command?.isEmpty == false ? command : nil
    }
}

/// libpq's view of a `postgres://` URL: the password goes in `PGPASSWORD`, not on a command line `ps` shows.
struct LibpqTarget {
    var url: String
    var password: String

    init(_ url: String) throws {
        guard var components = URLComponents(string: url) else { throw ValidationError("the PostgreSQL URL is not a URL") }
        password = components.password ?? ""
        components.password = nil
        components.query = nil
        self.url = components.string ?? url
    }

    var environment: [String: String] { password.isEmpty ? [:] : ["PGPASSWORD": password] }
}

/// The core tables exported as CSV, by schema and table, and the file each goes to.
let coreExports: [(schema: String, table: String, file: String)] = [
    ("customers", "customers", "customers.csv"),
    ("deals", "deals", "deals.csv"),
    ("deals", "quote_versions", "quotes.csv"),
    ("deals", "contracts", "contracts.csv"),
    ("deals", "payment_installments", "payment-plans.csv"),
    ("deals", "receipts", "payments.csv"),
]

/// `salesdesk-admin backup`: one archive (每月数据存档) of the whole system.
public struct Backup: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Write one backup archive: each service schema's pg_dump, the broker definitions, a manifest and CSV exports.",
        discussion: """
            The archive is a zip file `salesdesk-backup-<UTC time>.zip` in --to, holding `postgres/<service>.dump` \
            (pg_dump custom format, all taken from one snapshot), `rabbitmq/definitions.json` (the vhost's exchanges, \
            queues, bindings, policies, users and permissions), `csv/*.csv` (customers, contacts, deals, quotes, \
            contracts, payment plans and payments; UTF-8 with BOM, opens in Excel) and `manifest.json` (release, \
            schema versions, SHA-256 of every file). The oldest archives beyond --keep are deleted. \
            Needs POSTGRES_URL (a role that may read every service schema), AMQP_URL (for the vhost's name) and the \
            tools (--pg-bin, --rabbitmqctl). Runs monthly from deploy/kubernetes/base/backup-cronjob.yaml.
            """
    )

    @OptionGroup public var postgres: PostgresOptions
    @OptionGroup public var broker: BrokerOptions
    @OptionGroup public var tools: ToolOptions
    @Option(name: .customLong("to"), help: "The folder the archive is written to (default: SALESDESK_BACKUP_DIR).")
    public var directory: String?
    @Option(help: "How many archives to keep in the folder (the oldest beyond it are deleted).") public var keep = 12

    public init() {}

    public func validate() throws {
        if keep < 1 { throw ValidationError("--keep must be at least 1") }
    }

    /// Writes the archive and prunes old ones.
    /// - Returns: the archive's URL and its manifest.
    public func backup(now exactly: Date = Date()) async throws -> (URL, BackupManifest) {
        // Whole seconds: the manifest's ISO 8601 time reads back as the same date.
        let now = Date(timeIntervalSince1970: exactly.timeIntervalSince1970.rounded(.down))
        guard let folder = directory ?? ProcessInfo.processInfo.environment["SALESDESK_BACKUP_DIR"] else {
            throw ValidationError("no folder: pass --to or set SALESDESK_BACKUP_DIR")
        }
        let directory = URL(fileURLWithPath: folder)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let stamp = Self.stamp(now)
        let archive = directory.appendingPathComponent("salesdesk-backup-\(stamp).zip")
        let staging = FileManager.default.temporaryDirectory.appendingPathComponent("salesdesk-backup-\(stamp)-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: staging) }
        for sub in ["postgres", "rabbitmq", "csv"] {
            try FileManager.default.createDirectory(at: staging.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        var paths: [String] = []

        let target = try LibpqTarget(try postgres.resolvedURL())
        let pgDump = tools.program("pg_dump")
        let (schemas, serverVersion, exports) = try await postgres.withClient { client in
            var schemas: [BackupManifest.Schema] = []
            let serverVersion = try await Self.scalar("SHOW server_version", client)
            // One snapshot for every dump, so the schemas agree with each other (an event and its effect, a saga's steps).
            try await client.withConnection { connection in
                let logger = AdminLog.logger
                try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
                do {
                    var snapshot = ""
                    for try await value in try await connection.query("SELECT pg_export_snapshot()", logger: logger).decode(String.self) {
                        snapshot = value
                    }
                    for service in ServiceEntry.all {
                        let versions = try await SchemaVersions.read(schema: service.name, client: client)
                        guard !versions.applied.isEmpty else { continue }
                        let dump = "postgres/\(service.name).dump"
                        try ExternalCommand.run(
                            pgDump,
                            [
                                "--format=custom", "--schema=\(service.name)", "--snapshot=\(snapshot)",
                                "--file=\(staging.appendingPathComponent(dump).path)", "--dbname=\(target.url)",
                            ],
                            environment: target.environment
                        )
                        schemas.append(.init(service: service.name, version: versions.version, migrations: versions.applied, dump: dump))
                    }
                    try await connection.query("COMMIT", logger: logger)
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
            let exports = try await Self.exportCSV(to: staging.appendingPathComponent("csv"), client: client)
            return (schemas, serverVersion, exports)
        }
        paths += schemas.map(\.dump) + exports

        var definitions: String?
        if let rabbitmqctl = tools.rabbitmqctlCommand {
            let vhost = try BrokerVhost.name(of: try broker.resolvedURL())
            // To standard output: a file path would be written by the broker's node, as its own OS user.
            let all = try ExternalCommand.shell("\(rabbitmqctl) -q export_definitions -")
            let filtered = try BrokerVhost.definitions(Data(all.utf8), vhost: vhost)
            definitions = "rabbitmq/definitions.json"
            try filtered.write(to: staging.appendingPathComponent("rabbitmq/definitions.json"))
            paths.append("rabbitmq/definitions.json")
        }

        let manifest = BackupManifest(
            format: 1,
            release: Version.release,
            createdAt: now,
            postgresVersion: serverVersion,
            schemas: schemas,
            brokerDefinitions: definitions,
            exports: exports,
            files: try BackupManifest.files(in: staging, paths: paths)
        )
        try BackupManifest.encoder.encode(manifest).write(to: staging.appendingPathComponent("manifest.json"))
        let partial = directory.appendingPathComponent(".salesdesk-backup-\(stamp).zip.partial")
        try? FileManager.default.removeItem(at: partial)
        try FileManager.default.zipItem(at: staging, to: partial, shouldKeepParent: false, compressionMethod: .deflate)
        // Only a complete archive gets the name that retention counts and restore is given.
        try? FileManager.default.removeItem(at: archive)
        try FileManager.default.moveItem(at: partial, to: archive)
        try Self.prune(directory, keep: keep)
        return (archive, manifest)
    }

    public func run() async throws {
        let (archive, manifest) = try await backup()
        print("wrote \(archive.path)")
        for schema in manifest.schemas { print("  \(schema.service): \(schema.version ?? "-")") }
        print("  broker definitions: \(manifest.brokerDefinitions == nil ? "not exported (no rabbitmqctl)" : "yes")")
        print("  csv: \(manifest.exports.joined(separator: ", "))")
    }

    static func stamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04d%02d%02dT%02d%02d%02dZ",
            parts.year ?? 0,
            parts.month ?? 0,
            parts.day ?? 0,
            parts.hour ?? 0,
            parts.minute ?? 0,
            parts.second ?? 0
        )
    }

    /// Deletes the oldest `salesdesk-backup-*.zip` beyond `keep` (names sort by time).
    static func prune(_ directory: URL, keep: Int) throws {
        let archives = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasPrefix("salesdesk-backup-") && $0.hasSuffix(".zip") }
            .sorted()
        for name in archives.dropLast(keep) {
            try FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    static func scalar(_ sql: String, _ client: PostgresClient) async throws -> String {
        for try await value in try await client.query(PostgresQuery(unsafeSQL: sql), logger: AdminLog.logger).decode(String.self) {
            return value
        }
        return ""
    }

    /// Writes the core tables' CSVs; returns their archive paths.
    static func exportCSV(to folder: URL, client: PostgresClient) async throws -> [String] {
        var paths: [String] = []
        for export in coreExports {
            let columns = try await columnNames(schema: export.schema, table: export.table, client: client)
            guard !columns.isEmpty else { continue }
            let rows = try await jsonRows(
                "SELECT to_jsonb(t)::text FROM \(export.schema).\(export.table) t ORDER BY 1",
                client: client
            )
            let data = ExcelCSV.encode(header: columns, rows: rows.map { row in columns.map { cell(row[$0]) } })
            try data.write(to: folder.appendingPathComponent(export.file))
            paths.append("csv/\(export.file)")
            if export.table == "customers" {
                try await exportContacts(to: folder, client: client)
                paths.append("csv/contacts.csv")
            }
        }
        return paths
    }

    /// One row per contact of a customer: the customer's id and name, then the contact's fields.
    static func exportContacts(to folder: URL, client: PostgresClient) async throws {
        let rows = try await jsonRows(
            """
            SELECT jsonb_build_object('customer_id', c.id, 'customer_name', c.name, 'contact', x.contact)::text
            FROM customers.customers c, jsonb_array_elements(c.contacts) WITH ORDINALITY AS x(contact, n)
            ORDER BY c.id, x.n
            """,
            client: client
        )
        let contacts = rows.map { row -> [String: JSONValue] in
            if case .object(let contact) = row["contact"] { return contact }
            return [:]
        }
        let keys = Set(contacts.flatMap(\.keys)).sorted()
        let data = ExcelCSV.encode(
            header: ["customer_id", "customer_name"] + keys,
            rows: zip(rows, contacts).map { row, contact in [cell(row["customer_id"]), cell(row["customer_name"])] + keys.map { cell(contact[$0]) } }
        )
        try data.write(to: folder.appendingPathComponent("contacts.csv"))
    }

    static func columnNames(schema: String, table: String, client: PostgresClient) async throws -> [String] {
        let rows = try await client.query(
            """
            SELECT column_name::text FROM information_schema.columns
            WHERE table_schema = \(schema) AND table_name = \(table) ORDER BY ordinal_position
            """,
            logger: AdminLog.logger
        )
        var names: [String] = []
        for try await name in rows.decode(String.self) { names.append(name) }
        return names
    }

    static func jsonRows(_ sql: String, client: PostgresClient) async throws -> [[String: JSONValue]] {
        var rows: [[String: JSONValue]] = []
        for try await text in try await client.query(PostgresQuery(unsafeSQL: sql), logger: AdminLog.logger).decode(String.self) {
            guard case .object(let row) = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else { continue }
            rows.append(row)
        }
        return rows
    }

    /// A JSON value as a CSV cell: text as is, numbers and booleans as written, objects and arrays as JSON, null empty.
    static func cell(_ value: JSONValue?) -> String? {
        switch value {
        case nil, .null: return nil
        case .string(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        case .integer(let number): return String(number)
        case .number(let number): return String(number)
        case let other?:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return (try? encoder.encode(other)).map { String(decoding: $0, as: UTF8.self) }
        }
    }
}

/// The broker definitions of one vhost, cut from `rabbitmqctl export_definitions` (which exports the whole broker).
enum BrokerVhost {
    /// The vhost named by an `amqp://` URL's path (`/` when it has none).
    static func name(of url: String) throws -> String {
        guard let components = URLComponents(string: url) else { throw ValidationError("the AMQP URL is not a URL") }
        let path = components.percentEncodedPath.dropFirst()
        return path.isEmpty ? "/" : (path.removingPercentEncoding ?? String(path))
    }

    /// The vhost's exchanges, queues, bindings, policies, parameters, permissions and the users they name.
    static func definitions(_ all: Data, vhost: String) throws -> Data {
        let definitions = (try JSONSerialization.jsonObject(with: all) as? [String: Any]) ?? [:]
        var result: [String: Any] = ["rabbit_version": definitions["rabbit_version"] ?? "", "vhosts": [["name": vhost]]]
        for key in ["permissions", "topic_permissions", "parameters", "policies", "queues", "exchanges", "bindings"] {
            result[key] = ((definitions[key] as? [[String: Any]]) ?? []).filter { ($0["vhost"] as? String) == vhost }
        }
        let users = Set(((result["permissions"] as? [[String: Any]]) ?? []).compactMap { $0["user"] as? String })
        result["users"] = ((definitions["users"] as? [[String: Any]]) ?? []).filter { users.contains(($0["name"] as? String) ?? "") }
        return try JSONSerialization.data(withJSONObject: result, options: [.prettyPrinted, .sortedKeys])
    }

    /// Definitions moved to another vhost (a restore into a vhost of another name).
    static func retargeted(_ data: Data, to vhost: String) throws -> Data {
        var definitions = (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        definitions["vhosts"] = [["name": vhost]]
        for key in ["permissions", "topic_permissions", "parameters", "policies", "queues", "exchanges", "bindings"] {
            definitions[key] = ((definitions[key] as? [[String: Any]]) ?? []).map { item in
                var item = item
                item["vhost"] = vhost
                return item
            }
        }
        return try JSONSerialization.data(withJSONObject: definitions, options: [.prettyPrinted, .sortedKeys])
    }
}
