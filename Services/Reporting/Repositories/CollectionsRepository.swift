import Contracts
import Foundation
import Logging
import Persistence
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

    /// One signed contract with its lines and money; `nil` before its `contract.signed`.
    func contract(_ contractID: String, on connection: PostgresConnection) async throws -> TrueMargin.Contract? {
        let rows = try await connection.query(
            """
            SELECT c.contract_id, COALESCE(c.customer_id, d.customer_id),
                to_char(c.signed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), c.amount_fen
            FROM signed_contracts c LEFT JOIN deal_projection d ON d.deal_id = c.deal_id
            WHERE c.contract_id = \(contractID)
            """,
            logger: logger
        )
        return try await withMoney(rows, on: connection).first
    }

    /// The contracts of `rows` (id, customer, signing day, amount) with their lines, receipts, plan and write-offs.
    func withMoney(_ rows: PostgresRowSequence, on connection: PostgresConnection) async throws -> [TrueMargin.Contract] {
        var contracts: [String: TrueMargin.Contract] = [:]
        for try await (id, customer, signed, amount) in rows.decode((String, String?, String, Int64).self) {
            guard let day = CalendarDay(signed) else { continue }
            contracts[id] = TrueMargin.Contract(contractID: id, customerID: customer, signedOn: day, amountFen: amount, lines: [])
        }
        guard !contracts.isEmpty else { return [] }
        let ids = Array(contracts.keys)
        let lines = try await connection.query(
            """
            SELECT contract_id, product_line, amount_fen, cost_fen, line_no FROM signed_contract_lines
            WHERE contract_id = ANY(\(ids)) ORDER BY contract_id, line_no
            """,
            logger: logger
        )
        for try await (id, line, amount, cost, number) in lines.decode((String, String, Int64, Int64, Int32).self) {
            contracts[id]?.lines.append(TrueMargin.Line(productLine: line, amountFen: amount, costFen: cost, lineNo: Int(number)))
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

    /// Issue 14: rewrites the contract's per-line money (`contract_line_money`, `contract_line_open`, migration 0013)
    /// from its lines, plan, receipts, reversals and write-offs (``TrueMargin/lineMoney(_:)``); the statement triggers
    /// carry the difference into the daily aggregates. Called in the transaction of each money event and of
    /// `contract.signed` (money events may come first); nothing before the contract is signed. Repeating it changes
    /// nothing.
    func recomputeMoney(of contractID: String, on connection: PostgresConnection) async throws {
        guard let contract = try await contract(contractID, on: connection) else { return }
        let lines = TrueMargin.lineMoney(contract)
        guard !lines.isEmpty else { return }
        let numbers = lines.map { Int64($0.lineNo) }
        let writtenOff = lines.map(\.writtenOffFen)
        let received = lines.map(\.receivedFen)
        let receivedDays = lines.map { String($0.receivedFenDays) }
        let undated = lines.map(\.openUndatedFen)
        try await connection.query(
            """
            INSERT INTO contract_line_money AS t (contract_id, line_no, signed_on, owner_id, region, product_line, customer_id, revenue_fen,
                cost_fen, written_off_fen, received_fen, received_fen_days, open_undated_fen)
            SELECT l.contract_id, l.line_no, (c.signed_at AT TIME ZONE 'Asia/Shanghai')::date, c.owner_id, c.region, l.product_line,
                COALESCE(c.customer_id, d.customer_id), l.amount_fen, l.cost_fen, x.written_off, x.received, x.received_days, x.undated
            FROM unnest(\(numbers)::bigint[], \(writtenOff)::bigint[], \(received)::bigint[], \(receivedDays)::bigint[],
                    \(undated)::bigint[]) AS x (line_no, written_off, received, received_days, undated)
                JOIN signed_contract_lines l ON l.contract_id = \(contractID) AND l.line_no = x.line_no
                JOIN signed_contracts c ON c.contract_id = l.contract_id
                LEFT JOIN deal_projection d ON d.deal_id = c.deal_id
            ORDER BY l.line_no
            ON CONFLICT (contract_id, line_no) DO UPDATE SET customer_id = EXCLUDED.customer_id,
                written_off_fen = EXCLUDED.written_off_fen, received_fen = EXCLUDED.received_fen,
                received_fen_days = EXCLUDED.received_fen_days, open_undated_fen = EXCLUDED.open_undated_fen
            WHERE (t.customer_id, t.written_off_fen, t.received_fen, t.received_fen_days, t.open_undated_fen)
                IS DISTINCT FROM (EXCLUDED.customer_id, EXCLUDED.written_off_fen, EXCLUDED.received_fen, EXCLUDED.received_fen_days,
                    EXCLUDED.open_undated_fen)
            """,
            logger: logger
        )
        let open = lines.flatMap { line in line.openByDue.map { (Int64(line.lineNo), $0.dueOn.description, $0.fen) } }
        let stored = try await connection.query(
            """
            SELECT line_no::bigint, due_on::text, open_fen FROM contract_line_open WHERE contract_id = \(contractID)
            ORDER BY line_no, due_on
            """,
            logger: logger
        )
        var before: [(Int64, String, Fen)] = []
        for try await row in stored.decode((Int64, String, Int64).self) { before.append(row) }
        let sorted = open.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        guard !before.elementsEqual(sorted, by: { $0.0 == $1.0 && $0.1 == $1.1 && $0.2 == $1.2 }) else { return }
        try await connection.query("DELETE FROM contract_line_open WHERE contract_id = \(contractID)", logger: logger)
        guard !sorted.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO contract_line_open (contract_id, line_no, due_on, signed_on, owner_id, region, product_line, open_fen)
            SELECT m.contract_id, m.line_no, x.due_on, m.signed_on, m.owner_id, m.region, m.product_line, x.open_fen
            FROM unnest(\(sorted.map(\.0))::bigint[], \(sorted.map(\.1))::date[], \(sorted.map(\.2))::bigint[]) AS x (line_no, due_on, open_fen)
                JOIN contract_line_money m ON m.contract_id = \(contractID) AND m.line_no = x.line_no
            ORDER BY x.line_no, x.due_on
            """,
            logger: logger
        )
    }

    /// One product line's sums over the daily aggregates of issue 14.
    struct LineSums: Sendable, Equatable {
        var productLine: String
        var revenueFen: Fen
        var costFen: Fen
        var writtenOffFen: Fen
        var moneyFen: Int128
        var moneyFenDays: Int128
    }

    /// Per product line of the contracts signed in `period` within `scope`: revenue, cost, write-offs and the money's
    /// fen and fen·days at `today` (see ``TrueMargin``). The period's whole months that end on or before `today` are
    /// read from the monthly rollup `true_margin_monthly` (migration 0020, where the undated open money's fen·days are
    /// linear in `today`), its other days from `true_margin_daily` (0013), and the dated open money from
    /// `true_margin_open_daily` day by day. Exact integers throughout (numeric in SQL).
    func trueMarginSums(
        in period: ReportPeriod,
        scope: DataScope,
        today: CalendarDay,
        on connection: PostgresConnection
    ) async throws -> [LineSums] {
        let (first, end) = period.days
        let split = period.split.monthsEnding(onOrBefore: today)
        let rows = try await connection.query(
            """
            WITH money AS (
                SELECT m.product_line, sum(m.lines) AS lines, sum(m.revenue_fen) AS revenue, sum(m.cost_fen) AS cost,
                    sum(m.written_off_fen) AS written_off, sum(m.received_fen) + sum(m.open_undated_fen) AS fen,
                    sum(m.received_fen_days) + sum(m.open_undated_fen_days) AS fen_days
                FROM (
                    SELECT product_line, owner_id, region, lines, revenue_fen, cost_fen, written_off_fen, received_fen,
                        received_fen_days, open_undated_fen,
                        open_undated_fen::numeric * (\(today.description)::date - DATE '2000-01-01') - open_undated_fen_day_sum
                            AS open_undated_fen_days
                    FROM true_margin_monthly
                    WHERE month >= \(split.months.first)::date AND month < \(split.months.end)::date
                    UNION ALL
                    SELECT product_line, owner_id, region, lines, revenue_fen, cost_fen, written_off_fen, received_fen,
                        received_fen_days, open_undated_fen,
                        open_undated_fen::numeric * GREATEST(0, \(today.description)::date - day)
                    FROM true_margin_daily
                    WHERE (day >= \(split.head.first)::date AND day < \(split.head.end)::date)
                       OR (day >= \(split.tail.first)::date AND day < \(split.tail.end)::date)
                ) m
                WHERE (\(scope.ownerIDs)::text[] IS NULL OR m.owner_id = ANY(\(scope.ownerIDs)))
                  AND (\(scope.region)::text IS NULL OR m.region = \(scope.region))
                GROUP BY m.product_line
            ), open AS (
                SELECT o.product_line, sum(o.open_fen) AS fen,
                    sum(o.open_fen * GREATEST(0, GREATEST(o.due_on, \(today.description)::date) - o.day)) AS fen_days
                FROM true_margin_open_daily o
                WHERE o.day >= \(first)::date AND o.day < \(end)::date
                  AND (\(scope.ownerIDs)::text[] IS NULL OR o.owner_id = ANY(\(scope.ownerIDs)))
                  AND (\(scope.region)::text IS NULL OR o.region = \(scope.region))
                GROUP BY o.product_line
            )
            SELECT m.product_line, m.revenue::bigint, m.cost::bigint, m.written_off::bigint, (m.fen + COALESCE(o.fen, 0))::text,
                (m.fen_days + COALESCE(o.fen_days, 0))::text
            FROM money m LEFT JOIN open o ON o.product_line = m.product_line
            WHERE m.lines > 0
            """,
            logger: logger
        )
        var result: [LineSums] = []
        for try await (line, revenue, cost, writtenOff, fen, fenDays) in rows.decode((String, Int64, Int64, Int64, String, String).self) {
            result.append(
                LineSums(
                    productLine: line,
                    revenueFen: revenue,
                    costFen: cost,
                    writtenOffFen: writtenOff,
                    moneyFen: Int128(fen) ?? 0,
                    moneyFenDays: Int128(fenDays) ?? 0
                )
            )
        }
        return result
    }

    /// Per product line: the customers who bought it in `period` within `scope`, and how many of them bought it on at
    /// least two distinct days up to the period's end (earlier periods and any owner included). Exact distinct counts.
    /// Read from the latest purchase days (``latestBuyers(in:scope:today:on:)``, migration 0019) when the period ends
    /// today or later and the scope is the company, a region or one owner: O(days); otherwise (a team, a period ending in
    /// the past) from the purchases themselves (``exactBuyers(in:scope:on:)``): O(purchases).
    func buyers(
        in period: ReportPeriod,
        scope: DataScope,
        today: CalendarDay,
        on connection: PostgresConnection
    ) async throws -> [String: (customers: Int, repeats: Int)] {
        if let latest = try await latestBuyers(in: period, scope: scope, today: today, on: connection) { return latest }
        return try await exactBuyers(in: period, scope: scope, on: connection)
    }

    /// Moves the count changes of the buyers' latest purchase days (migration 0019) into `customer_line_latest_counts`
    /// (a ``Persistence/CountsFolder``, every five seconds); ``latestBuyers(in:scope:today:on:)`` adds those not moved yet.
    static let buyersFold = CountsFolder.statement(
        moving: "customer_line_latest_changes",
        into: "customer_line_latest_counts",
        keys: ["scope_key", "last_day", "product_line", "repeat"],
        count: "buyers"
    )

    /// The key of `customer_line_latest` (migration 0019) whose rows are exactly `scope`'s: `*` for the company (gm,
    /// admin, finance), `region:<region>` for a region, `owner:<id>` for one owner; `nil` for any other scope (a
    /// supervisor's team, the warehouse's empty one).
    static func latestScopeKey(_ scope: DataScope) -> String? {
        switch (scope.ownerIDs, scope.region) {
        case (nil, nil): "*"
        case (nil, let region?): "region:\(region)"
        case (let owners?, nil) where owners.count == 1: "owner:\(owners[0])"
        default: nil
        }
    }

    /// ``buyers(in:scope:today:on:)`` from the latest purchase day of each (line, customer) in the scope (migration
    /// 0019), or `nil` when that would not be exact: a scope without its own key, a period that ends before today, or
    /// a purchase dated on or after the period's end (then a last day in the period no longer means "bought in it").
    /// When nothing is dated after the period, a buyer of the period is one whose last day in the scope is on or after
    /// its first day, and its second purchase day, if any, is before the period's end. Sums a count per (last day, line,
    /// repeat) from the period's first day on, and the changes not folded yet, in one statement, so the check and the
    /// counts see the same commits.
    func latestBuyers(
        in period: ReportPeriod,
        scope: DataScope,
        today: CalendarDay,
        on connection: PostgresConnection
    ) async throws -> [String: (customers: Int, repeats: Int)]? {
        guard let key = Self.latestScopeKey(scope), BusinessCalendar.day(of: period.end) > today else { return nil }
        let (first, end) = period.days
        let rows = try await connection.query(
            """
            WITH later AS (
                SELECT EXISTS (
                    SELECT FROM (
                        SELECT product_line, last_day, repeat, buyers FROM customer_line_latest_counts
                        WHERE scope_key = '*' AND last_day >= \(end)::date
                        UNION ALL
                        SELECT product_line, last_day, repeat, buyers FROM customer_line_latest_changes
                        WHERE scope_key = '*' AND last_day >= \(end)::date
                    ) x
                    GROUP BY product_line, last_day, repeat
                    HAVING sum(buyers) <> 0
                ) AS found
            ), bought AS (
                SELECT c.product_line, sum(c.buyers) AS customers, COALESCE(sum(c.buyers) FILTER (WHERE c.repeat), 0) AS repeats
                FROM (
                    SELECT product_line, repeat, buyers FROM customer_line_latest_counts
                    WHERE scope_key = \(key) AND last_day >= \(first)::date
                    UNION ALL
                    SELECT product_line, repeat, buyers FROM customer_line_latest_changes
                    WHERE scope_key = \(key) AND last_day >= \(first)::date
                ) c
                WHERE NOT (SELECT found FROM later)
                GROUP BY c.product_line
                HAVING sum(c.buyers) <> 0
            )
            SELECT NULL::text, 0::bigint, 0::bigint FROM later WHERE found
            UNION ALL
            SELECT product_line, customers::bigint, repeats::bigint FROM bought
            """,
            logger: logger
        )
        var result: [String: (customers: Int, repeats: Int)] = [:]
        for try await (line, customers, repeats) in rows.decode((String?, Int64, Int64).self) {
            guard let line else { return nil }
            result[line] = (Int(customers), Int(repeats))
        }
        return result
    }

    /// ``buyers(in:scope:today:on:)`` from the purchases: the rows of `customer_line_days` in the period and scope
    /// grouped by (line, customer), each buyer's `customer_line_repeats` second purchase day probed by key. Any period
    /// and scope, at one index entry per purchase in them (hundreds of ms for a rep, seconds for the whole company at
    /// 1,000,000 contracts — measured in benchmarks/README.md).
    func exactBuyers(
        in period: ReportPeriod,
        scope: DataScope,
        on connection: PostgresConnection
    ) async throws -> [String: (customers: Int, repeats: Int)] {
        let (first, end) = period.days
        let rows = try await connection.query(
            """
            WITH buyers AS (
                SELECT b.product_line, b.customer_id FROM customer_line_days b
                WHERE b.day >= \(first)::date AND b.day < \(end)::date AND b.lines > 0
                  AND (\(scope.ownerIDs)::text[] IS NULL OR b.owner_id = ANY(\(scope.ownerIDs)))
                  AND (\(scope.region)::text IS NULL OR b.region = \(scope.region))
                GROUP BY b.product_line, b.customer_id
            )
            SELECT b.product_line, count(*)::bigint,
                count(*) FILTER (WHERE EXISTS (SELECT FROM customer_line_repeats r
                    WHERE r.customer_id = b.customer_id AND r.product_line = b.product_line AND r.second_day < \(end)::date))::bigint
            FROM buyers b
            GROUP BY b.product_line
            """,
            logger: logger
        )
        var result: [String: (customers: Int, repeats: Int)] = [:]
        for try await (line, customers, repeats) in rows.decode((String, Int64, Int64).self) {
            result[line] = (Int(customers), Int(repeats))
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
