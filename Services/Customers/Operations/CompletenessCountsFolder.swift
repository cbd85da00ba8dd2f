public import Logging
public import Persistence
public import PostgresNIO

/// Moves the completeness count changes the customer triggers append (customers migration 0013) into
/// `completeness_counts` (a ``Persistence/CountsFolder``); readers add the changes not folded yet
/// (``CompletenessRepository``).
public enum CompletenessCountsFolder {
    static let statement = CountsFolder.statement(
        moving: "completeness_count_changes",
        into: "completeness_counts",
        keys: ["owner_id", "region", "completeness_met"],
        count: "customers"
    )

    /// The service that folds every five seconds.
    public static func service(postgres: PostgresClient, logger: Logger) -> CountsFolder {
        CountsFolder(name: "completeness counts", statement: statement, postgres: postgres, logger: logger)
    }

    /// Folds every change appended so far; returns how many change rows were folded.
    @discardableResult
    static func fold(on client: PostgresClient, logger: Logger) async throws -> Int {
        try await CountsFolder.fold(statement, on: client, logger: logger)
    }
}
