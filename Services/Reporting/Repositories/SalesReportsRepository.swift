import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// The sales projections (users, signed contracts, deal stages, approval times) and the report queries over them.
///
/// Every write is safe to repeat and to receive out of order: replaced state is guarded by `sequence`, facts that
/// happen once (a signature, a stage first reached) keep their first copy. Every query filters by the caller's
/// ``ServiceRuntime/DataScope`` in SQL with bound parameters.
struct SalesReportsRepository: Sendable {
    let logger: Logger

    // MARK: Projections

    /// Stores a signed contract and its lines; a contract already stored is left as it is (it is signed only once).
    func insertSignedContract(_ contract: ContractSigned, on connection: PostgresConnection) async throws {
        let cost = contract.lines.reduce(Fen(0)) { $0 + $1.costFen }
        let inserted = try await connection.query(
            """
            INSERT INTO signed_contracts (contract_id, number, deal_id, owner_id, region, amount_fen, cost_fen, signed_at,
                customer_id, customer_name, ends_on)
            VALUES (\(contract.contractID), \(contract.number), \(contract.dealID), \(contract.ownerID), \(contract.region),
                \(contract.amountFen), \(cost), \(contract.signedAt),
                COALESCE(\(contract.customerID)::text, (SELECT customer_id FROM deal_projection WHERE deal_id = \(contract.dealID))),
                \(contract.customerName), \(contract.endsOn)::date)
            ON CONFLICT (contract_id) DO NOTHING
            RETURNING contract_id
            """,
            logger: logger
        )
        var isNew = false
        for try await _ in inserted.decode(String.self) { isNew = true }
        guard isNew else { return }
        try await refreshFunnelStage(of: contract.dealID, on: connection)
        for (index, line) in contract.lines.enumerated() {
            try await connection.query(
                """
                INSERT INTO signed_contract_lines (contract_id, line_no, product_id, product_line, quantity, amount_fen, cost_fen)
                VALUES (\(contract.contractID), \(index + 1), \(line.productID), \(line.productLine), \(line.quantity),
                    \(line.amountFen), \(line.costFen))
                """,
                logger: logger
            )
        }
    }

    /// Records a submitted contract's owner and region (the newest submission wins).
    func upsertSubmission(_ contract: ContractSubmitted, sequence: Int64, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO contract_submissions (contract_id, owner_id, region, sequence)
            VALUES (\(contract.contractID), \(contract.ownerID), \(contract.region), \(sequence))
            ON CONFLICT (contract_id) DO UPDATE SET owner_id = EXCLUDED.owner_id, region = EXCLUDED.region, sequence = EXCLUDED.sequence
            WHERE contract_submissions.sequence < EXCLUDED.sequence
            """,
            logger: logger
        )
    }

    /// Applies a stage change: the deal's owner and region follow the newest event, its creation time comes from the
    /// event without a `from` stage (PostgreSQL's `LEAST` skips nulls, so a later change never erases it), and the
    /// stage joins the set the deal reached, at the earliest time seen.
    func applyStageChange(_ change: DealStageChanged, sequence: Int64, on connection: PostgresConnection) async throws {
        let createdAt: Date? = change.from == nil ? change.at : nil
        try await connection.query(
            """
            INSERT INTO deal_projection (deal_id, owner_id, region, created_at, sequence, customer_id, stage)
            VALUES (\(change.dealID), \(change.ownerID), \(change.region), \(createdAt), \(sequence), \(change.customerID), \(change.to.rawValue))
            ON CONFLICT (deal_id) DO UPDATE SET
                owner_id = CASE WHEN deal_projection.sequence < EXCLUDED.sequence THEN EXCLUDED.owner_id ELSE deal_projection.owner_id END,
                region = CASE WHEN deal_projection.sequence < EXCLUDED.sequence THEN EXCLUDED.region ELSE deal_projection.region END,
                customer_id = CASE WHEN deal_projection.sequence < EXCLUDED.sequence OR deal_projection.customer_id IS NULL
                    THEN EXCLUDED.customer_id ELSE deal_projection.customer_id END,
                stage = CASE WHEN deal_projection.sequence < EXCLUDED.sequence OR deal_projection.stage IS NULL
                    THEN EXCLUDED.stage ELSE deal_projection.stage END,
                created_at = LEAST(deal_projection.created_at, EXCLUDED.created_at),
                sequence = GREATEST(deal_projection.sequence, EXCLUDED.sequence)
            """,
            logger: logger
        )
        // A contract whose contract.signed named no customer (signed before issue 11) takes the deal's.
        try await connection.query(
            "UPDATE signed_contracts SET customer_id = \(change.customerID) WHERE deal_id = \(change.dealID) AND customer_id IS NULL",
            logger: logger
        )
        try await connection.query(
            """
            INSERT INTO deal_stages (deal_id, stage, reached_at) VALUES (\(change.dealID), \(change.to.rawValue), \(change.at))
            ON CONFLICT (deal_id, stage) DO UPDATE SET reached_at = LEAST(deal_stages.reached_at, EXCLUDED.reached_at)
            """,
            logger: logger
        )
        try await refreshFunnelStage(of: change.dealID, on: connection)
    }

    /// Keeps the deal's deepest funnel stage (``Funnel/deepestStage(reached:signed:)``) on its row, from everything
    /// known of it now, so the order events arrive in does not matter; the funnel and the cohorts count these.
    func refreshFunnelStage(of dealID: String, on connection: PostgresConnection) async throws {
        let rows = try await connection.query(
            """
            SELECT COALESCE((SELECT array_agg(stage) FROM deal_stages WHERE deal_id = \(dealID)), '{}'::text[]),
                   EXISTS (SELECT 1 FROM signed_contracts WHERE deal_id = \(dealID))
            """,
            logger: logger
        )
        for try await (stages, signed) in rows.decode(([String], Bool).self) {
            let deepest = Funnel.deepestStage(reached: Set(stages.compactMap(DealStage.init(rawValue:))), signed: signed)
            try await connection.query(
                "UPDATE deal_projection SET funnel_stage = \(deepest.rawValue) WHERE deal_id = \(dealID) AND funnel_stage <> \(deepest.rawValue)",
                logger: logger
            )
        }
    }

    /// Stores a finished approval unless a newer version of it is already kept.
    func upsertApproval(_ approval: ApprovalCompleted, sequence: Int64, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO approval_times (approval_id, contract_id, submitter_id, outcome, requested_at, completed_at, working_days, sequence)
            VALUES (\(approval.approvalID), \(approval.contractID), \(approval.submitterID), \(approval.outcome.rawValue),
                \(approval.requestedAt), \(approval.completedAt), \(approval.workingDays), \(sequence))
            ON CONFLICT (approval_id) DO UPDATE SET contract_id = EXCLUDED.contract_id, submitter_id = EXCLUDED.submitter_id,
                outcome = EXCLUDED.outcome, requested_at = EXCLUDED.requested_at, completed_at = EXCLUDED.completed_at,
                working_days = EXCLUDED.working_days, sequence = EXCLUDED.sequence
            WHERE approval_times.sequence < EXCLUDED.sequence
            """,
            logger: logger
        )
    }

    // MARK: Reports

    /// A rep's signed total in a period.
    struct RepTotal: Sendable, Equatable {
        var userID: String
        var displayName: String
        var region: String?
        var signedAmountFen: Fen
        var contracts: Int
    }

    /// The reps with the largest signed amount in `period`, largest first (ties: more contracts, then user id).
    /// Reads the daily aggregate `sales_daily` (migration 0011), never the contracts.
    func topReps(in period: ReportPeriod, scope: DataScope, limit: Int, on connection: PostgresConnection) async throws -> [RepTotal] {
        let (first, end) = period.days
        let rows = try await connection.query(
            """
            SELECT s.owner_id, COALESCE(u.display_name, s.owner_id), COALESCE(u.region, min(s.region) FILTER (WHERE s.contracts > 0)),
                sum(s.amount_fen)::bigint AS total, sum(s.contracts)::bigint AS contracts
            FROM sales_daily s LEFT JOIN org_replica u ON u.id = s.owner_id
            WHERE s.day >= \(first)::date AND s.day < \(end)::date
              AND (\(scope.ownerIDs)::text[] IS NULL OR s.owner_id = ANY(\(scope.ownerIDs)))
              AND (\(scope.region)::text IS NULL OR s.region = \(scope.region))
            GROUP BY s.owner_id, u.display_name, u.region
            HAVING sum(s.contracts) > 0
            ORDER BY total DESC, contracts DESC, s.owner_id
            LIMIT \(limit)
            """,
            logger: logger
        )
        var result: [RepTotal] = []
        for try await (id, name, region, total, contracts) in rows.decode((String, String, String?, Int64, Int64).self) {
            result.append(RepTotal(userID: id, displayName: name, region: region, signedAmountFen: total, contracts: Int(contracts)))
        }
        return result
    }

    /// Revenue and cost of one product line.
    struct LineTotal: Sendable, Equatable {
        var productLine: String
        var revenueFen: Fen
        var costFen: Fen
    }

    /// Revenue and cost per product line of the contracts signed in `period`, largest revenue first. Reads the whole
    /// months from the monthly rollup `product_line_monthly` (migration 0015) and the days around them from the daily
    /// aggregate `product_line_daily` (migration 0011), never the contract lines.
    func productLineTotals(in period: ReportPeriod, scope: DataScope, on connection: PostgresConnection) async throws -> [LineTotal] {
        let split = period.split
        let (first, end) = period.days
        let rows = try await connection.query(
            """
            SELECT l.product_line, sum(l.amount_fen)::bigint, sum(l.cost_fen)::bigint
            FROM (
                SELECT product_line, lines, amount_fen, cost_fen, owner_id, region FROM product_line_monthly
                WHERE month >= \(split.months.first)::date AND month < \(split.months.end)::date
                UNION ALL
                SELECT product_line, lines, amount_fen, cost_fen, owner_id, region FROM product_line_daily
                WHERE (day >= \(split.head.first)::date AND day < \(split.head.end)::date)
                   OR (day >= \(split.tail.first)::date AND day < \(split.tail.end)::date)
            ) l
            WHERE (\(scope.ownerIDs)::text[] IS NULL OR l.owner_id = ANY(\(scope.ownerIDs)))
              AND (\(scope.region)::text IS NULL OR l.region = \(scope.region))
            GROUP BY l.product_line
            HAVING sum(l.lines) > 0
            ORDER BY 2 DESC, l.product_line
            """,
            logger: logger
        )
        var result: [LineTotal] = []
        for try await (line, revenue, cost) in rows.decode((String, Int64, Int64).self) {
            result.append(LineTotal(productLine: line, revenueFen: revenue, costFen: cost))
        }
        return result
    }

    /// Moves the funnel changes the deal projection's trigger appends (migration 0018) into `deal_funnel_daily`, whose
    /// trigger keeps `deal_funnel_monthly` (a ``Persistence/CountsFolder``, every five seconds); ``funnel(in:scope:on:)``
    /// and ``cohorts(in:scope:on:)`` add those not moved yet.
    static let dealFunnelFold = CountsFolder.statement(
        moving: "deal_funnel_changes",
        into: "deal_funnel_daily",
        keys: ["day", "owner_id", "region", "funnel_stage"],
        count: "deals"
    )

    /// The funnel of the deals created in `period` (see ``Funnel`` for what counts where), from the daily aggregate
    /// `deal_funnel_daily` (migration 0011) and the changes not folded into it yet (`deal_funnel_changes`, 0018).
    func funnel(in period: ReportPeriod, scope: DataScope, on connection: PostgresConnection) async throws -> Funnel {
        let (first, end) = period.days
        let rows = try await connection.query(
            """
            SELECT d.funnel_stage, sum(d.deals)::bigint
            FROM (
                SELECT day, owner_id, region, funnel_stage, deals FROM deal_funnel_daily
                UNION ALL
                SELECT day, owner_id, region, funnel_stage, deals FROM deal_funnel_changes
            ) d
            WHERE d.day >= \(first)::date AND d.day < \(end)::date
              AND (\(scope.ownerIDs)::text[] IS NULL OR d.owner_id = ANY(\(scope.ownerIDs)))
              AND (\(scope.region)::text IS NULL OR d.region = \(scope.region))
            GROUP BY d.funnel_stage
            HAVING sum(d.deals) > 0
            """,
            logger: logger
        )
        var funnel = Funnel()
        for try await (stage, count) in rows.decode((String, Int64).self) {
            guard let deepest = Funnel.Stage(rawValue: stage) else { continue }
            funnel.add(deepest: deepest, count: Int(count))
        }
        return funnel
    }

    /// Leads and won deals of one cohort month.
    struct Cohort: Sendable, Equatable {
        var leads = 0
        var won = 0
    }

    /// The deals created in `period`, by the Asia/Shanghai month they were created in (`YYYY-MM`): how many, and how
    /// many of them are won by now (``Funnel/deepestStage(reached:signed:)`` is `won`: a contract signed). From the
    /// monthly rollup `deal_funnel_monthly` (migration 0015) for whole months and the daily aggregate `deal_funnel_daily`
    /// (migration 0011) for the days around them, with the changes not folded into either yet (`deal_funnel_changes`,
    /// migration 0018) for every day of the period.
    func cohorts(in period: ReportPeriod, scope: DataScope, on connection: PostgresConnection) async throws -> [String: Cohort] {
        let split = period.split
        let (first, end) = period.days
        let rows = try await connection.query(
            """
            SELECT to_char(d.day, 'YYYY-MM'), sum(d.deals)::bigint, COALESCE(sum(d.deals) FILTER (WHERE d.funnel_stage = 'won'), 0)::bigint
            FROM (
                SELECT month AS day, funnel_stage, deals, owner_id, region FROM deal_funnel_monthly
                WHERE month >= \(split.months.first)::date AND month < \(split.months.end)::date
                UNION ALL
                SELECT day, funnel_stage, deals, owner_id, region FROM deal_funnel_daily
                WHERE (day >= \(split.head.first)::date AND day < \(split.head.end)::date)
                   OR (day >= \(split.tail.first)::date AND day < \(split.tail.end)::date)
                UNION ALL
                SELECT day, funnel_stage, deals, owner_id, region FROM deal_funnel_changes
                WHERE day >= \(first)::date AND day < \(end)::date
            ) d
            WHERE (\(scope.ownerIDs)::text[] IS NULL OR d.owner_id = ANY(\(scope.ownerIDs)))
              AND (\(scope.region)::text IS NULL OR d.region = \(scope.region))
            GROUP BY 1
            HAVING sum(d.deals) > 0
            """,
            logger: logger
        )
        var cohorts: [String: Cohort] = [:]
        for try await (month, leads, won) in rows.decode((String, Int64, Int64).self) {
            cohorts[month] = Cohort(leads: Int(leads), won: Int(won))
        }
        return cohorts
    }

    /// Approval-time figures over the approvals completed in `period`.
    struct ApprovalFigures: Sendable, Equatable {
        var approved: Int
        var rejected: Int
        var recalled: Int
        /// Over approved and rejected approvals only.
        var averageWorkingDays: Double?
        var medianWorkingDays: Double?
        var withinTwoWorkingDays: Int
    }

    /// Counts per outcome and the duration statistics of the decided (approved or rejected) approvals completed in
    /// `period`. An approval is in scope by its contract's owner and region; until `contract.submitted` has arrived,
    /// by the submitter and the submitter's region.
    ///
    /// Reads the histogram of reporting migration 0014, never `approval_times`: the period's whole months from
    /// `approval_time_region_monthly` (a scope without owners) or `approval_time_monthly`, its other days from
    /// `approval_time_daily`. Counts, the average and
    /// `withinTwoWorkingDays` are exact; the median is that of the durations rounded to 1/100 working day
    /// (``ApprovalHistogram/median(_:)``), i.e. exact to the two decimals shown.
    func approvalFigures(in period: ReportPeriod, scope: DataScope, on connection: PostgresConnection) async throws -> ApprovalFigures {
        let split = period.split
        // The months: by region (a few hundred rows) for a scope without owners, by owner for one with owners.
        let rows = try await connection.query(
            """
            WITH h AS (
                SELECT m.outcome, m.centi_days, m.approvals, m.working_days_sum, m.within_two_working_days
                FROM approval_time_region_monthly m
                WHERE \(scope.ownerIDs)::text[] IS NULL
                  AND m.month >= \(split.months.first)::date AND m.month < \(split.months.end)::date
                  AND (\(scope.region)::text IS NULL OR m.region = \(scope.region))
                UNION ALL
                SELECT m.outcome, m.centi_days, m.approvals, m.working_days_sum, m.within_two_working_days
                FROM approval_time_monthly m
                WHERE m.owner_id = ANY(\(scope.ownerIDs))
                  AND m.month >= \(split.months.first)::date AND m.month < \(split.months.end)::date
                  AND (\(scope.region)::text IS NULL OR m.region = \(scope.region))
                UNION ALL
                SELECT d.outcome, d.centi_days, d.approvals, d.working_days_sum, d.within_two_working_days
                FROM approval_time_daily d
                WHERE d.day >= \(split.head.first)::date AND d.day < \(split.head.end)::date
                  AND (\(scope.ownerIDs)::text[] IS NULL OR d.owner_id = ANY(\(scope.ownerIDs)))
                  AND (\(scope.region)::text IS NULL OR d.region = \(scope.region))
                UNION ALL
                SELECT d.outcome, d.centi_days, d.approvals, d.working_days_sum, d.within_two_working_days
                FROM approval_time_daily d
                WHERE d.day >= \(split.tail.first)::date AND d.day < \(split.tail.end)::date
                  AND (\(scope.ownerIDs)::text[] IS NULL OR d.owner_id = ANY(\(scope.ownerIDs)))
                  AND (\(scope.region)::text IS NULL OR d.region = \(scope.region))
            ), buckets AS (
                SELECT outcome, centi_days, sum(approvals) AS approvals, sum(working_days_sum) AS working_days_sum,
                    sum(within_two_working_days) AS within_two
                FROM h
                GROUP BY 1, 2
            )
            SELECT outcome, centi_days, approvals::bigint, within_two::bigint,
                (sum(working_days_sum) FILTER (WHERE outcome <> 'recalled') OVER ()
                    / NULLIF(sum(approvals) FILTER (WHERE outcome <> 'recalled') OVER (), 0))::double precision
            FROM buckets
            WHERE approvals <> 0
            """,
            logger: logger
        )
        var figures = ApprovalFigures(approved: 0, rejected: 0, recalled: 0, averageWorkingDays: nil, medianWorkingDays: nil, withinTwoWorkingDays: 0)
        var decided: [ApprovalHistogram.Bucket] = []
        for try await (outcome, centiDays, approvals, withinTwo, average) in rows.decode((String, Int32, Int64, Int64, Double?).self) {
            switch outcome {
            case "approved": figures.approved += Int(approvals)
            case "rejected": figures.rejected += Int(approvals)
            case "recalled": figures.recalled += Int(approvals)
            default: continue
            }
            figures.averageWorkingDays = average
            guard outcome != "recalled" else { continue }
            figures.withinTwoWorkingDays += Int(withinTwo)
            decided.append(ApprovalHistogram.Bucket(centiDays: Int(centiDays), count: approvals))
        }
        figures.medianWorkingDays = ApprovalHistogram.median(decided)
        return figures
    }
}
