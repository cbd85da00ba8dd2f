import Foundation
public import Logging
import Persistence
public import PostgresNIO
public import ServiceLifecycle

/// Moves the completeness count changes the customer triggers append (customers migration 0013) into
/// `completeness_counts`, every ``interval``, so that readers sum few rows and no writer waits for another's count.
///
/// One statement does it — the changes deleted and their sums added in the same transaction — so a fold killed midway
/// leaves everything as it was, and two instances folding at once never move a change twice (the second finds the
/// first's rows deleted and skips them). Readers add the changes not folded yet (``CompletenessRepository``), so the
/// counts are exact between folds too.
public struct CompletenessCountsFolder: Service {
    let postgres: PostgresClient
    let interval: Duration
    let logger: Logger

    public init(postgres: PostgresClient, interval: Duration = .seconds(5), logger: Logger) {
        self.postgres = postgres
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    do {
                        try await Self.fold(on: postgres, logger: logger)
                    } catch {
                        // The database may be restarting: the changes wait, and readers still count them.
                        logger.warning("completeness counts fold failed", metadata: ["error": "\(String(reflecting: error))"])
                    }
                    try await Task.sleep(for: interval)
                }
            }
        } catch is CancellationError where Task.isShuttingDownGracefully {}
    }

    /// Folds every change appended so far into the counts.
    /// - Returns: how many change rows were folded.
    @discardableResult
    static func fold(on client: PostgresClient, logger: Logger) async throws -> Int {
        let rows = try await withDeadline(PostgresSettings.defaultTransactionDeadline) {
            try await client.query(
                """
                WITH moved AS (
                    DELETE FROM completeness_count_changes RETURNING owner_id, region, completeness_met, customers
                ), folded AS (
                    INSERT INTO completeness_counts AS a (owner_id, region, completeness_met, customers)
                    SELECT owner_id, region, completeness_met, sum(customers) FROM moved
                    GROUP BY 1, 2, 3
                    HAVING sum(customers) <> 0
                    ORDER BY 1, 2, 3
                    ON CONFLICT (owner_id, region, completeness_met) DO UPDATE SET customers = a.customers + EXCLUDED.customers
                )
                SELECT count(*)::bigint FROM moved
                """,
                logger: logger
            )
        }
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }
}
