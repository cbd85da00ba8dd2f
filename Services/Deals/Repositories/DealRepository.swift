import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// List filters for deals; `nil` means "any".
struct DealFilter: Sendable, Equatable {
    var stage: DealStage?
    var ownerID: String?
    var customerID: String?
}

/// Deals and their stage history.
struct DealRepository: Sendable {
    let logger: Logger

    static let columns = """
        id, customer_id, customer_name, owner_id, region, title, expected_amount_fen, expected_close_date::text AS expected_close_date,
        stage, lost_reason, lost_from_stage, version, created_by, created_at, updated_at
        """

    func insert(_ deal: Deal, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO deals (id, customer_id, customer_name, owner_id, region, title, expected_amount_fen, expected_close_date,
                               stage, lost_reason, lost_from_stage, version, created_by, created_at, updated_at)
            VALUES (\(deal.id), \(deal.customerID), \(deal.customerName), \(deal.ownerID), \(deal.region), \(deal.title),
                    \(deal.expectedAmountFen), \(deal.expectedCloseDate)::date, \(deal.stage.rawValue), \(deal.lostReason),
                    \(deal.lostFromStage?.rawValue), \(deal.version), \(deal.createdBy), \(deal.createdAt), \(deal.updatedAt))
            """,
            logger: logger
        )
    }

    func find(id: RecordID, on connection: PostgresConnection, forUpdate: Bool) async throws -> Deal? {
        let rows =
            forUpdate
            ? try await connection.query("SELECT \(unescaped: Self.columns) FROM deals WHERE id = \(id) FOR UPDATE", logger: logger)
            : try await connection.query("SELECT \(unescaped: Self.columns) FROM deals WHERE id = \(id)", logger: logger)
        for try await row in rows { return try Self.decode(row) }
        return nil
    }

    /// Writes a deal's stage fields and version.
    func updateStage(_ deal: Deal, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE deals SET stage = \(deal.stage.rawValue), lost_reason = \(deal.lostReason), lost_from_stage = \(deal.lostFromStage?.rawValue),
                version = \(deal.version), updated_at = \(deal.updatedAt)
            WHERE id = \(deal.id)
            """,
            logger: logger
        )
    }

    /// Writes a deal's editable fields and version.
    func updateFields(_ deal: Deal, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE deals SET title = \(deal.title), expected_amount_fen = \(deal.expectedAmountFen),
                expected_close_date = \(deal.expectedCloseDate)::date, version = \(deal.version), updated_at = \(deal.updatedAt)
            WHERE id = \(deal.id)
            """,
            logger: logger
        )
    }

    /// Appends an edit line to the deal's history: the stage stays, `changes` says what changed.
    func appendEdit(_ deal: Deal, changes: [String: JSONValue], by: String, on connection: PostgresConnection) async throws {
        let json = String(decoding: try JSONCoding.encoder.encode(changes), as: UTF8.self)
        try await connection.query(
            """
            INSERT INTO deal_stage_history (deal_id, kind, from_stage, to_stage, changes, changed_by, changed_at)
            VALUES (\(deal.id), 'edit', \(deal.stage.rawValue), \(deal.stage.rawValue), \(json)::jsonb, \(by), \(deal.updatedAt))
            """,
            logger: logger
        )
    }

    func appendHistory(
        dealID: RecordID,
        from: DealStage?,
        to: DealStage,
        lostReason: String?,
        by: String,
        at: Date,
        on connection: PostgresConnection
    )
        async throws
    {
        try await connection.query(
            """
            INSERT INTO deal_stage_history (deal_id, from_stage, to_stage, lost_reason, changed_by, changed_at)
            VALUES (\(dealID), \(from?.rawValue), \(to.rawValue), \(lostReason), \(by), \(at))
            """,
            logger: logger
        )
    }

    /// A deal's stage history, newest first, a page at a time.
    func history(dealID: RecordID, page: PageRequest, on connection: PostgresConnection) async throws -> [DealStageChange] {
        let after = page.cursor.map { ($0.boundTime, $0.number) }
        let rows = try await connection.query(
            """
            SELECT id, kind, from_stage, to_stage, lost_reason, changes::text, changed_by, changed_at FROM deal_stage_history
            WHERE deal_id = \(dealID)
              AND (\(after?.0)::timestamptz IS NULL OR (changed_at, id) < (\(after?.0), \(after?.1)))
            ORDER BY changed_at DESC, id DESC
            LIMIT \(page.fetchLimit)
            """,
            logger: logger
        )
        var changes: [DealStageChange] = []
        for try await (id, kind, from, to, lostReason, edits, changedBy, changedAt) in rows.decode(
            (Int64, String, String?, String, String?, String?, String, Date).self
        ) {
            changes.append(
                DealStageChange(
                    entryID: id,
                    kind: try DealStageChange.Kind(stored: kind, column: "deal_stage_history.kind"),
                    fromStage: try from.map { text throws(UnknownValue) in try DealStage(stored: text, column: "deal_stage_history.from_stage") },
                    toStage: try DealStage(stored: to, column: "deal_stage_history.to_stage"),
                    lostReason: lostReason,
                    changes: try edits.map { try JSONCoding.decoder.decode([String: JSONValue].self, from: Data($0.utf8)) },
                    changedBy: changedBy,
                    changedAt: changedAt
                )
            )
        }
        return changes
    }

    /// The page cursor after a history entry: history lines are numbered by a bigint.
    static func historyCursor(after change: DealStageChange) -> PageCursor {
        PageCursor(createdAt: change.changedAt, number: change.entryID)
    }

    /// The deals in `scope` matching `filter`, newest first.
    func list(_ filter: DealFilter, scope: DataScope, page: PageRequest, on connection: PostgresConnection) async throws -> [Deal] {
        let cursor = page.cursor
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM deals
            WHERE (\(scope.soleOwnerID)::text IS NOT NULL OR \(scope.ownerIDs)::text[] IS NULL OR owner_id = ANY(\(scope.ownerIDs)::text[]))
              AND (\(scope.soleOwnerID)::text IS NULL OR owner_id = \(scope.soleOwnerID))
              AND (\(scope.region)::text IS NULL OR region = \(scope.region))
              AND (\(filter.stage?.rawValue)::text IS NULL OR stage = \(filter.stage?.rawValue))
              AND (\(filter.ownerID)::text IS NULL OR owner_id = \(filter.ownerID))
              AND (\(filter.customerID)::text IS NULL OR customer_id = \(filter.customerID))
              AND (\(cursor?.boundTime)::timestamptz IS NULL OR (created_at, id) < (\(cursor?.boundTime), \(cursor?.id)))
            ORDER BY created_at DESC, id DESC
            LIMIT \(page.fetchLimit)
            """,
            logger: logger
        )
        var deals: [Deal] = []
        for try await row in rows { deals.append(try Self.decode(row)) }
        return deals
    }

    /// Open deals follow their customer's owner and region: a transferred customer's pipeline goes with it.
    func follow(customerID: String, ownerID: String?, region: String, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE deals SET owner_id = COALESCE(\(ownerID), owner_id), region = \(region), updated_at = now()
            WHERE customer_id = \(customerID) AND stage <> ALL(\(DealStageRules.closedStageNames)::text[])
              AND (owner_id IS DISTINCT FROM COALESCE(\(ownerID), owner_id) OR region <> \(region))
            """,
            logger: logger
        )
    }

    /// ``follow(customerID:ownerID:region:on:)`` for many customers at once, each to its owner and region as the
    /// replica now holds them.
    func follow(customerIDs: [String], on connection: PostgresConnection) async throws {
        guard !customerIDs.isEmpty else { return }
        try await connection.query(
            """
            UPDATE deals d SET owner_id = COALESCE(r.owner_id, d.owner_id), region = r.region, updated_at = now()
            FROM customer_replica r
            WHERE r.id = ANY(\(customerIDs)::text[]) AND d.customer_id = r.id
              AND d.stage <> ALL(\(DealStageRules.closedStageNames)::text[])
              AND (d.owner_id IS DISTINCT FROM COALESCE(r.owner_id, d.owner_id) OR d.region <> r.region)
            """,
            logger: logger
        )
    }

    /// A transferred customer's deals, closed ones (paid, lost) included, go to its owner and region, so the new owner
    /// sees the customer's whole history; their contracts follow, since a contract's owner is its deal's.
    func followTransfer(customerID: String, ownerID: String?, region: String, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE deals SET owner_id = COALESCE(\(ownerID), owner_id), region = \(region), updated_at = now()
            WHERE customer_id = \(customerID)
              AND (owner_id IS DISTINCT FROM COALESCE(\(ownerID), owner_id) OR region <> \(region))
            """,
            logger: logger
        )
    }

    /// Re-points every deal of a merged-away customer to the survivor (quotes and contracts hang off the deal, so they
    /// follow); running it again changes nothing.
    /// - Returns: how many deals moved.
    @discardableResult
    func repoint(fromCustomer mergedID: String, to survivor: CustomerSnapshot, on connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.query(
            """
            WITH moved AS (
                UPDATE deals SET customer_id = \(survivor.id), customer_name = \(survivor.name), updated_at = now()
                WHERE customer_id = \(mergedID)
                RETURNING 1
            )
            SELECT count(*) FROM moved
            """,
            logger: logger
        )
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }

    static func decode(_ row: PostgresRow) throws -> Deal {
        let cells = row.makeRandomAccess()
        let stage = try cells["stage"].decode(String.self)
        let lostFrom = try cells["lost_from_stage"].decode(String?.self)
        let dealStage = try DealStage(stored: stage, column: "deals.stage")
        let lostFromStage = try lostFrom.map { text throws(UnknownValue) in try DealStage(stored: text, column: "deals.lost_from_stage") }
        return Deal(
            id: try cells["id"].decode(RecordID.self),
            customerID: try cells["customer_id"].decode(String.self),
            customerName: try cells["customer_name"].decode(String.self),
            ownerID: try cells["owner_id"].decode(String.self),
            region: try cells["region"].decode(String.self),
            title: try cells["title"].decode(String.self),
            expectedAmountFen: try cells["expected_amount_fen"].decode(Int64.self),
            expectedCloseDate: try cells["expected_close_date"].decode(String.self),
            stage: dealStage,
            lostReason: try cells["lost_reason"].decode(String?.self),
            lostFromStage: lostFromStage,
            version: try cells["version"].decode(Int64.self),
            createdBy: try cells["created_by"].decode(String.self),
            createdAt: try cells["created_at"].decode(Date.self),
            updatedAt: try cells["updated_at"].decode(Date.self)
        )
    }
}
