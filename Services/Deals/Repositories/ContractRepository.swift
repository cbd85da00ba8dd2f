import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// List filters for contracts; `nil` means "any".
struct ContractFilter: Sendable, Equatable {
    var status: Contract.Status?
    var dealID: RecordID?
    /// The deal owner's user id: narrows the caller's scope, never widens it.
    var ownerID: String?
}

/// Contracts. Customer, owner and region come from the contract's deal, so a transfer moves both together.
struct ContractRepository: Sendable {
    let logger: Logger

    static let select = """
        SELECT c.id, c.number, c.deal_id, c.quote_id, c.quote_version, c.lines::text AS lines, c.amount_fen, c.cost_fen, c.status,
               c.version, c.submitted_by, c.submitted_at, c.decided_at, c.decision_comment, c.signed_at, c.created_by, c.created_at,
               c.updated_at, d.customer_id, d.customer_name, d.owner_id, d.region, c.ends_on::text AS ends_on
        FROM contracts c JOIN deals d ON d.id = c.deal_id
        """

    /// The next contract number; the sequence never hands out a number twice, even across rolled-back transactions.
    func nextNumber(at date: Date, on connection: PostgresConnection) async throws -> String {
        let rows = try await connection.query("SELECT nextval('contract_number_seq')", logger: logger)
        for try await (sequence) in rows.decode(Int64.self) {
            return ContractRules.number(year: BusinessCalendar.year(of: date), sequence: sequence)
        }
        throw Problem.internalError()
    }

    func insert(_ contract: Contract, on connection: PostgresConnection) async throws {
        let lines = String(decoding: try JSONCoding.encoder.encode(contract.lines), as: UTF8.self)
        try await connection.query(
            """
            INSERT INTO contracts (id, number, deal_id, quote_id, quote_version, lines, amount_fen, cost_fen, status, version,
                                   created_by, created_at, updated_at, ends_on)
            VALUES (\(contract.id), \(contract.number), \(contract.dealID), \(contract.quoteID), \(contract.quoteVersion), \(lines)::jsonb,
                    \(contract.amountFen), \(contract.costFen), \(contract.status.rawValue), \(contract.version), \(contract.createdBy),
                    \(contract.createdAt), \(contract.updatedAt), \(contract.endsOn)::date)
            """,
            logger: logger
        )
    }

    /// Writes the mutable part of a contract: its status and what happened to it.
    func updateStatus(_ contract: Contract, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE contracts SET status = \(contract.status.rawValue), version = \(contract.version), submitted_by = \(contract.submittedBy),
                submitted_at = \(contract.submittedAt), decided_at = \(contract.decidedAt), decision_comment = \(contract.decisionComment),
                signed_at = \(contract.signedAt), updated_at = \(contract.updatedAt)
            WHERE id = \(contract.id)
            """,
            logger: logger
        )
    }

    func find(id: RecordID, on connection: PostgresConnection, forUpdate: Bool) async throws -> Contract? {
        let rows =
            forUpdate
            ? try await connection.query("\(unescaped: Self.select) WHERE c.id = \(id) FOR UPDATE OF c", logger: logger)
            : try await connection.query("\(unescaped: Self.select) WHERE c.id = \(id)", logger: logger)
        for try await row in rows { return try Self.decode(row) }
        return nil
    }

    /// Whether the deal has a signed contract (the condition of the `contract` stage).
    func hasSigned(dealID: RecordID, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            "SELECT 1 FROM contracts WHERE deal_id = \(dealID) AND status = 'signed' LIMIT 1",
            logger: logger
        )
        for try await _ in rows { return true }
        return false
    }

    /// The contracts in `scope` matching `filter`, newest first. The owner is the contract's copy of its deal's
    /// (`contracts.owner_id`, kept by deals migration 0013's triggers), which pages on its own index.
    func list(_ filter: ContractFilter, scope: DataScope, page: PageRequest, on connection: PostgresConnection) async throws -> [Contract] {
        let cursor = page.cursor
        let rows = try await connection.query(
            """
            \(unescaped: Self.select)
            WHERE (\(scope.soleOwnerID)::text IS NOT NULL OR \(scope.ownerIDs)::text[] IS NULL OR c.owner_id = ANY(\(scope.ownerIDs)::text[]))
              AND (\(scope.soleOwnerID)::text IS NULL OR c.owner_id = \(scope.soleOwnerID))
              AND (\(scope.region)::text IS NULL OR d.region = \(scope.region))
              AND (\(filter.status?.rawValue)::text IS NULL OR c.status = \(filter.status?.rawValue))
              AND (\(filter.dealID)::uuid IS NULL OR c.deal_id = \(filter.dealID))
              AND (\(filter.ownerID)::text IS NULL OR c.owner_id = \(filter.ownerID))
              AND (\(cursor?.boundTime)::timestamptz IS NULL OR (c.created_at, c.id) < (\(cursor?.boundTime), \(cursor?.id)))
            ORDER BY c.created_at DESC, c.id DESC
            LIMIT \(page.fetchLimit)
            """,
            logger: logger
        )
        var contracts: [Contract] = []
        for try await row in rows { contracts.append(try Self.decode(row)) }
        return contracts
    }

    static func decode(_ row: PostgresRow) throws -> Contract {
        let cells = row.makeRandomAccess()
        let lines = try cells["lines"].decode(String.self)
        let status = try Contract.Status(stored: try cells["status"].decode(String.self), column: "contracts.status")
        var contract = Contract(
            id: try cells["id"].decode(RecordID.self),
            number: try cells["number"].decode(String.self),
            dealID: try cells["deal_id"].decode(RecordID.self),
            quoteID: try cells["quote_id"].decode(RecordID.self),
            quoteVersion: try cells["quote_version"].decode(Int.self),
            lines: try JSONCoding.decoder.decode([PricedLine].self, from: Data(lines.utf8)),
            amountFen: try cells["amount_fen"].decode(Int64.self),
            costFen: try cells["cost_fen"].decode(Int64.self),
            status: status,
            version: try cells["version"].decode(Int64.self),
            submittedBy: try cells["submitted_by"].decode(String?.self),
            submittedAt: try cells["submitted_at"].decode(Date?.self),
            decidedAt: try cells["decided_at"].decode(Date?.self),
            decisionComment: try cells["decision_comment"].decode(String?.self),
            signedAt: try cells["signed_at"].decode(Date?.self),
            createdBy: try cells["created_by"].decode(String.self),
            createdAt: try cells["created_at"].decode(Date.self),
            updatedAt: try cells["updated_at"].decode(Date.self),
            customerID: try cells["customer_id"].decode(String.self),
            customerName: try cells["customer_name"].decode(String.self),
            ownerID: try cells["owner_id"].decode(String.self),
            region: try cells["region"].decode(String.self)
        )
        contract.endsOn = try cells["ends_on"].decode(String?.self)
        return contract
    }
}
