public import Logging
public import PostgresNIO
public import ServiceLifecycle

/// Folds the count changes that writers append to a keyless table into the counts table, every ``interval``: the
/// pattern of ADR 0013 §1 for a count many concurrent writers change (customers' `completeness_counts`, reporting's
/// `customer_counts`). A writer that upserted the count row itself would hold that row's lock until its commit, and
/// every other writer of the same key would wait for it; appending a delta waits for nobody.
///
/// The fold is one statement, the changes deleted and their sums added in the same transaction (`DELETE … RETURNING`
/// feeding the upsert), so a fold killed midway leaves everything as it was, and two instances folding at once never
/// move a change twice (the second finds the first's rows deleted and skips them). Readers add the changes not folded
/// yet, so the counts are exact between folds too.
public struct CountsFolder: Service {
    /// What is folded, for logs (`completeness counts`).
    public let name: String
    /// The fold statement; it returns one row, the number of change rows it moved.
    public let statement: PostgresQuery
    let postgres: PostgresClient
    let interval: Duration
    let logger: Logger

    /// - Parameters:
    ///   - name: what is folded, for logs.
    ///   - statement: the fold (``statement(moving:into:keys:count:)``).
    ///   - postgres: the service's database.
    ///   - interval: the pause between folds.
    ///   - logger: the service's logger.
    public init(name: String, statement: PostgresQuery, postgres: PostgresClient, interval: Duration = .seconds(5), logger: Logger) {
        self.name = name
        self.statement = statement
        self.postgres = postgres
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    do {
                        try await Self.fold(statement, on: postgres, logger: logger)
                    } catch {
                        // The database may be restarting: the changes wait, and readers still count them.
                        logger.warning("\(name) fold failed", metadata: ["error": "\(String(reflecting: error))"])
                    }
                    try await Task.sleep(for: interval)
                }
            }
        } catch is CancellationError where Task.isShuttingDownGracefully {}
    }

    /// The fold of `changes` into `counts`: the changes deleted, their sums by `keys` added to `counts` (whose primary
    /// key is `keys`), in key order, so two folds lock the same rows in the same order.
    /// - Parameters:
    ///   - changes: the keyless table the triggers append to, with the columns `keys` and `count`.
    ///   - counts: the folded table.
    ///   - keys: the key columns, the primary key of `counts`.
    ///   - count: the column that holds a count (in both tables).
    /// - Returns: a statement that returns the number of change rows it moved.
    public static func statement(moving changes: String, into counts: String, keys: [String], count: String) -> PostgresQuery {
        let columns = keys.joined(separator: ", ")
        let positions = keys.indices.map { String($0 + 1) }.joined(separator: ", ")
        return PostgresQuery(
            unsafeSQL: """
                WITH moved AS (
                    DELETE FROM \(changes) RETURNING \(columns), \(count)
                ), folded AS (
                    INSERT INTO \(counts) AS a (\(columns), \(count))
                    SELECT \(columns), sum(\(count)) FROM moved
                    GROUP BY \(positions)
                    HAVING sum(\(count)) <> 0
                    ORDER BY \(positions)
                    ON CONFLICT (\(columns)) DO UPDATE SET \(count) = a.\(count) + EXCLUDED.\(count)
                )
                SELECT count(*)::bigint FROM moved
                """
        )
    }

    /// Folds every change appended so far.
    /// - Returns: how many change rows were folded.
    @discardableResult
    public static func fold(_ statement: PostgresQuery, on client: PostgresClient, logger: Logger) async throws -> Int {
        let rows = try await withDeadline(PostgresSettings.defaultTransactionDeadline) {
            try await client.query(statement, logger: logger)
        }
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }
}
