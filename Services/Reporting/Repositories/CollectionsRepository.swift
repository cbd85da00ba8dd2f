import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// Issue 11: the money of signed contracts (payment plans, receipts, reversals, write-offs) and the purchases of each
/// customer, as the true-margin report and the re-purchase expectations read them.
///
/// Every write is safe to repeat and to receive out of order: a plan is replaced only by a newer one (`sequence`, then
/// its time); receipts, reversals and write-offs are facts kept once, and a reversal is stored apart from its receipt
/// so the order they arrive in does not matter.
struct CollectionsRepository: Sendable {
    let logger: Logger

    // MARK: Projections

    /// Replaces the contract's plan unless a newer version of it is stored; fills the contract's customer if its
    /// `contract.signed` did not name one.
    func applyPlan(_ plan: PaymentPlanChanged, sequence: Int64, on connection: PostgresConnection) async throws {
        let party = plan.party
        let stored = try await connection.query(
            """
            INSERT INTO payment_plans (contract_id, customer_id, customer_name, owner_id, region, amount_fen, signed_at, sequence, changed_at)
            VALUES (\(party.contractID), \(party.customerID), \(party.customerName), \(party.ownerID), \(party.region), \(plan.amountFen),
                \(plan.signedAt), \(sequence), \(plan.at))
            ON CONFLICT (contract_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, customer_name = EXCLUDED.customer_name,
                owner_id = EXCLUDED.owner_id, region = EXCLUDED.region, amount_fen = EXCLUDED.amount_fen, signed_at = EXCLUDED.signed_at,
                sequence = EXCLUDED.sequence, changed_at = EXCLUDED.changed_at
            WHERE (payment_plans.sequence, payment_plans.changed_at) < (EXCLUDED.sequence, EXCLUDED.changed_at)
            RETURNING contract_id
            """,
            logger: logger
        )
        var replaced = false
        for try await _ in stored.decode(String.self) { replaced = true }
        try await fillCustomer(party, on: connection)
        guard replaced else { return }
        try await connection.query("DELETE FROM plan_installments WHERE contract_id = \(party.contractID)", logger: logger)
        for installment in plan.installments {
            try await connection.query(
                """
                INSERT INTO plan_installments (installment_id, contract_id, sequence, label, amount_fen, due_on)
                VALUES (\(installment.installmentID), \(party.contractID), \(installment.sequence), \(installment.label),
                    \(installment.amountFen), \(installment.dueOn)::date)
                ON CONFLICT (installment_id) DO UPDATE SET contract_id = EXCLUDED.contract_id, sequence = EXCLUDED.sequence,
                    label = EXCLUDED.label, amount_fen = EXCLUDED.amount_fen, due_on = EXCLUDED.due_on
                """,
                logger: logger
            )
        }
    }

    /// Keeps a receipt and its allocations (the first copy wins).
    func recordReceipt(_ receipt: ReceiptRecorded, on connection: PostgresConnection) async throws {
        let inserted = try await connection.query(
            """
            INSERT INTO collection_receipts (receipt_id, contract_id, amount_fen, received_on, method, recorded_at)
            VALUES (\(receipt.receiptID), \(receipt.party.contractID), \(receipt.amountFen), \(receipt.receivedOn)::date, \(receipt.method),
                \(receipt.at))
            ON CONFLICT (receipt_id) DO NOTHING
            RETURNING receipt_id
            """,
            logger: logger
        )
        var isNew = false
        for try await _ in inserted.decode(String.self) { isNew = true }
        try await fillCustomer(receipt.party, on: connection)
        guard isNew else { return }
        var byInstallment: [String: Fen] = [:]
        for allocation in receipt.allocations { byInstallment[allocation.installmentID, default: 0] += allocation.amountFen }
        for (installment, amount) in byInstallment.sorted(by: { $0.key < $1.key }) {
            try await connection.query(
                """
                INSERT INTO collection_allocations (receipt_id, installment_id, amount_fen)
                VALUES (\(receipt.receiptID), \(installment), \(amount))
                """,
                logger: logger
            )
        }
    }

    /// Marks a receipt reversed (the first reversal wins).
    func recordReversal(_ reversal: ReceiptReversed, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO receipt_reversals (receipt_id, contract_id, reversed_at)
            VALUES (\(reversal.receiptID), \(reversal.party.contractID), \(reversal.at))
            ON CONFLICT (receipt_id) DO NOTHING
            """,
            logger: logger
        )
    }

    /// Keeps an installment's write-off (once).
    func recordWriteOff(_ writeOff: InstallmentWrittenOff, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO installment_write_offs (installment_id, contract_id, amount_fen, written_off_at)
            VALUES (\(writeOff.installmentID), \(writeOff.party.contractID), \(writeOff.amountFen), \(writeOff.at))
            ON CONFLICT (installment_id) DO NOTHING
            """,
            logger: logger
        )
    }

    /// A contract signed before issue 11 named no customer; the collection events do.
    private func fillCustomer(_ party: ContractParty, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE signed_contracts SET customer_id = \(party.customerID), customer_name = COALESCE(customer_name, \(party.customerName))
            WHERE contract_id = \(party.contractID) AND customer_id IS NULL
            """,
            logger: logger
        )
    }

    // MARK: True margin

    /// The contracts signed in `period` within `scope`, with their lines and money (see ``TrueMargin``).
    func contracts(in period: ReportPeriod, scope: DataScope, on connection: PostgresConnection) async throws -> [TrueMargin.Contract] {
        let rows = try await connection.query(
            """
            SELECT c.contract_id, COALESCE(c.customer_id, d.customer_id),
                to_char(c.signed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), c.amount_fen
            FROM signed_contracts c LEFT JOIN deal_projection d ON d.deal_id = c.deal_id
            WHERE c.signed_at >= \(period.start) AND c.signed_at < \(period.end)
              AND (\(scope.ownerIDs)::text[] IS NULL OR c.owner_id = ANY(\(scope.ownerIDs)))
              AND (\(scope.region)::text IS NULL OR c.region = \(scope.region))
            ORDER BY c.contract_id
            """,
            logger: logger
        )
        var contracts: [String: TrueMargin.Contract] = [:]
        for try await (id, customer, signed, amount) in rows.decode((String, String?, String, Int64).self) {
            guard let day = CalendarDay(signed) else { continue }
            contracts[id] = TrueMargin.Contract(contractID: id, customerID: customer, signedOn: day, amountFen: amount, lines: [])
        }
        guard !contracts.isEmpty else { return [] }
        let ids = Array(contracts.keys)
        let lines = try await connection.query(
            """
            SELECT contract_id, product_line, amount_fen, cost_fen FROM signed_contract_lines
            WHERE contract_id = ANY(\(ids)) ORDER BY contract_id, line_no
            """,
            logger: logger
        )
        for try await (id, line, amount, cost) in lines.decode((String, String, Int64, Int64).self) {
            contracts[id]?.lines.append(TrueMargin.Line(productLine: line, amountFen: amount, costFen: cost))
        }
        let receipts = try await connection.query(
            """
            SELECT r.contract_id, r.amount_fen, r.received_on::text FROM collection_receipts r
            WHERE r.contract_id = ANY(\(ids)) AND NOT EXISTS (SELECT 1 FROM receipt_reversals v WHERE v.receipt_id = r.receipt_id)
            ORDER BY r.contract_id, r.received_on, r.receipt_id
            """,
            logger: logger
        )
        for try await (id, amount, received) in receipts.decode((String, Int64, String).self) {
            guard let day = CalendarDay(received) else { continue }
            contracts[id]?.receipts.append(TrueMargin.Receipt(amountFen: amount, receivedOn: day))
        }
        let installments = try await connection.query(
            """
            SELECT i.contract_id, i.amount_fen, i.due_on::text,
                COALESCE((SELECT sum(a.amount_fen) FROM collection_allocations a
                          WHERE a.installment_id = i.installment_id
                            AND NOT EXISTS (SELECT 1 FROM receipt_reversals v WHERE v.receipt_id = a.receipt_id)), 0)::bigint,
                COALESCE(w.amount_fen, 0)::bigint
            FROM plan_installments i LEFT JOIN installment_write_offs w ON w.installment_id = i.installment_id
            WHERE i.contract_id = ANY(\(ids))
            ORDER BY i.contract_id, i.sequence
            """,
            logger: logger
        )
        for try await (id, amount, due, allocated, writtenOff) in installments.decode((String, Int64, String?, Int64, Int64).self) {
            contracts[id]?.installments.append(
                TrueMargin.Installment(amountFen: amount, dueOn: due.flatMap(CalendarDay.init), allocatedFen: allocated, writtenOffFen: writtenOff)
            )
        }
        let writeOffs = try await connection.query(
            """
            SELECT contract_id, sum(amount_fen)::bigint FROM installment_write_offs
            WHERE contract_id = ANY(\(ids)) GROUP BY contract_id
            """,
            logger: logger
        )
        for try await (id, amount) in writeOffs.decode((String, Int64).self) {
            contracts[id]?.writtenOffFen = amount
        }
        return contracts.values.sorted { $0.contractID < $1.contractID }
    }

    /// On how many distinct (Asia/Shanghai) days each of `customers` bought each product line, up to `end`.
    func purchaseDays(customers: [String], before end: Date, on connection: PostgresConnection) async throws -> [CustomerLine: Int] {
        guard !customers.isEmpty else { return [:] }
        let rows = try await connection.query(
            """
            SELECT COALESCE(c.customer_id, d.customer_id) AS customer, l.product_line,
                count(DISTINCT (c.signed_at AT TIME ZONE 'Asia/Shanghai')::date)::bigint
            FROM signed_contract_lines l JOIN signed_contracts c ON c.contract_id = l.contract_id
                LEFT JOIN deal_projection d ON d.deal_id = c.deal_id
            WHERE c.signed_at < \(end) AND COALESCE(c.customer_id, d.customer_id) = ANY(\(customers))
            GROUP BY 1, 2
            """,
            logger: logger
        )
        var result: [CustomerLine: Int] = [:]
        for try await (customer, line, days) in rows.decode((String, String, Int64).self) {
            result[CustomerLine(customerID: customer, productLine: line)] = Int(days)
        }
        return result
    }

    // MARK: Re-purchases

    /// The customers among `customers` with an open deal: one still before or at the contract stage, without a signed
    /// contract yet.
    func customersWithOpenDeals(_ customers: [String], on connection: PostgresConnection) async throws -> Set<String> {
        guard !customers.isEmpty else { return [] }
        let rows = try await connection.query(
            """
            SELECT DISTINCT d.customer_id FROM deal_projection d
            WHERE d.customer_id = ANY(\(customers)) AND d.stage IN ('lead', 'qualified', 'quoted', 'contract')
              AND NOT EXISTS (SELECT 1 FROM signed_contracts c WHERE c.deal_id = d.deal_id)
            """,
            logger: logger
        )
        var result: Set<String> = []
        for try await customer in rows.decode(String.self) { result.insert(customer) }
        return result
    }

    /// A signed contract that ends on a given day.
    struct EndingContract: Sendable, Equatable {
        var contractID: String
        var number: String
        var customerID: String
        var customerName: String
        var ownerID: String
        var region: String
        var productLines: [String]
        var signedOn: CalendarDay
        var endsOn: CalendarDay
    }

    /// The signed contracts with a customer ending between `from` and `to` (both inclusive).
    func contractsEnding(from: CalendarDay, to: CalendarDay, on connection: PostgresConnection) async throws -> [EndingContract] {
        let rows = try await connection.query(
            """
            SELECT c.contract_id, c.number, COALESCE(c.customer_id, d.customer_id), COALESCE(c.customer_name, c.customer_id, d.customer_id),
                COALESCE(cp.owner_id, c.owner_id), COALESCE(cp.region, c.region),
                ARRAY(SELECT DISTINCT l.product_line FROM signed_contract_lines l WHERE l.contract_id = c.contract_id ORDER BY 1),
                to_char(c.signed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), c.ends_on::text
            FROM signed_contracts c LEFT JOIN deal_projection d ON d.deal_id = c.deal_id
                LEFT JOIN customer_projection cp ON cp.id = COALESCE(c.customer_id, d.customer_id)
            WHERE c.ends_on BETWEEN \(from.description)::date AND \(to.description)::date
              AND COALESCE(c.customer_id, d.customer_id) IS NOT NULL
            ORDER BY c.ends_on, c.contract_id
            """,
            logger: logger
        )
        var result: [EndingContract] = []
        for try await (id, number, customer, name, owner, region, lines, signed, ends) in rows.decode(
            (String, String, String, String, String, String, [String], String, String).self
        ) {
            guard let signedOn = CalendarDay(signed), let endsOn = CalendarDay(ends) else { continue }
            result.append(
                EndingContract(
                    contractID: id,
                    number: number,
                    customerID: customer,
                    customerName: name,
                    ownerID: owner,
                    region: region,
                    productLines: lines,
                    signedOn: signedOn,
                    endsOn: endsOn
                )
            )
        }
        return result
    }

    /// Claims the reminder for (customer, line, expected date, kind); `false` when it was sent before.
    func claimReminder(
        customerID: String,
        productLine: String,
        expectedOn: CalendarDay,
        kind: RepurchaseReminder.Kind,
        at: Date,
        on connection: PostgresConnection
    ) async throws -> Bool {
        let rows = try await connection.query(
            """
            INSERT INTO repurchase_reminders (customer_id, product_line, expected_on, kind, sent_at)
            VALUES (\(customerID), \(productLine), \(expectedOn.description)::date, \(kind.rawValue), \(at))
            ON CONFLICT DO NOTHING
            RETURNING 1
            """,
            logger: logger
        )
        for try await _ in rows { return true }
        return false
    }
}
