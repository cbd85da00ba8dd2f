public import Contracts
import Foundation
public import Logging
public import PostgresNIO

/// The transactional outbox: events are written to the service's `outbox` table in the same transaction as the state
/// change they describe, and ``OutboxRelay`` publishes them afterwards. An event therefore exists if and only if its
/// change committed, and survives a broker outage.
public enum Outbox {
    /// The `outbox` table (kit migration `kit_0001_outbox`).
    ///
    /// `position` keeps the order events were appended in, also within one transaction, where `created_at` (the
    /// transaction's start time) is equal for all rows; the relay publishes in `position` order.
    static let tableSQL = """
        CREATE TABLE outbox (
            id uuid PRIMARY KEY,
            position bigint GENERATED ALWAYS AS IDENTITY,
            type text NOT NULL,
            subject text NOT NULL,
            sequence bigint NOT NULL,
            envelope jsonb NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            published_at timestamptz NULL,
            attempts int NOT NULL DEFAULT 0,
            last_error text NULL
        );
        CREATE INDEX outbox_unpublished ON outbox (position) WHERE published_at IS NULL;
        CREATE INDEX outbox_published_at ON outbox (published_at) WHERE published_at IS NOT NULL;
        """

    /// The envelope with the `traceparent` of the work in progress (``Contracts/TraceContext/current``) when it names
    /// none, so every event continues the trace of the request, event or timer that wrote it.
    static func traced(_ envelope: EventEnvelope) -> EventEnvelope {
        guard envelope.traceparent == nil, let trace = TraceContext.current else { return envelope }
        var envelope = envelope
        envelope.traceparent = trace.traceparent
        return envelope
    }

    /// Appends an event to the outbox of the schema in the connection's `search_path`, and wakes the relays.
    ///
    /// Call it inside the transaction that makes the change (`client.withTransaction { connection in … }`); the
    /// `NOTIFY <schema>_outbox` it sends is delivered only when that transaction commits.
    /// - Parameters:
    ///   - envelope: the event.
    ///   - connection: the connection holding the open transaction.
    ///   - logger: the request's logger.
    public static func append(_ envelope: EventEnvelope, on connection: PostgresConnection, logger: Logger) async throws {
        let json = String(decoding: try traced(envelope).encoded(), as: UTF8.self)
        // One round trip: the insert and the notification; current_schema() is the service's schema via search_path.
        try await connection.query(
            """
            WITH appended AS (
                INSERT INTO outbox (id, type, subject, sequence, envelope)
                VALUES (\(envelope.id), \(envelope.type), \(envelope.subject), \(envelope.sequence), \(json)::jsonb)
                RETURNING id
            )
            SELECT pg_notify(current_schema() || '_outbox', '') FROM appended
            """,
            logger: logger
        )
    }

    /// Appends many events in one statement (a bulk import's batch), in the order given, and wakes the relays once.
    ///
    /// Call it inside the transaction that makes the changes, as ``append(_:on:logger:)``.
    /// - Parameters:
    ///   - envelopes: the events, in the order the relay should publish them.
    ///   - connection: the connection holding the open transaction.
    ///   - logger: the request's logger.
    public static func append(contentsOf envelopes: [EventEnvelope], on connection: PostgresConnection, logger: Logger) async throws {
        guard !envelopes.isEmpty else { return }
        var json = "["
        for (index, envelope) in envelopes.enumerated() {
            if index > 0 { json += "," }
            json += String(decoding: try traced(envelope).encoded(), as: UTF8.self)
        }
        json += "]"
        // WITH ORDINALITY keeps the given order in `position`, which the relay publishes by.
        try await connection.query(
            """
            WITH appended AS (
                INSERT INTO outbox (id, type, subject, sequence, envelope)
                SELECT (e.value ->> 'id')::uuid, e.value ->> 'type', e.value ->> 'subject', (e.value ->> 'sequence')::bigint, e.value
                FROM jsonb_array_elements(\(json)::jsonb) WITH ORDINALITY AS e(value, n)
                ORDER BY e.n
                RETURNING id
            )
            SELECT pg_notify(current_schema() || '_outbox', '') WHERE EXISTS (SELECT 1 FROM appended)
            """,
            logger: logger
        )
    }

    /// The `LISTEN` channel the relays of `schema` wait on.
    public static func channel(schema: String) -> String {
        "\(schema)_outbox"
    }
}

/// Publishes a batch of events to the broker for ``OutboxRelay``.
public protocol OutboxPublisher: Sendable {
    /// Publishes the envelopes and waits for the broker's verdict on each.
    /// - Parameter envelopes: the batch, in outbox order.
    /// - Returns: one flag per envelope, in the same order: `true` when the broker confirmed it.
    func publish(_ envelopes: [EventEnvelope]) async -> [Bool]
}
