import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// Delegations (委托审批) and their audit trail.
struct DelegationRepository: Sendable {
    let logger: Logger

    /// Serialises writes about one delegator's delegations until the transaction ends, so two racing requests cannot
    /// both pass the overlap check.
    func lock(delegator: String, on connection: PostgresConnection) async throws {
        let key = "delegation:\(delegator)"
        try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(key)))", logger: logger)
    }

    /// A live (not cancelled) delegation of `delegator` whose range shares a day with `from`…`to`, if any.
    func overlapping(
        delegator: String,
        from: CalendarDay,
        to: CalendarDay,
        today: CalendarDay,
        on connection: PostgresConnection
    ) async throws
        -> Delegation?
    {
        try await decode(
            connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM delegations
                WHERE delegator_id = \(delegator) AND cancelled_at IS NULL
                  AND starts_on <= \(to.description)::date AND ends_on >= \(from.description)::date
                ORDER BY starts_on LIMIT 1
                """,
                logger: logger
            ),
            today: today
        ).first
    }

    func insert(_ delegation: Delegation, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO delegations (id, delegator_id, delegator_name, delegate_id, delegate_name, starts_on, ends_on, reason, created_by, created_at)
            VALUES (\(delegation.id), \(delegation.delegatorID), \(delegation.delegatorName), \(delegation.delegateID), \(delegation.delegateName),
                \(delegation.from.description)::date, \(delegation.to.description)::date, \(delegation.reason), \(delegation.createdBy),
                \(delegation.createdAt))
            """,
            logger: logger
        )
    }

    /// One delegation; `lock` holds its row until the transaction ends.
    func find(id: RecordID, lock: Bool, today: CalendarDay, on connection: PostgresConnection) async throws -> Delegation? {
        try await decode(
            connection.query(
                lock
                    ? "SELECT \(unescaped: Self.columns) FROM delegations WHERE id = \(id) FOR UPDATE"
                    : "SELECT \(unescaped: Self.columns) FROM delegations WHERE id = \(id)",
                logger: logger
            ),
            today: today
        ).first
    }

    func cancel(id: RecordID, by userID: String, at now: Date, on connection: PostgresConnection) async throws {
        try await connection.query(
            "UPDATE delegations SET cancelled_by = \(userID), cancelled_at = \(now) WHERE id = \(id) AND cancelled_at IS NULL",
            logger: logger
        )
    }

    /// Delegations `userID` gave or holds (every delegation when `userID` is `nil`), newest first, a page at a time.
    func list(involving userID: String?, page: PageRequest, today: CalendarDay, on connection: PostgresConnection) async throws -> [Delegation] {
        let cursor = page.cursor
        return try await decode(
            connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM delegations
                WHERE (\(userID)::text IS NULL OR delegator_id = \(userID) OR delegate_id = \(userID) OR created_by = \(userID))
                  AND (\(cursor?.boundTime)::timestamptz IS NULL OR (created_at, id) < (\(cursor?.boundTime), \(cursor?.id)))
                ORDER BY created_at DESC, id DESC
                LIMIT \(page.fetchLimit)
                """,
                logger: logger
            ),
            today: today
        )
    }

    /// The delegations in force on `day`, by delegator (overlap is refused, so a delegator has at most one).
    func active(on day: CalendarDay, on connection: PostgresConnection) async throws -> DelegationRule.Active {
        let rows = try await decode(
            connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM delegations
                WHERE cancelled_at IS NULL AND starts_on <= \(day.description)::date AND ends_on >= \(day.description)::date
                ORDER BY created_at
                """,
                logger: logger
            ),
            today: day
        )
        return Dictionary(rows.map { ($0.delegatorID, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Appends to the delegation's audit trail.
    func audit(
        _ delegationID: RecordID,
        _ action: String,
        by actorID: String,
        detail: String? = nil,
        at now: Date,
        on connection: PostgresConnection
    )
        async throws
    {
        try await connection.query(
            """
            INSERT INTO delegation_audit (delegation_id, action, actor_id, detail, at)
            VALUES (\(delegationID), \(action), \(actorID), \(detail), \(now))
            """,
            logger: logger
        )
    }

    /// The audit trail of one delegation, oldest first: `(action, actor, detail)`.
    func auditTrail(_ delegationID: RecordID, on connection: PostgresConnection) async throws -> [(action: String, actorID: String, detail: String?)]
    {
        let rows = try await connection.query(
            "SELECT action, actor_id, detail FROM delegation_audit WHERE delegation_id = \(delegationID) ORDER BY id",
            logger: logger
        )
        var trail: [(action: String, actorID: String, detail: String?)] = []
        for try await (action, actor, detail) in rows.decode((String, String, String?).self) { trail.append((action, actor, detail)) }
        return trail
    }

    private static let columns = """
        id, delegator_id, delegator_name, delegate_id, delegate_name, to_char(starts_on, 'YYYY-MM-DD'), to_char(ends_on, 'YYYY-MM-DD'), reason,
        created_by, created_at, cancelled_by, cancelled_at
        """

    private func decode(_ rows: PostgresRowSequence, today: CalendarDay) async throws -> [Delegation] {
        var delegations: [Delegation] = []
        typealias Columns = (RecordID, String, String, String, String, String, String, String, String, Date, String?, Date?)
        for try await row in rows {
            let (id, delegatorID, delegatorName, delegateID, delegateName, fromText, toText, reason, createdBy, createdAt, cancelledBy, cancelledAt) =
                try row.decode(Columns.self)
            guard let from = CalendarDay(fromText), let to = CalendarDay(toText) else {
                throw UnknownValue(column: "delegations.starts_on", value: fromText + "…" + toText)
            }
            delegations.append(
                Delegation(
                    id: id,
                    delegatorID: delegatorID,
                    delegatorName: delegatorName,
                    delegateID: delegateID,
                    delegateName: delegateName,
                    from: from,
                    to: to,
                    reason: reason,
                    createdBy: createdBy,
                    createdAt: createdAt,
                    cancelledBy: cancelledBy,
                    cancelledAt: cancelledAt,
                    status: Delegation.status(from: from, to: to, cancelled: cancelledAt != nil, on: today)
                )
            )
        }
        return delegations
    }
}
