import Contracts
public import Foundation
public import Logging
public import PostgresNIO

/// One versioned schema change: a SQL script that is applied once and never edited after it landed.
public struct Migration: Sendable, Equatable {
    /// The migration's id, `NNNN_name` (the file name without `.sql`); migrations apply in id order.
    public var id: String
    /// The script; may hold several statements (see ``SQLScript``).
    public var sql: String
    /// FNV-1a 64 of the script's UTF-8 bytes, as 16 hex digits; an applied migration whose file changed is refused.
    public var checksum: String

    /// Creates a migration and computes its checksum.
    /// - Parameters:
    ///   - id: `NNNN_name`.
    ///   - sql: the script.
    public init(id: String, sql: String) {
        self.id = id
        self.sql = sql
        self.checksum = StableHash.fnv1a64Hex(sql)
    }
}

/// Why ``Migrator`` refused to bring a schema up to date.
public enum MigrationError: Error, CustomStringConvertible, Sendable {
    /// An applied migration's script differs from the one shipped now (someone edited a landed migration).
    case checksumMismatch(id: String, applied: String, shipped: String)
    /// Two migrations share an id, or a service migration uses the kit's `kit_` prefix.
    case invalidID(String)
    /// A file in the migrations folder is not named `NNNN_name.sql`.
    case badFileName(String)
    /// A migration's statement failed; the migration was rolled back.
    case failed(id: String, statement: String, underlying: any Error)

    /// A message naming the migration.
    public var description: String {
        switch self {
        case .checksumMismatch(let id, let applied, let shipped):
            "migration \(id) was changed after it was applied (applied checksum \(applied), shipped \(shipped)); "
                + "landed migrations must never be edited: add a new one"
        case .invalidID(let message): message
        case .badFileName(let name): "migration file '\(name)' must be named NNNN_name.sql (lowercase letters, digits, _)"
        case .failed(let id, let statement, let underlying):
            "migration \(id) failed at statement: \(statement.prefix(200)) — \(String(reflecting: underlying))"
        }
    }
}

/// Brings a service's schema up to date on start.
///
/// Several instances of a service may start at once, so the whole run holds a session-level advisory lock keyed by
/// the schema name; the second instance waits, then finds everything applied. The kit's own tables (``Outbox``,
/// ``Inbox``, ``IdempotencyKeys``) come first, then the service's migrations in id order, each in its own transaction together with its
/// `schema_migrations` row, so a failed migration leaves no trace and is retried on the next start.
public struct Migrator: Sendable {
    /// The migrations every SalesDesk schema gets before the service's own: the outbox, the inbox, the replies
    /// kept for `Idempotency-Key`s, the org replica, the claims of scheduled job occurrences (superseded by the timers),
    /// and the durable timers with the holiday calendar replica.
    public static let kitMigrations: [Migration] = [
        Migration(id: "kit_0001_outbox", sql: Outbox.tableSQL),
        Migration(id: "kit_0002_inbox", sql: Inbox.tableSQL),
        Migration(id: "kit_0003_idempotency_keys", sql: IdempotencyKeys.tableSQL),
        Migration(id: "kit_0004_org_replica", sql: OrgReplica.tableSQL),
        Migration(id: "kit_0005_idempotency_keys_created_at", sql: IdempotencyKeys.createdAtIndexSQL),
        Migration(id: "kit_0006_schedule_runs", sql: ScheduleRuns.tableSQL),
        Migration(
            id: "kit_0007_timers",
            sql: [Timers.tableSQL, Timers.scheduleRunsSQL + ";", CalendarReplica.tableSQL, CalendarReplica.seedSQL + ";"].joined(separator: "\n")
        ),
    ]

    private let client: PostgresClient
    private let schema: String
    private let migrations: [Migration]
    private let logger: Logger

    /// Creates a migrator.
    /// - Parameters:
    ///   - client: a running client; its role must be allowed to create the schema (or already own it).
    ///   - schema: the service's schema, validated like ``PostgresSettings/schema``.
    ///   - migrations: the service's migrations (any order; they are sorted by id).
    ///   - logger: where applied migrations are logged.
    public init(client: PostgresClient, schema: String, migrations: [Migration], logger: Logger) {
        self.client = client
        self.schema = schema
        self.migrations = migrations
        self.logger = logger
    }

    /// Creates the schema if needed and applies every migration not applied yet.
    /// - Throws: ``MigrationError`` (changed checksum, bad ids, a failing statement) or a database error.
    public func migrate() async throws {
        try PostgresSettings.validate(schema: schema)
        let plan = try orderedMigrations()
        var logger = logger
        logger[metadataKey: "schema"] = "\(schema)"
        let schema = self.schema
        try await client.withConnection { connection in
            // Waiting for another instance's migration, or a long index build, is not a stuck statement; the session's
            // default deadline comes back before the connection returns to the pool.
            try await connection.query("SET statement_timeout = 0", logger: logger)
            do {
                try await Self.actAsOwner(of: schema, on: connection, logger: logger)
                try await connection.query("SELECT pg_advisory_lock(hashtext(\("salesdesk:" + schema)))", logger: logger)
                do {
                    try await applyLocked(plan, on: connection, logger: logger)
                } catch {
                    _ = try? await connection.query("SELECT pg_advisory_unlock(hashtext(\("salesdesk:" + schema)))", logger: logger)
                    throw error
                }
                try await connection.query("SELECT pg_advisory_unlock(hashtext(\("salesdesk:" + schema)))", logger: logger)
            } catch {
                _ = try? await connection.query("RESET statement_timeout", logger: logger)
                _ = try? await connection.query("RESET ROLE", logger: logger)
                throw error
            }
            try await connection.query("RESET statement_timeout", logger: logger)
            try await connection.query("RESET ROLE", logger: logger)
        }
    }

    /// Takes the role of the schema's owner — or, for a schema not created yet, of the role named like it (each
    /// service's role, deploy/postgres/init.sql) if that role may create it — when the connected role is a member of
    /// it but not it: an operator's
    /// `salesdesk-admin migrate` as `salesdesk_admin` then creates objects the service owns, as the service's own
    /// start would, instead of tables the service may not read ("permission denied").
    static func actAsOwner(of schema: String, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query(
            """
            WITH owner AS (SELECT o.rolname FROM pg_namespace n JOIN pg_roles o ON o.oid = n.nspowner WHERE n.nspname = \(schema))
            SELECT quote_ident(r.rolname) FROM pg_roles r
            WHERE r.rolname <> current_user AND pg_has_role(current_user, r.oid, 'MEMBER')
              AND CASE WHEN EXISTS (SELECT FROM owner) THEN r.rolname = (SELECT rolname FROM owner)
                       ELSE r.rolname = \(schema) AND has_database_privilege(r.oid, current_database(), 'CREATE') END
            """,
            logger: logger
        )
        for try await owner in rows.decode(String.self) {
            // quote_ident made the name safe as an identifier; identifiers cannot be bound.
            try await connection.query("SET ROLE \(unescaped: owner)", logger: logger)
            logger.info("migrating as the schema's owner", metadata: ["role": "\(owner)"])
        }
    }

    private func orderedMigrations() throws -> [Migration] {
        let service = migrations.sorted { $0.id < $1.id }
        if let kitLike = service.first(where: { $0.id.hasPrefix("kit_") }) {
            throw MigrationError.invalidID("migration id \(kitLike.id) uses the reserved prefix kit_")
        }
        var seen = Set<String>()
        for migration in service where !seen.insert(migration.id).inserted {
            throw MigrationError.invalidID("migration id \(migration.id) appears twice")
        }
        return Self.kitMigrations + service
    }

    private func applyLocked(_ plan: [Migration], on connection: PostgresConnection, logger: Logger) async throws {
        // The schema name is validated, so it is safe as an unquoted identifier; identifiers cannot be bound.
        try await connection.query("CREATE SCHEMA IF NOT EXISTS \(unescaped: schema)", logger: logger)
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS \(unescaped: schema).schema_migrations (
                id text PRIMARY KEY,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            logger: logger
        )
        var applied: [String: String] = [:]
        let rows = try await connection.query("SELECT id, checksum FROM \(unescaped: schema).schema_migrations", logger: logger)
        for try await (id, checksum) in rows.decode((String, String).self) {
            applied[id] = checksum
        }
        // Check every checksum before changing anything: an edited migration means the code and the schema disagree.
        for migration in plan {
            if let checksum = applied[migration.id], checksum != migration.checksum {
                throw MigrationError.checksumMismatch(id: migration.id, applied: checksum, shipped: migration.checksum)
            }
        }
        let known = Set(plan.map(\.id))
        for id in applied.keys.sorted() where !known.contains(id) {
            // A newer version of the service (rolling deploy) may have applied more; the old one keeps working.
            logger.warning("schema has a migration this build does not know", metadata: ["migration": "\(id)"])
        }
        for migration in plan where applied[migration.id] == nil {
            try await apply(migration, on: connection, logger: logger)
        }
    }

    private func apply(_ migration: Migration, on connection: PostgresConnection, logger: Logger) async throws {
        let started = ContinuousClock.now
        let schema = self.schema
        do {
            try await connection.withTransaction(logger: logger) { connection in
                // Pin the search_path for this transaction whatever the client was configured with.
                try await connection.query("SET LOCAL search_path TO \(unescaped: schema)", logger: logger)
                for statement in SQLScript.statements(in: migration.sql) {
                    do {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    } catch {
                        throw MigrationError.failed(id: migration.id, statement: statement, underlying: error)
                    }
                }
                try await connection.query(
                    "INSERT INTO \(unescaped: schema).schema_migrations (id, checksum) VALUES (\(migration.id), \(migration.checksum))",
                    logger: logger
                )
            }
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error.commitError ?? error.beginError ?? error
        }
        logger.info(
            "applied migration",
            metadata: ["migration": "\(migration.id)", "duration": "\(ContinuousClock.now - started)"]
        )
    }

    /// Reads a service's migrations from its bundled `Migrations` folder.
    ///
    /// Services ship their scripts as a `.copy("Migrations")` resource and pass
    /// `Bundle.module.url(forResource: "Migrations", withExtension: nil)`.
    /// - Parameter bundleDirectory: the folder holding `NNNN_name.sql` files; other files are ignored.
    /// - Returns: the migrations sorted by id.
    /// - Throws: ``MigrationError/badFileName(_:)`` for a `.sql` file with another name, or a file-system error.
    public static func load(bundleDirectory: URL) throws -> [Migration] {
        let names = try FileManager.default.contentsOfDirectory(atPath: bundleDirectory.path)
        var migrations: [Migration] = []
        for name in names.sorted() where name.hasSuffix(".sql") {
            let id = String(name.dropLast(4))
            guard isValidFileID(id) else { throw MigrationError.badFileName(name) }
            let sql = try String(contentsOf: bundleDirectory.appendingPathComponent(name), encoding: .utf8)
            migrations.append(Migration(id: id, sql: sql))
        }
        return migrations
    }

    private static func isValidFileID(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard bytes.count > 5, bytes[4] == UInt8(ascii: "_") else { return false }
        let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
        let letters = UInt8(ascii: "a")...UInt8(ascii: "z")
        return bytes[0..<4].allSatisfy { digits.contains($0) }
            && bytes[5...].allSatisfy { digits.contains($0) || letters.contains($0) || $0 == UInt8(ascii: "_") }
    }
}
