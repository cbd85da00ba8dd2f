import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// Discount limits per role and the discount approvals of quote versions (migration 0012).
struct DiscountRepository: Sendable {
    let logger: Logger

    /// Every role's limit, in ``DiscountRules/roles`` order.
    func limits(on connection: PostgresConnection) async throws -> [DiscountLimit] {
        let rows = try await connection.query(
            "SELECT role, max_basis_points, updated_by, updated_at FROM discount_limits",
            logger: logger
        )
        var byRole: [Role: DiscountLimit] = [:]
        for try await (role, basisPoints, updatedBy, updatedAt) in rows.decode((String, Int64?, String?, Date?).self) {
            let role = try Role(stored: role, column: "discount_limits.role")
            byRole[role] = DiscountLimit(role: role, maxDiscountBasisPoints: basisPoints, updatedBy: updatedBy, updatedAt: updatedAt)
        }
        return DiscountRules.roles.compactMap { byRole[$0] }
    }

    /// The limit of `role` in basis points: `.some(nil)` for unlimited, `nil` for a role without a limit row, which has
    /// no discount authority.
    func limit(for role: Role, on connection: PostgresConnection) async throws -> Int64?? {
        let rows = try await connection.query(
            "SELECT max_basis_points FROM discount_limits WHERE role = \(role.rawValue)",
            logger: logger
        )
        for try await basisPoints in rows.decode(Int64?.self) { return .some(basisPoints) }
        return nil
    }

    /// Sets each role's limit; the rows are locked in role order, so two admins' changes apply one after the other.
    func replace(_ limits: [Role: Int64?], by userID: String, at time: Date, on connection: PostgresConnection) async throws {
        for role in DiscountRules.roles {
            guard let basisPoints = limits[role] else { continue }
            try await connection.query(
                """
                INSERT INTO discount_limits (role, max_basis_points, updated_by, updated_at)
                VALUES (\(role.rawValue), \(basisPoints), \(userID), \(time))
                ON CONFLICT (role) DO UPDATE SET max_basis_points = EXCLUDED.max_basis_points,
                    updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
                """,
                logger: logger
            )
        }
    }

    static let columns = """
        quote_id, deal_id, status, limit_basis_points, max_discount_basis_points, list_total_fen, discount_fen, approval_id,
        decided_at, decision_comment, requested_by, requested_at, updated_at
        """

    func insert(_ discount: QuoteDiscount, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO quote_discount_approvals (quote_id, deal_id, status, limit_basis_points, max_discount_basis_points,
                list_total_fen, discount_fen, approval_id, decided_at, decision_comment, requested_by, requested_at, updated_at)
            VALUES (\(discount.quoteID), \(discount.dealID), \(discount.status.rawValue), \(discount.limitBasisPoints),
                \(discount.maxDiscountBasisPoints), \(discount.listTotalFen), \(discount.discountFen), \(discount.approvalID),
                \(discount.decidedAt), \(discount.decisionComment), \(discount.requestedBy), \(discount.requestedAt), \(discount.updatedAt))
            """,
            logger: logger
        )
    }

    /// Writes the outcome of the approval.
    func updateStatus(_ discount: QuoteDiscount, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE quote_discount_approvals SET status = \(discount.status.rawValue), approval_id = \(discount.approvalID),
                decided_at = \(discount.decidedAt), decision_comment = \(discount.decisionComment), updated_at = \(discount.updatedAt)
            WHERE quote_id = \(discount.quoteID)
            """,
            logger: logger
        )
    }

    func find(quoteID: RecordID, on connection: PostgresConnection, forUpdate: Bool) async throws -> QuoteDiscount? {
        let rows =
            forUpdate
            ? try await connection.query(
                "SELECT \(unescaped: Self.columns) FROM quote_discount_approvals WHERE quote_id = \(quoteID) FOR UPDATE",
                logger: logger
            )
            : try await connection.query(
                "SELECT \(unescaped: Self.columns) FROM quote_discount_approvals WHERE quote_id = \(quoteID)",
                logger: logger
            )
        for try await row in rows { return try Self.decode(row) }
        return nil
    }

    /// The discount approvals of these versions, by version id (versions within their limit have none).
    func find(quoteIDs: [RecordID], on connection: PostgresConnection) async throws -> [RecordID: QuoteDiscount] {
        guard !quoteIDs.isEmpty else { return [:] }
        let ids = quoteIDs.map(\.uuid)
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM quote_discount_approvals WHERE quote_id = ANY(\(ids)::uuid[])",
            logger: logger
        )
        var found: [RecordID: QuoteDiscount] = [:]
        for try await row in rows {
            let discount = try Self.decode(row)
            found[discount.quoteID] = discount
        }
        return found
    }

    /// Attaches each version's discount approval, if it has one.
    func attach(to versions: [Quote.Version], on connection: PostgresConnection) async throws -> [Quote.Version] {
        let found = try await find(quoteIDs: versions.map(\.id), on: connection)
        return versions.map { version in
            var version = version
            version.discount = found[version.id]
            return version
        }
    }

    static func decode(_ row: PostgresRow) throws -> QuoteDiscount {
        let cells = row.makeRandomAccess()
        return QuoteDiscount(
            quoteID: try cells["quote_id"].decode(RecordID.self),
            dealID: try cells["deal_id"].decode(RecordID.self),
            status: try QuoteDiscount.Status(stored: try cells["status"].decode(String.self), column: "quote_discount_approvals.status"),
            limitBasisPoints: try cells["limit_basis_points"].decode(Int64.self),
            maxDiscountBasisPoints: try cells["max_discount_basis_points"].decode(Int64.self),
            listTotalFen: try cells["list_total_fen"].decode(Int64.self),
            discountFen: try cells["discount_fen"].decode(Int64.self),
            approvalID: try cells["approval_id"].decode(String?.self),
            decidedAt: try cells["decided_at"].decode(Date?.self),
            decisionComment: try cells["decision_comment"].decode(String?.self),
            requestedBy: try cells["requested_by"].decode(String.self),
            requestedAt: try cells["requested_at"].decode(Date.self),
            updatedAt: try cells["updated_at"].decode(Date.self)
        )
    }
}
