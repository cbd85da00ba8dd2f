public import Contracts
public import Foundation
public import Logging
import Persistence
public import PostgresNIO
import ServiceRuntime

/// A registered webhook endpoint as the API shows it: never with its secret.
public struct WebhookEndpoint: Encodable, Sendable, Equatable {
    public var id: RecordID
    public var url: String
    public var description: String
    public var eventTypes: [String]
    public var enabled: Bool
    public var createdBy: String
    public var createdAt: Date
    public var updatedAt: Date
    @ExplicitNull public var secretRotatedAt: Date?
}

/// An endpoint with its secret: the answer to creation and rotation, the only times the secret is shown.
public struct WebhookEndpointWithSecret: Encodable, Sendable {
    public var endpoint: WebhookEndpoint
    public var secret: String

    enum CodingKeys: String, CodingKey { case secret }

    public func encode(to encoder: any Encoder) throws {
        try endpoint.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(secret, forKey: .secret)
    }
}

/// One delivery of one event to one endpoint.
public struct WebhookDelivery: Encodable, Sendable, Equatable {
    public var id: RecordID
    public var endpointID: RecordID
    public var eventID: String
    public var eventType: String
    /// `pending`, `delivered` or `failed`.
    public var status: String
    public var attempts: Int
    @ExplicitNull public var lastStatusCode: Int?
    @ExplicitNull public var lastError: String?
    /// When the next attempt is due; `null` unless pending.
    @ExplicitNull public var nextAttemptAt: Date?
    public var createdAt: Date
    @ExplicitNull public var deliveredAt: Date?
    /// The delivery this one replays, if it is a replay.
    @ExplicitNull public var replayOf: RecordID?

    enum CodingKeys: String, CodingKey {
        case id, eventType, status, attempts, lastStatusCode, lastError, nextAttemptAt, createdAt, deliveredAt, replayOf
        case endpointID = "endpointId"
        case eventID = "eventId"
    }
}

/// The webhook tables: endpoints, deliveries and the admin audit of endpoint changes.
public struct WebhookRepository: Sendable {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    private static let endpointColumns = "id, url, description, event_types, enabled, created_by, created_at, updated_at, secret_rotated_at"
    private static let deliveryColumns = """
        id, endpoint_id, event_id, event_type, status, attempts, last_status_code, last_error, next_attempt_at, created_at, \
        delivered_at, replay_of
        """

    func create(
        url: String,
        description: String,
        eventTypes: [String],
        secret: String,
        createdBy: String,
        on connection: PostgresConnection
    ) async throws -> WebhookEndpoint {
        let rows = try await connection.query(
            """
            INSERT INTO webhook_endpoints (id, url, description, event_types, secret, created_by)
            VALUES (\(UUID()), \(url), \(description), \(eventTypes)::text[], \(secret), \(createdBy))
            RETURNING \(unescaped: Self.endpointColumns)
            """,
            logger: logger
        )
        guard let endpoint = try await Self.endpoints(rows).first else { throw Problem.internalError() }
        return endpoint
    }

    func endpoint(id: RecordID, on connection: PostgresConnection) async throws -> WebhookEndpoint? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.endpointColumns) FROM webhook_endpoints WHERE id = \(id)",
            logger: logger
        )
        return try await Self.endpoints(rows).first
    }

    func endpoints(page: PageRequest, on connection: PostgresConnection) async throws -> [WebhookEndpoint] {
        let cursor = page.cursor
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.endpointColumns) FROM webhook_endpoints
            WHERE (\(cursor?.boundTime)::timestamptz IS NULL OR (created_at, id) < (\(cursor?.boundTime), \(cursor?.id)))
            ORDER BY created_at DESC, id DESC
            LIMIT \(page.fetchLimit)
            """,
            logger: logger
        )
        return try await Self.endpoints(rows)
    }

    func setEnabled(_ enabled: Bool, id: RecordID, on connection: PostgresConnection) async throws -> WebhookEndpoint? {
        let rows = try await connection.query(
            """
            UPDATE webhook_endpoints SET enabled = \(enabled), updated_at = now() WHERE id = \(id)
            RETURNING \(unescaped: Self.endpointColumns)
            """,
            logger: logger
        )
        return try await Self.endpoints(rows).first
    }

    func rotateSecret(_ secret: String, id: RecordID, on connection: PostgresConnection) async throws -> WebhookEndpoint? {
        let rows = try await connection.query(
            """
            UPDATE webhook_endpoints SET secret = \(secret), secret_rotated_at = now(), updated_at = now() WHERE id = \(id)
            RETURNING \(unescaped: Self.endpointColumns)
            """,
            logger: logger
        )
        return try await Self.endpoints(rows).first
    }

    func delete(id: RecordID, on connection: PostgresConnection) async throws -> WebhookEndpoint? {
        let rows = try await connection.query(
            "DELETE FROM webhook_endpoints WHERE id = \(id) RETURNING \(unescaped: Self.endpointColumns)",
            logger: logger
        )
        return try await Self.endpoints(rows).first
    }

    func audit(actor: String, action: String, endpoint: RecordID, changes: JSONValue, on connection: PostgresConnection) async throws {
        let json = String(decoding: try JSONCoding.encoder.encode(changes), as: UTF8.self)
        try await connection.query(
            "INSERT INTO webhook_audit (actor_id, action, endpoint_id, changes) VALUES (\(actor), \(action), \(endpoint), \(json)::jsonb)",
            logger: logger
        )
    }

    /// Writes one pending delivery of the event for each enabled endpoint subscribed to its type.
    /// - Returns: how many deliveries were written.
    @discardableResult
    func enqueue(_ envelope: EventEnvelope, body: String, on connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.query(
            """
            INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, body, status)
            SELECT gen_random_uuid(), id, \(envelope.id), \(envelope.type), \(body), 'pending'
            FROM webhook_endpoints WHERE enabled AND \(envelope.type) = ANY(event_types)
            ON CONFLICT DO NOTHING
            RETURNING id
            """,
            logger: logger
        )
        var count = 0
        for try await _ in rows { count += 1 }
        return count
    }

    func deliveries(of endpoint: RecordID, page: PageRequest, on connection: PostgresConnection) async throws -> [WebhookDelivery] {
        let cursor = page.cursor
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.deliveryColumns) FROM webhook_deliveries
            WHERE endpoint_id = \(endpoint)
              AND (\(cursor?.boundTime)::timestamptz IS NULL OR (created_at, id) < (\(cursor?.boundTime), \(cursor?.id)))
            ORDER BY created_at DESC, id DESC
            LIMIT \(page.fetchLimit)
            """,
            logger: logger
        )
        return try await Self.deliveries(rows)
    }

    /// A new pending delivery with the original's endpoint, event and body.
    /// - Returns: the new delivery; `nil` when there is no such delivery.
    func replay(_ id: RecordID, on connection: PostgresConnection) async throws -> WebhookDelivery? {
        let rows = try await connection.query(
            """
            INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, body, status, replay_of)
            SELECT \(UUID()), endpoint_id, event_id, event_type, body, 'pending', id FROM webhook_deliveries WHERE id = \(id)
            RETURNING \(unescaped: Self.deliveryColumns)
            """,
            logger: logger
        )
        return try await Self.deliveries(rows).first
    }

    private static func endpoints(_ rows: PostgresRowSequence) async throws -> [WebhookEndpoint] {
        var result: [WebhookEndpoint] = []
        for try await (id, url, description, types, enabled, createdBy, createdAt, updatedAt, rotatedAt) in rows.decode(
            (RecordID, String, String, [String], Bool, String, Date, Date, Date?).self
        ) {
            result.append(
                WebhookEndpoint(
                    id: id,
                    url: url,
                    description: description,
                    eventTypes: types,
                    enabled: enabled,
                    createdBy: createdBy,
                    createdAt: createdAt,
                    updatedAt: updatedAt,
                    secretRotatedAt: rotatedAt
                )
            )
        }
        return result
    }

    private static func deliveries(_ rows: PostgresRowSequence) async throws -> [WebhookDelivery] {
        var result: [WebhookDelivery] = []
        for try await row in rows {
            let (id, endpoint, event, type, status, attempts, code, error, next, created, delivered, replayOf) = try row.decode(
                (RecordID, RecordID, UUID, String, String, Int, Int?, String?, Date, Date, Date?, RecordID?).self
            )
            result.append(
                WebhookDelivery(
                    id: id,
                    endpointID: endpoint,
                    eventID: event.uuidString.lowercased(),
                    eventType: type,
                    status: status,
                    attempts: attempts,
                    lastStatusCode: code,
                    lastError: error,
                    nextAttemptAt: status == "pending" ? next : nil,
                    createdAt: created,
                    deliveredAt: delivered,
                    replayOf: replayOf
                )
            )
        }
        return result
    }
}
