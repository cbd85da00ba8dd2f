import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// An installment as stored, with what its receipts paid on it.
struct StoredInstallment: Sendable, Equatable {
    var id: RecordID
    var sequence: Int
    var label: String
    var amountFen: Fen
    var dueOn: CalendarDay?
    var dueAfterDeliveryDays: Int?
    var writtenOffFen: Fen
    var writtenOffReason: String?
    var writtenOffBy: String?
    var writtenOffAt: Date?
    /// Allocations of receipts that were not reversed.
    var paidFen: Fen
    /// Whether any receipt, reversed or not, was ever allocated to it.
    var hasAllocations: Bool

    var outstandingFen: Fen { amountFen - paidFen - writtenOffFen }

    /// The installment's due rule: after delivery when it follows the delivery (even once dated from it).
    var due: InstallmentDue {
        if let days = dueAfterDeliveryDays { return .afterDelivery(days: days) }
        return .on(dueOn ?? CalendarDay(year: 1970, month: 1, day: 1))
    }

    /// The day it falls due, if known: one that follows the delivery is dated from the contract's delivery day.
    func dueDay(deliveredOn: CalendarDay?) -> CalendarDay? {
        if let days = dueAfterDeliveryDays { return deliveredOn.map { PaymentPlan.day($0, plus: days) } ?? dueOn }
        return dueOn
    }
}

/// A receipt as stored, with its allocations.
struct StoredReceipt: Sendable, Equatable {
    var id: RecordID
    var contractID: RecordID
    var amountFen: Fen
    var receivedOn: String
    var method: String
    var reference: String?
    var recordedBy: String
    var recordedAt: Date
    var reversedAt: Date?
    var reversedBy: String?
    var reversalReason: String?
    var allocations: [(installmentID: RecordID, amountFen: Fen)]

    static func == (lhs: StoredReceipt, rhs: StoredReceipt) -> Bool { lhs.id == rhs.id }
}

/// A line of the payment plan's audit trail.
struct PlanChange: Sendable, Equatable {
    var kind: String
    var changedBy: String
    var changedAt: Date
}

/// Payment plans, receipts, their allocations and write-offs of signed contracts (migration 0005, 0007).
struct PaymentRepository: Sendable {
    let logger: Logger

    /// What is left to collect on a contract (the one rule for it): its amount less what receipts that are not
    /// reversed allocated to its installments and what was written off. A contract without a plan yet owes it all.
    func outstandingFen(of contract: Contract, on connection: PostgresConnection) async throws -> Fen {
        let installments = try await installments(contractID: contract.id, on: connection)
        return contract.amountFen - installments.reduce(0) { $0 + $1.paidFen + $1.writtenOffFen }
    }

    /// The contract's installments in plan order.
    func installments(contractID: RecordID, on connection: PostgresConnection) async throws -> [StoredInstallment] {
        let rows = try await connection.query(
            """
            SELECT i.id, i.sequence, i.label, i.amount_fen, to_char(i.due_on, 'YYYY-MM-DD') AS due_on, i.due_after_delivery_days,
                   i.written_off_fen, i.written_off_reason, i.written_off_by, i.written_off_at,
                   COALESCE((SELECT sum(a.amount_fen) FROM receipt_allocations a JOIN receipts r ON r.id = a.receipt_id
                             WHERE a.installment_id = i.id AND r.reversed_at IS NULL), 0)::bigint AS paid_fen,
                   EXISTS (SELECT 1 FROM receipt_allocations a WHERE a.installment_id = i.id) AS has_allocations
            FROM payment_installments i
            WHERE i.contract_id = \(contractID)
            ORDER BY i.sequence
            """,
            logger: logger
        )
        var installments: [StoredInstallment] = []
        for try await row in rows {
            let cells = row.makeRandomAccess()
            installments.append(
                StoredInstallment(
                    id: try cells["id"].decode(RecordID.self),
                    sequence: try cells["sequence"].decode(Int.self),
                    label: try cells["label"].decode(String.self),
                    amountFen: try cells["amount_fen"].decode(Int64.self),
                    dueOn: try cells["due_on"].decode(String?.self).flatMap { CalendarDay($0) },
                    dueAfterDeliveryDays: try cells["due_after_delivery_days"].decode(Int?.self),
                    writtenOffFen: try cells["written_off_fen"].decode(Int64.self),
                    writtenOffReason: try cells["written_off_reason"].decode(String?.self),
                    writtenOffBy: try cells["written_off_by"].decode(String?.self),
                    writtenOffAt: try cells["written_off_at"].decode(Date?.self),
                    paidFen: try cells["paid_fen"].decode(Int64.self),
                    hasAllocations: try cells["has_allocations"].decode(Bool.self)
                )
            )
        }
        return installments
    }

    /// Writes the installment at `planned.sequence`: updates the one with that sequence (`existing`) or adds one.
    /// A due rule after delivery is dated at once when the contract is already delivered.
    func save(
        _ planned: PlannedInstallment,
        existing: RecordID?,
        contractID: RecordID,
        deliveredOn: CalendarDay?,
        at time: Date,
        on connection: PostgresConnection
    ) async throws {
        let dueOn: String?
        let days: Int?
        switch planned.due {
        case .on(let day):
            dueOn = day.description
            days = nil
        case .afterDelivery(let after):
            dueOn = planned.due.day(deliveredOn: deliveredOn)?.description
            days = after
        }
        if let existing {
            try await connection.query(
                """
                UPDATE payment_installments SET label = \(planned.label), amount_fen = \(planned.amountFen), due_on = \(dueOn)::date,
                    due_after_delivery_days = \(days)
                WHERE id = \(existing)
                """,
                logger: logger
            )
        } else {
            try await connection.query(
                """
                INSERT INTO payment_installments (id, contract_id, sequence, label, amount_fen, due_on, due_after_delivery_days, created_at)
                VALUES (\(RecordID()), \(contractID), \(planned.sequence), \(planned.label), \(planned.amountFen), \(dueOn)::date, \(days), \(time))
                """,
                logger: logger
            )
        }
    }

    /// Removes installments past the new plan's length (the caller checked that nothing was ever settled on them).
    func remove(contractID: RecordID, after sequence: Int, on connection: PostgresConnection) async throws {
        try await connection.query(
            "DELETE FROM payment_installments WHERE contract_id = \(contractID) AND sequence > \(sequence)",
            logger: logger
        )
    }

    /// Appends a line to the plan's audit trail, with the plan after the change.
    func recordPlanChange(
        contractID: RecordID,
        kind: String,
        by actor: String,
        at time: Date,
        installments: [InstallmentSnapshot],
        on connection: PostgresConnection
    ) async throws {
        let json = String(decoding: try JSONCoding.encoder.encode(installments), as: UTF8.self)
        try await connection.query(
            """
            INSERT INTO payment_plan_changes (contract_id, kind, changed_by, changed_at, installments)
            VALUES (\(contractID), \(kind), \(actor), \(time), \(json)::jsonb)
            """,
            logger: logger
        )
    }

    /// The plan's audit trail, newest first.
    func planChanges(contractID: RecordID, on connection: PostgresConnection) async throws -> [PlanChange] {
        let rows = try await connection.query(
            """
            SELECT kind, changed_by, changed_at FROM payment_plan_changes WHERE contract_id = \(contractID)
            ORDER BY changed_at DESC, id DESC LIMIT 50
            """,
            logger: logger
        )
        var changes: [PlanChange] = []
        for try await (kind, by, at) in rows.decode((String, String, Date).self) {
            changes.append(PlanChange(kind: kind, changedBy: by, changedAt: at))
        }
        return changes
    }

    /// Takes the next `sequence` of the contract's events: payment events share the contract's version with its
    /// other events, so a consumer sees one strictly increasing sequence per contract.
    func nextContractSequence(contractID: RecordID, at time: Date, on connection: PostgresConnection) async throws -> Int64 {
        let rows = try await connection.query(
            "UPDATE contracts SET version = version + 1, updated_at = \(time) WHERE id = \(contractID) RETURNING version",
            logger: logger
        )
        for try await (version) in rows.decode(Int64.self) { return version }
        throw Problem.internalError()
    }

    /// The contract's receipts, newest first, with their allocations.
    func receipts(contractID: RecordID, on connection: PostgresConnection) async throws -> [StoredReceipt] {
        let rows = try await connection.query(
            "\(unescaped: Self.receiptSelect) WHERE r.contract_id = \(contractID) ORDER BY r.recorded_at DESC, r.id DESC",
            logger: logger
        )
        var receipts: [StoredReceipt] = []
        for try await row in rows { receipts.append(try Self.decodeReceipt(row)) }
        let allocations = try await connection.query(
            """
            SELECT a.receipt_id, a.installment_id, a.amount_fen
            FROM receipt_allocations a JOIN receipts r ON r.id = a.receipt_id JOIN payment_installments i ON i.id = a.installment_id
            WHERE r.contract_id = \(contractID)
            ORDER BY i.sequence
            """,
            logger: logger
        )
        var byReceipt: [RecordID: [(installmentID: RecordID, amountFen: Fen)]] = [:]
        for try await (receipt, installment, amount) in allocations.decode((RecordID, RecordID, Int64).self) {
            byReceipt[receipt, default: []].append((installment, amount))
        }
        for index in receipts.indices { receipts[index].allocations = byReceipt[receipts[index].id] ?? [] }
        return receipts
    }

    /// A receipt by id, without its allocations.
    func receipt(id: RecordID, on connection: PostgresConnection) async throws -> StoredReceipt? {
        let rows = try await connection.query("\(unescaped: Self.receiptSelect) WHERE r.id = \(id)", logger: logger)
        for try await row in rows { return try Self.decodeReceipt(row) }
        return nil
    }

    /// The contract an installment belongs to.
    func contractOf(installment id: RecordID, on connection: PostgresConnection) async throws -> RecordID? {
        let rows = try await connection.query("SELECT contract_id FROM payment_installments WHERE id = \(id)", logger: logger)
        for try await (contract) in rows.decode(RecordID.self) { return contract }
        return nil
    }

    func insertReceipt(_ receipt: StoredReceipt, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO receipts (id, contract_id, amount_fen, received_on, method, reference, recorded_by, recorded_at)
            VALUES (\(receipt.id), \(receipt.contractID), \(receipt.amountFen), \(receipt.receivedOn)::date, \(receipt.method), \(receipt.reference),
                    \(receipt.recordedBy), \(receipt.recordedAt))
            """,
            logger: logger
        )
        for allocation in receipt.allocations {
            try await connection.query(
                """
                INSERT INTO receipt_allocations (receipt_id, installment_id, amount_fen)
                VALUES (\(receipt.id), \(allocation.installmentID), \(allocation.amountFen))
                """,
                logger: logger
            )
        }
    }

    func reverse(receipt id: RecordID, reason: String, by actor: String, at time: Date, on connection: PostgresConnection) async throws {
        try await connection.query(
            "UPDATE receipts SET reversed_at = \(time), reversed_by = \(actor), reversal_reason = \(reason) WHERE id = \(id)",
            logger: logger
        )
    }

    func writeOff(
        installment id: RecordID,
        amountFen: Fen,
        reason: String,
        by actor: String,
        at time: Date,
        on connection: PostgresConnection
    )
        async throws
    {
        try await connection.query(
            """
            UPDATE payment_installments SET written_off_fen = written_off_fen + \(amountFen), written_off_reason = \(reason),
                written_off_by = \(actor), written_off_at = \(time)
            WHERE id = \(id)
            """,
            logger: logger
        )
    }

    static let receiptSelect = """
        SELECT r.id, r.contract_id, r.amount_fen, to_char(r.received_on, 'YYYY-MM-DD') AS received_on, r.method, r.reference, r.recorded_by,
               r.recorded_at, r.reversed_at, r.reversed_by, r.reversal_reason
        FROM receipts r
        """

    static func decodeReceipt(_ row: PostgresRow) throws -> StoredReceipt {
        let cells = row.makeRandomAccess()
        return StoredReceipt(
            id: try cells["id"].decode(RecordID.self),
            contractID: try cells["contract_id"].decode(RecordID.self),
            amountFen: try cells["amount_fen"].decode(Int64.self),
            receivedOn: try cells["received_on"].decode(String.self),
            method: try cells["method"].decode(String.self),
            reference: try cells["reference"].decode(String?.self),
            recordedBy: try cells["recorded_by"].decode(String.self),
            recordedAt: try cells["recorded_at"].decode(Date.self),
            reversedAt: try cells["reversed_at"].decode(Date?.self),
            reversedBy: try cells["reversed_by"].decode(String?.self),
            reversalReason: try cells["reversal_reason"].decode(String?.self),
            allocations: []
        )
    }
}
