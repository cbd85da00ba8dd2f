import Contracts
import Foundation
import Logging
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

    func find(id: UUID, on connection: PostgresConnection, forUpdate: Bool) async throws -> Deal? {
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

    func appendHistory(
        dealID: UUID,
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

    /// The deals in `scope` matching `filter`, newest first.
    func list(_ filter: DealFilter, scope: DataScope, after cursor: PageCursor?, limit: Int, on connection: PostgresConnection) async throws -> [Deal]
    {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM deals
            WHERE (\(scope.ownerIDs)::text[] IS NULL OR owner_id = ANY(\(scope.ownerIDs)::text[]))
              AND (\(scope.region)::text IS NULL OR region = \(scope.region))
              AND (\(filter.stage?.rawValue)::text IS NULL OR stage = \(filter.stage?.rawValue))
              AND (\(filter.ownerID)::text IS NULL OR owner_id = \(filter.ownerID))
              AND (\(filter.customerID)::text IS NULL OR customer_id = \(filter.customerID))
              AND (\(cursor?.createdAt)::timestamptz IS NULL OR (created_at, id) < (\(cursor?.createdAt), \(cursor?.id)))
            ORDER BY created_at DESC, id DESC
            LIMIT \(limit)
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
            WHERE customer_id = \(customerID) AND stage NOT IN ('paid', 'lost')
              AND (owner_id IS DISTINCT FROM COALESCE(\(ownerID), owner_id) OR region <> \(region))
            """,
            logger: logger
        )
    }

    static func decode(_ row: PostgresRow) throws -> Deal {
        let cells = row.makeRandomAccess()
        let stage = try cells["stage"].decode(String.self)
        let lostFrom = try cells["lost_from_stage"].decode(String?.self)
        // The table's CHECK constraint admits only known stages.
        guard let dealStage = DealStage(rawValue: stage) else { throw Problem.internalError() }
        return Deal(
            id: try cells["id"].decode(UUID.self),
            customerID: try cells["customer_id"].decode(String.self),
            customerName: try cells["customer_name"].decode(String.self),
            ownerID: try cells["owner_id"].decode(String.self),
            region: try cells["region"].decode(String.self),
            title: try cells["title"].decode(String.self),
            expectedAmountFen: try cells["expected_amount_fen"].decode(Int64.self),
            expectedCloseDate: try cells["expected_close_date"].decode(String.self),
            stage: dealStage,
            lostReason: try cells["lost_reason"].decode(String?.self),
            lostFromStage: lostFrom.flatMap(DealStage.init(rawValue:)),
            version: try cells["version"].decode(Int64.self),
            createdBy: try cells["created_by"].decode(String.self),
            createdAt: try cells["created_at"].decode(Date.self),
            updatedAt: try cells["updated_at"].decode(Date.self)
        )
    }
}

/// A position in a newest-first list: the last item's creation time and id, as an opaque token.
struct PageCursor: Sendable, Equatable {
    var createdAt: Date
    var id: UUID

    /// base64url of `<microseconds>:<uuid>`, the same shape as the customers list's cursor.
    var token: String {
        let micros = Int64((createdAt.timeIntervalSince1970 * 1_000_000).rounded())
        return Data("\(micros):\(id.uuidString.lowercased())".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    init(createdAt: Date, id: UUID) {
        self.createdAt = createdAt
        self.id = id
    }

    init?(token: String) {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: ":")
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else { return nil }
        self.init(createdAt: Date(timeIntervalSince1970: Double(micros) / 1_000_000), id: id)
    }
}
