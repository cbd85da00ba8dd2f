public import Foundation
public import Logging
public import PostgresNIO

/// The inbox: the ids of the messages a consumer has applied, so a redelivered message is recognised and skipped.
///
/// ``claim(messageID:type:consumer:on:logger:)`` runs in the same transaction as the message's effect: either both
/// commit or neither does, so an event is applied exactly once however often the broker delivers it.
public enum Inbox {
    /// The `inbox` table (kit migration `kit_0002_inbox`). The key includes the consumer so that two consumers in one
    /// service (two queues) each apply an event that reaches both.
    static let tableSQL = """
        CREATE TABLE inbox (
            message_id uuid NOT NULL,
            consumer text NOT NULL,
            type text NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (message_id, consumer)
        );
        CREATE INDEX inbox_received_at ON inbox (received_at);
        """

    /// Records that `consumer` is applying message `messageID`.
    ///
    /// - Parameters:
    ///   - messageID: the event's ``Contracts/EventEnvelope/id``.
    ///   - type: the event type (kept for operators).
    ///   - consumer: the consuming component, e.g. `reporting`.
    ///   - connection: the connection holding the transaction that applies the effect.
    ///   - logger: the message's logger.
    /// - Returns: `true` the first time (apply the effect in this transaction), `false` for a redelivery (skip it).
    public static func claim(
        messageID: UUID,
        type: String,
        consumer: String = "events",
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Bool {
        let rows = try await connection.query(
            """
            INSERT INTO inbox (message_id, consumer, type) VALUES (\(messageID), \(consumer), \(type))
            ON CONFLICT DO NOTHING
            RETURNING message_id
            """,
            logger: logger
        )
        var claimed = false
        for try await _ in rows { claimed = true }
        return claimed
    }
}
