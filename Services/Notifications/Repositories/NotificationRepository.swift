public import Contracts
public import Foundation
public import Logging
import PostgresNIO
import ServiceRuntime

/// An in-app notification.
public struct InAppNotification: Codable, Sendable, Equatable {
    public var id: RecordID
    public var userID: String
    public var kind: String
    public var title: String
    public var body: String
    public var approvalID: String?
    public var createdAt: Date
    public var readAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, kind, title, body, createdAt, readAt
        case userID = "userId"
        case approvalID = "approvalId"
    }
}

/// The notifications schema: contacts (from the org replica), approval summaries, the in-app inbox and push deliveries.
public struct NotificationRepository: Sendable {
    let logger: Logger
    /// Whether pushes wait for working hours (``PushPolicy``).
    let timing: PushTiming

    public init(logger: Logger, timing: PushTiming = .immediate) {
        self.logger = logger
        self.timing = timing
    }

    func contact(id: String, on connection: PostgresConnection) async throws -> Contact? {
        let rows = try await connection.query("SELECT id, display_name, mobile FROM org_replica WHERE id = \(id)", logger: logger)
        for try await (id, name, mobile) in rows.decode((String, String, String?).self) {
            return Contact(id: id, displayName: name, mobile: mobile)
        }
        return nil
    }

    /// The supervisor of a user as the org replica knows them; `nil` when they have none or are unknown.
    func supervisor(of userID: String, on connection: PostgresConnection) async throws -> String? {
        let rows = try await connection.query("SELECT supervisor_id FROM org_replica WHERE id = \(userID)", logger: logger)
        for try await (supervisor) in rows.decode(String?.self) { return supervisor }
        return nil
    }

    func rememberApproval(_ event: ApprovalStepAssigned, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO approval_summaries (approval_id, contract_number, customer_name, amount_fen)
            VALUES (\(event.approvalID), \(event.contractNumber), \(event.customerName), \(event.amountFen))
            ON CONFLICT (approval_id) DO NOTHING
            """,
            logger: logger
        )
    }

    func summary(approvalID: String, on connection: PostgresConnection) async throws -> ApprovalSummary? {
        let rows = try await connection.query(
            "SELECT contract_number, customer_name, amount_fen FROM approval_summaries WHERE approval_id = \(approvalID)",
            logger: logger
        )
        for try await (number, customer, amount) in rows.decode((String, String, Int64).self) {
            return ApprovalSummary(contractNumber: number, customerName: customer, amountFen: amount)
        }
        return nil
    }

    func addNotification(
        userID: String,
        eventID: UUID,
        kind: String,
        title: String,
        body: String,
        approvalID: String?,
        at time: Date,
        on connection: PostgresConnection
    ) async throws {
        try await connection.query(
            """
            INSERT INTO notifications (id, user_id, event_id, kind, title, body, approval_id, created_at)
            VALUES (\(UUID()), \(userID), \(eventID), \(kind), \(title), \(body), \(approvalID), \(time))
            ON CONFLICT (event_id, user_id) DO NOTHING
            """,
            logger: logger
        )
    }

    /// A user's notifications, newest first; `unread` `true` keeps the unread ones, `false` the read ones, `nil` all.
    func notifications(
        of userID: String,
        unread: Bool? = nil,
        page: PageRequest,
        on connection: PostgresConnection
    ) async throws
        -> [InAppNotification]
    {
        let cursor = page.cursor
        let rows = try await connection.query(
            """
            SELECT id, user_id, kind, title, body, approval_id, created_at, read_at FROM notifications
            WHERE user_id = \(userID)
              AND (\(unread)::boolean IS NULL OR (read_at IS NULL) = \(unread))
              AND (\(cursor?.boundTime)::timestamptz IS NULL OR (created_at, id) < (\(cursor?.boundTime), \(cursor?.id)))
            ORDER BY created_at DESC, id DESC
            LIMIT \(page.fetchLimit)
            """,
            logger: logger
        )
        return try await Self.decode(rows)
    }

    /// Marks one of the user's notifications read (a read one keeps its first `readAt`).
    /// - Returns: the notification after the change; `nil` if the user has no such notification.
    func markRead(id: RecordID, of userID: String, at time: Date, on connection: PostgresConnection) async throws -> InAppNotification? {
        let rows = try await connection.query(
            """
            UPDATE notifications SET read_at = COALESCE(read_at, \(time))
            WHERE id = \(id) AND user_id = \(userID)
            RETURNING id, user_id, kind, title, body, approval_id, created_at, read_at
            """,
            logger: logger
        )
        return try await Self.decode(rows).first
    }

    /// Marks every unread notification of the user read.
    /// - Returns: how many were unread.
    func markAllRead(of userID: String, at time: Date, on connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.query(
            """
            WITH marked AS (UPDATE notifications SET read_at = \(time) WHERE user_id = \(userID) AND read_at IS NULL RETURNING 1)
            SELECT count(*)::bigint FROM marked
            """,
            logger: logger
        )
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }

    /// How many of the user's notifications are unread.
    func unreadCount(of userID: String, on connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.query(
            "SELECT count(*)::bigint FROM notifications WHERE user_id = \(userID) AND read_at IS NULL",
            logger: logger
        )
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }

    private static func decode(_ rows: PostgresRowSequence) async throws -> [InAppNotification] {
        var items: [InAppNotification] = []
        for try await (id, user, kind, title, body, approval, createdAt, readAt) in rows.decode(
            (RecordID, String, String, String, String, String?, Date, Date?).self
        ) {
            items.append(
                InAppNotification(
                    id: id,
                    userID: user,
                    kind: kind,
                    title: title,
                    body: body,
                    approvalID: approval,
                    createdAt: createdAt,
                    readAt: readAt
                )
            )
        }
        return items
    }

    /// Records a push; the unique (event, channel, recipient) makes a second record of the same push a no-op.
    ///
    /// Quiet hours apply here: a push created (`at`) outside working hours is first due at the next working start
    /// unless ``PushPolicy`` calls its kind urgent.
    /// - Parameters:
    ///   - kind: the notification kind, which the urgency policy and the digest read.
    ///   - at: when the push was created (its event's time).
    ///   - region: the region whose robot it goes to; `nil` for the recipient's region.
    ///   - daysOverdue: for receivables, how late the installment is (urgency).
    func addDelivery(
        eventID: UUID,
        channel: String,
        recipient: String,
        message: WeComMessage,
        skipped: Bool,
        kind: String,
        at: Date,
        region: String? = nil,
        daysOverdue: Int? = nil,
        on connection: PostgresConnection
    ) async throws {
        let payload = String(decoding: try JSONCoding.encoder.encode(message), as: UTF8.self)
        let status = skipped ? "skipped" : "pending"
        let urgent = PushPolicy.isUrgent(kind: kind, daysOverdue: daysOverdue)
        let heldUntil = timing.heldUntil(at, kind: kind, daysOverdue: daysOverdue)
        try await connection.query(
            """
            INSERT INTO deliveries (id, event_id, channel, recipient, payload, status, kind, region, urgent, held_until, next_attempt_at)
            VALUES (\(UUID()), \(eventID), \(channel), \(recipient), \(payload)::jsonb, \(status), \(kind), \(region), \(urgent),
                    \(heldUntil), COALESCE(\(heldUntil), \(at)))
            ON CONFLICT (event_id, channel, recipient) DO NOTHING
            """,
            logger: logger
        )
    }
}
