import Contracts
public import Foundation
public import Logging
public import Persistence
public import PostgresNIO
public import ServiceRuntime

/// Rebuilds a service's projections from its event log into a shadow schema while the live one keeps answering, then
/// swaps the two in one short transaction: what `salesdesk-admin rebuild reporting` runs.
///
/// 1. The shadow schema `<live>_rebuild` gets the service's migrations, the live event log (as it is: arrival times,
///    stripped personal data) and the live holiday calendar.
/// 2. Every logged event goes through the service's own handlers, in arrival order, with the shadow first on the
///    search path. The handlers record it in the event log again, which their `ON CONFLICT DO NOTHING` ignores. An
///    event a handler refuses is counted and skipped (its savepoint rolls back), as the consumer would park it.
/// 3. The swap locks the live inbox and event log (consumers wait; reports keep reading the old projections), replays
///    what arrived meanwhile, copies the kit's state (inbox, idempotency keys, timers, outbox, calendar, sequences),
///    and renames `<live>` to `<live>_old_<time>` and the shadow to `<live>`. A consumer that waited re-resolves its
///    table names after the rename, so its event lands in the new schema. The old schema is kept for the operator to
///    drop.
///
/// The role must own the live schema (the service's own PostgreSQL user) and may create schemas.
public struct ProjectionRebuild: Sendable {
    public struct Progress: Sendable {
        public var replayed: Int
        public var total: Int
        public var skipped: Int
        public var started: Date
    }

    public var client: PostgresClient
    public var live: String
    public var migrations: [Migration]
    public var registry: EventHandlerRegistry
    public var batchSize = 1000
    public var logger: Logger

    public init(client: PostgresClient, live: String, migrations: [Migration], registry: EventHandlerRegistry, logger: Logger) {
        self.client = client
        self.live = live
        self.migrations = migrations
        self.registry = registry
        self.logger = logger
    }

    /// The kit's tables whose rows are state, not projection: copied from the live schema at the swap.
    static let copiedTables = ["inbox", "idempotency_keys", "timers", "schedule_runs", "outbox", "calendar_replica"]

    /// Rebuilds and swaps; returns the name the old schema was kept under and the final progress.
    public func run(progress report: @Sendable (Progress) -> Void = { _ in }) async throws -> (oldSchema: String, progress: Progress) {
        let shadow = "\(live)_rebuild"
        try PostgresSettings.validate(schema: live)
        try PostgresSettings.validate(schema: shadow)
        try await client.withConnection { connection in
            try await connection.query("SET statement_timeout = 0", logger: logger)
            try await connection.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(shadow) CASCADE"), logger: logger)
        }
        try await Migrator(client: client, schema: shadow, migrations: migrations, logger: logger).migrate()
        return try await client.withConnection { connection in
            try await connection.query("SET statement_timeout = 0", logger: logger)
            try await execute(
                [
                    "INSERT INTO \(shadow).event_log SELECT * FROM \(live).event_log",
                    "DELETE FROM \(shadow).calendar_replica",
                    "INSERT INTO \(shadow).calendar_replica SELECT * FROM \(live).calendar_replica",
                ],
                connection
            )
            var progress = Progress(
                replayed: 0,
                total: try await count(connection, "SELECT count(*) FROM \(shadow).event_log"),
                skipped: 0,
                started: Date()
            )
            // Before every row: the epoch and the nil UUID.
            var cursor = (Date(timeIntervalSince1970: 0), UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
            while true {
                let batch = try await events(after: cursor, in: shadow, connection)
                guard let last = batch.last else { break }
                try await replay(batch.map(\.envelope), into: shadow, connection, &progress)
                cursor = (last.receivedAt, last.id)
                report(progress)
            }
            // The swap: what arrived meanwhile, the kit's state, the names.
            let suffix = Self.stamp(Date())
            let old = "\(live)_old_\(suffix)"
            try PostgresSettings.validate(schema: old)
            try await connection.query("BEGIN", logger: logger)
            do {
                try await connection.query(
                    PostgresQuery(unsafeSQL: "LOCK TABLE \(live).inbox, \(live).event_log IN ACCESS EXCLUSIVE MODE"),
                    logger: logger
                )
                let late = try await connection.query(
                    PostgresQuery(
                        unsafeSQL: """
                            INSERT INTO \(shadow).event_log SELECT * FROM \(live).event_log l
                            WHERE NOT EXISTS (SELECT 1 FROM \(shadow).event_log s WHERE s.id = l.id)
                            RETURNING received_at, id, envelope::text
                            """
                    ),
                    logger: logger
                )
                var arrivals: [(receivedAt: Date, id: UUID, envelope: EventEnvelope)] = []
                for try await (receivedAt, id, text) in late.decode((Date, UUID, String).self) {
                    arrivals.append((receivedAt, id, try EventEnvelope.decode(from: Array(text.utf8))))
                }
                progress.total += arrivals.count
                try await replay(
                    arrivals.sorted { ($0.receivedAt, $0.id.uuidString) < ($1.receivedAt, $1.id.uuidString) }.map(\.envelope),
                    into: shadow,
                    connection,
                    &progress,
                    inTransaction: true
                )
                for table in Self.copiedTables {
                    try await execute(
                        ["DELETE FROM \(shadow).\(table)", "INSERT INTO \(shadow).\(table) OVERRIDING SYSTEM VALUE SELECT * FROM \(live).\(table)"],
                        connection
                    )
                }
                // Sequences (the outbox's ids, …) go on from where the live ones are.
                let sequences = try await connection.query(
                    "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = \(live) AND last_value IS NOT NULL",
                    logger: logger
                )
                var values: [(String, Int64)] = []
                for try await row in sequences.decode((String, Int64).self) { values.append(row) }
                for (name, value) in values where name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                    try await connection.query(PostgresQuery(unsafeSQL: "SELECT setval('\(shadow).\(name)', \(value))"), logger: logger)
                }
                try await execute(["ALTER SCHEMA \(live) RENAME TO \(old)", "ALTER SCHEMA \(shadow) RENAME TO \(live)"], connection)
                try await connection.query("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
            report(progress)
            return (old, progress)
        }
    }

    /// The batch of logged events after `cursor` in arrival order (keyset: arrival time, then id).
    private func events(
        after cursor: (Date, UUID),
        in schema: String,
        _ connection: PostgresConnection
    ) async throws -> [(receivedAt: Date, id: UUID, envelope: EventEnvelope)] {
        var binds = PostgresBindings()
        binds.append(cursor.0)
        binds.append(cursor.1)
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT received_at, id, envelope::text FROM \(schema).event_log
                    WHERE (received_at, id) > ($1, $2) ORDER BY received_at, id LIMIT \(batchSize)
                    """,
                binds: binds
            ),
            logger: logger
        )
        var batch: [(receivedAt: Date, id: UUID, envelope: EventEnvelope)] = []
        for try await (at, id, text) in rows.decode((Date, UUID, String).self) {
            batch.append((at, id, try EventEnvelope.decode(from: Array(text.utf8))))
        }
        return batch
    }

    /// Applies events with the shadow schema first on the search path; each in a savepoint, so a refused one is skipped.
    private func replay(
        _ envelopes: [EventEnvelope],
        into shadow: String,
        _ connection: PostgresConnection,
        _ progress: inout Progress,
        inTransaction: Bool = false
    ) async throws {
        if !inTransaction { try await connection.query("BEGIN", logger: logger) }
        do {
            try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL search_path TO \(shadow)"), logger: logger)
            for envelope in envelopes {
                progress.replayed += 1
                guard let handler = registry.handler(for: envelope.type) else { continue }
                try await connection.query("SAVEPOINT replay", logger: logger)
                do {
                    try await handler(envelope, connection, logger)
                    try await connection.query("RELEASE SAVEPOINT replay", logger: logger)
                } catch {
                    try await connection.query("ROLLBACK TO SAVEPOINT replay", logger: logger)
                    progress.skipped += 1
                    logger.warning(
                        "event skipped",
                        metadata: ["event": "\(envelope.id)", "type": "\(envelope.type)", "error": "\(String(reflecting: error))"]
                    )
                }
            }
            // The handlers may have written events of their own: they were published when first applied.
            try await connection.query(PostgresQuery(unsafeSQL: "DELETE FROM \(shadow).outbox"), logger: logger)
            if inTransaction {
                try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL search_path TO \(live)"), logger: logger)
            } else {
                try await connection.query("COMMIT", logger: logger)
            }
        } catch {
            if !inTransaction { _ = try? await connection.query("ROLLBACK", logger: logger) }
            throw error
        }
    }

    /// Runs statements one by one (the extended protocol takes one statement per query).
    private func execute(_ statements: [String], _ connection: PostgresConnection) async throws {
        for statement in statements { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
    }

    private func count(_ connection: PostgresConnection, _ sql: String) async throws -> Int {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        for try await value in rows.decode(Int64.self) { return Int(value) }
        return 0
    }

    /// `20261130t061500`: UTC, for the old schema's name.
    static func stamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return "\(c.year ?? 0)\(two(c.month))\(two(c.day))t\(two(c.hour))\(two(c.minute))\(two(c.second))"
    }
}
