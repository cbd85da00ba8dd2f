import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// List filters for expense claims; `nil` means "any".
struct ExpenseClaimFilter: Sendable, Equatable {
    var status: ExpenseClaim.Status?
    /// The claim owner's user id: narrows the caller's scope, never widens it.
    var ownerID: String?
}

/// Expense claims (issue 12).
struct ExpenseClaimRepository: Sendable {
    let logger: Logger

    static let columns = """
        id, number, owner_id, region, category, amount_fen, spent_on::text, description, customer_id, customer_name, deal_id, status,
        version, submitted_by, submitted_at, approval_id, decided_at, decision_comment, paid_by, paid_at, created_by, created_at, updated_at
        """

    /// The next claim number; the sequence never hands out a number twice, even across rolled-back transactions.
    func nextNumber(at date: Date, on connection: PostgresConnection) async throws -> String {
        let rows = try await connection.query("SELECT nextval('expense_claim_number_seq')", logger: logger)
        for try await sequence in rows.decode(Int64.self) {
            return ExpenseClaimRules.number(year: BusinessCalendar.year(of: date), sequence: sequence)
        }
        throw Problem.internalError()
    }

    func insert(_ claim: ExpenseClaim, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO expense_claims (id, number, owner_id, region, category, amount_fen, spent_on, description, customer_id, customer_name,
                deal_id, status, version, created_by, created_at, updated_at)
            VALUES (\(claim.id), \(claim.number), \(claim.ownerID), \(claim.region), \(claim.category.rawValue), \(claim.amountFen),
                \(claim.spentOn)::date, \(claim.description), \(claim.customerID), \(claim.customerName), \(claim.dealID),
                \(claim.status.rawValue), \(claim.version), \(claim.createdBy), \(claim.createdAt), \(claim.updatedAt))
            """,
            logger: logger
        )
    }

    /// Writes the mutable part of a claim: its status and what happened to it.
    func updateStatus(_ claim: ExpenseClaim, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE expense_claims SET status = \(claim.status.rawValue), version = \(claim.version), submitted_by = \(claim.submittedBy),
                submitted_at = \(claim.submittedAt), approval_id = \(claim.approvalID), decided_at = \(claim.decidedAt),
                decision_comment = \(claim.decisionComment), paid_by = \(claim.paidBy), paid_at = \(claim.paidAt), updated_at = \(claim.updatedAt)
            WHERE id = \(claim.id)
            """,
            logger: logger
        )
    }

    func find(id: RecordID, on connection: PostgresConnection, forUpdate: Bool) async throws -> ExpenseClaim? {
        let rows =
            forUpdate
            ? try await connection.query("SELECT \(unescaped: Self.columns) FROM expense_claims WHERE id = \(id) FOR UPDATE", logger: logger)
            : try await connection.query("SELECT \(unescaped: Self.columns) FROM expense_claims WHERE id = \(id)", logger: logger)
        for try await row in rows { return try Self.decode(row) }
        return nil
    }

    /// The claims in `scope`, newest first, a page at a time.
    func list(_ filter: ExpenseClaimFilter, scope: DataScope, page: PageRequest, on connection: PostgresConnection) async throws -> [ExpenseClaim] {
        let cursor = page.cursor
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM expense_claims
            WHERE (\(scope.ownerIDs)::text[] IS NULL OR owner_id = ANY(\(scope.ownerIDs)::text[]))
              AND (\(scope.region)::text IS NULL OR region = \(scope.region))
              AND (\(filter.status?.rawValue)::text IS NULL OR status = \(filter.status?.rawValue))
              AND (\(filter.ownerID)::text IS NULL OR owner_id = \(filter.ownerID))
              AND (\(cursor?.boundTime)::timestamptz IS NULL OR (created_at, id) < (\(cursor?.boundTime), \(cursor?.id)))
            ORDER BY created_at DESC, id DESC
            LIMIT \(page.fetchLimit)
            """,
            logger: logger
        )
        var claims: [ExpenseClaim] = []
        for try await row in rows { claims.append(try Self.decode(row)) }
        return claims
    }

    static func decode(_ row: PostgresRow) throws -> ExpenseClaim {
        let (
            id, number, owner, region, category, amount, spentOn, description, customerID, customerName, dealID, status, version, submittedBy,
            submittedAt, approvalID, decidedAt, comment, paidBy, paidAt, createdBy, createdAt, updatedAt
        ) = try row.decode(
            (
                RecordID, String, String, String, String, Int64, String, String, String?, String?, String?, String, Int64, String?, Date?,
                String?, Date?, String?, String?, Date?, String, Date, Date
            ).self
        )
        return ExpenseClaim(
            id: id,
            number: number,
            ownerID: owner,
            region: region,
            category: try ExpenseCategory(stored: category, column: "expense_claims.category"),
            amountFen: amount,
            spentOn: spentOn,
            description: description,
            customerID: customerID,
            customerName: customerName,
            dealID: dealID,
            status: try ExpenseClaim.Status(stored: status, column: "expense_claims.status"),
            version: version,
            submittedBy: submittedBy,
            submittedAt: submittedAt,
            approvalID: approvalID,
            decidedAt: decidedAt,
            decisionComment: comment,
            paidBy: paidBy,
            paidAt: paidAt,
            createdBy: createdBy,
            createdAt: createdAt,
            updatedAt: updatedAt
        )
    }
}
