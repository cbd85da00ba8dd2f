import Contracts
import Foundation
import Logging
import PostgresNIO

/// The daily digest's replicas (pending approvals, follow-ups, overdue installments, customer names) and the reads
/// that build each user's ``DailyDigest``.
struct DigestRepository: Sendable {
    let logger: Logger

    // MARK: Replicas

    func stepAssigned(_ event: ApprovalStepAssigned, on connection: PostgresConnection) async throws {
        // A later step (or the same step reassigned later) replaces the current one; a completed approval stays ended.
        try await connection.query(
            """
            INSERT INTO pending_approvals AS p (approval_id, approver_id, step, step_count, contract_number, customer_name, amount_fen, assigned_at)
            VALUES (\(event.approvalID), \(event.approverID), \(event.step), \(event.stepCount), \(event.contractNumber),
                    \(event.customerName), \(event.amountFen), \(event.assignedAt))
            ON CONFLICT (approval_id) DO UPDATE SET approver_id = EXCLUDED.approver_id, step = EXCLUDED.step,
                step_count = EXCLUDED.step_count, assigned_at = EXCLUDED.assigned_at
            WHERE NOT p.completed AND (p.step, p.assigned_at) <= (EXCLUDED.step, EXCLUDED.assigned_at)
            """,
            logger: logger
        )
    }

    func completed(_ event: ApprovalCompleted, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO pending_approvals (approval_id, approver_id, step, step_count, contract_number, customer_name, amount_fen, assigned_at, completed)
            VALUES (\(event.approvalID), NULL, 0, 0, \(event.contractNumber), '', 0, \(event.completedAt), true)
            ON CONFLICT (approval_id) DO UPDATE SET completed = true
            """,
            logger: logger
        )
    }

    func visit(_ visit: VisitSnapshot, on connection: PostgresConnection) async throws {
        let due = visit.nextFollowUpOn.flatMap { CalendarDay($0) }?.description
        try await connection.query(
            """
            INSERT INTO follow_ups AS f (customer_id, rep_id, visit_id, checked_in_at, due_on)
            VALUES (\(visit.customerID), \(visit.repID), \(visit.id), \(visit.checkedInAt), \(due)::date)
            ON CONFLICT (customer_id) DO UPDATE SET rep_id = EXCLUDED.rep_id, visit_id = EXCLUDED.visit_id,
                checked_in_at = EXCLUDED.checked_in_at, due_on = EXCLUDED.due_on
            WHERE (f.checked_in_at, f.visit_id) <= (EXCLUDED.checked_in_at, EXCLUDED.visit_id)
            """,
            logger: logger
        )
    }

    func customer(_ customer: CustomerSnapshot, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO customer_names AS c (customer_id, name, version) VALUES (\(customer.id), \(customer.name), \(customer.version))
            ON CONFLICT (customer_id) DO UPDATE SET name = EXCLUDED.name, version = EXCLUDED.version WHERE c.version < EXCLUDED.version
            """,
            logger: logger
        )
    }

    func overdue(_ event: PaymentOverdue, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO overdue_installments (installment_id, owner_id, customer_name, contract_number, label, due_on, outstanding_fen)
            VALUES (\(event.installmentID), \(event.party.ownerID), \(event.party.customerName), \(event.contractNumber), \(event.label),
                    \(event.dueOn)::date, \(event.outstandingFen))
            ON CONFLICT (installment_id) DO UPDATE SET owner_id = EXCLUDED.owner_id, outstanding_fen = EXCLUDED.outstanding_fen
            """,
            logger: logger
        )
    }

    func received(_ event: ReceiptRecorded, on connection: PostgresConnection) async throws {
        for allocation in event.allocations {
            try await connection.query(
                """
                UPDATE overdue_installments SET outstanding_fen = GREATEST(outstanding_fen - \(allocation.amountFen), 0)
                WHERE installment_id = \(allocation.installmentID)
                """,
                logger: logger
            )
        }
    }

    func writtenOff(_ event: InstallmentWrittenOff, on connection: PostgresConnection) async throws {
        try await connection.query("DELETE FROM overdue_installments WHERE installment_id = \(event.installmentID)", logger: logger)
    }

    // MARK: Reads for the digest

    /// Everyone something may wait for, active or not yet known to the org replica.
    func candidates(on connection: PostgresConnection) async throws -> [String] {
        let rows = try await connection.query(
            """
            SELECT u FROM (
                SELECT approver_id AS u FROM pending_approvals WHERE NOT completed AND approver_id IS NOT NULL
                UNION SELECT rep_id FROM follow_ups WHERE due_on IS NOT NULL
                UNION SELECT owner_id FROM overdue_installments WHERE outstanding_fen > 0
            ) users
            WHERE NOT EXISTS (SELECT 1 FROM org_replica o WHERE o.id = users.u AND NOT o.active)
            ORDER BY u
            """,
            logger: logger
        )
        var users: [String] = []
        for try await user in rows.decode(String.self) { users.append(user) }
        return users
    }

    func approvals(of userID: String, on connection: PostgresConnection) async throws -> [DailyDigest.PendingApproval] {
        let rows = try await connection.query(
            """
            SELECT approval_id, contract_number, customer_name, amount_fen, step, step_count FROM pending_approvals
            WHERE approver_id = \(userID) AND NOT completed ORDER BY assigned_at, approval_id
            """,
            logger: logger
        )
        var items: [DailyDigest.PendingApproval] = []
        for try await (id, number, customer, amount, step, count) in rows.decode((String, String, String, Int64, Int, Int).self) {
            items.append(.init(approvalID: id, contractNumber: number, customerName: customer, amountFen: amount, step: step, stepCount: count))
        }
        return items
    }

    /// The user's follow-ups due on or before `today`.
    func followUps(of userID: String, dueBy today: CalendarDay, on connection: PostgresConnection) async throws -> [DailyDigest.FollowUp] {
        let rows = try await connection.query(
            """
            SELECT f.customer_id, c.name, to_char(f.due_on, 'YYYY-MM-DD') FROM follow_ups f
            LEFT JOIN customer_names c ON c.customer_id = f.customer_id
            WHERE f.rep_id = \(userID) AND f.due_on <= \(today.description)::date
            """,
            logger: logger
        )
        var items: [DailyDigest.FollowUp] = []
        for try await (customer, name, due) in rows.decode((String, String?, String).self) {
            guard let day = CalendarDay(due) else { continue }
            items.append(.init(customerID: customer, customerName: name, dueOn: day))
        }
        return items
    }

    func receivables(of userID: String, on connection: PostgresConnection) async throws -> [DailyDigest.Receivable] {
        let rows = try await connection.query(
            """
            SELECT customer_name, contract_number, label, to_char(due_on, 'YYYY-MM-DD'), outstanding_fen FROM overdue_installments
            WHERE owner_id = \(userID) AND outstanding_fen > 0 ORDER BY due_on, installment_id
            """,
            logger: logger
        )
        var items: [DailyDigest.Receivable] = []
        for try await (customer, contract, label, due, outstanding) in rows.decode((String, String?, String, String, Int64).self) {
            guard let day = CalendarDay(due) else { continue }
            items.append(.init(customerName: customer, contractNumber: contract, label: label, dueOn: day, outstandingFen: outstanding))
        }
        return items
    }

    /// Titles of the user's re-purchase reminders created in the day before `occurrence`.
    func reminderTitles(of userID: String, before occurrence: Date, on connection: PostgresConnection) async throws -> [String] {
        let rows = try await connection.query(
            """
            SELECT title FROM notifications
            WHERE user_id = \(userID) AND kind = \(RepurchaseReminderHandler.kind)
              AND created_at > \(occurrence)::timestamptz - interval '1 day' AND created_at <= \(occurrence)
            ORDER BY created_at, id
            """,
            logger: logger
        )
        var titles: [String] = []
        for try await title in rows.decode(String.self) { titles.append(title) }
        return titles
    }

    /// The user's pushes held overnight whose content the digest carries: marked `digested` instead of sent.
    /// Urgent ones are never touched; rows being sent right now are skipped.
    func digestHeldPushes(of userID: String, heldUntil occurrence: Date, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE deliveries SET status = 'digested'
            WHERE id IN (
                SELECT id FROM deliveries
                WHERE recipient = \(userID) AND status = 'pending' AND attempts = 0 AND NOT urgent
                  AND held_until IS NOT NULL AND held_until <= \(occurrence)
                  AND kind IN (\(ApprovalStepAssigned.eventType), \(PaymentOverdueHandler.kind), \(RepurchaseReminderHandler.kind))
                FOR UPDATE SKIP LOCKED
            )
            """,
            logger: logger
        )
    }
}
