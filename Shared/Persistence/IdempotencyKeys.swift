/// The table behind `Idempotency-Key` (kit migration `kit_0003_idempotency_keys`): the first reply to a write, kept
/// so that a retried request gets it again instead of a second write. ServiceRuntime's `IdempotentReplies` reads and
/// writes it in the same transaction as the write.
public enum IdempotencyKeys {
    static let tableSQL = """
        CREATE TABLE idempotency_keys (
            caller text NOT NULL,
            operation text NOT NULL,
            key text NOT NULL,
            request_hash text NOT NULL,
            status integer NOT NULL,
            body bytea NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (caller, operation, key)
        );
        """

    /// Kit migration `kit_0005_idempotency_keys_created_at`: ``RetentionPolicy/idempotencyKeys`` prunes by age, and
    /// without an index each batch would read the whole table.
    static let createdAtIndexSQL = """
        CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
        """
}
