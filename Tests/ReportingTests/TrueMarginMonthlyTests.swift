import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Reporting

/// Issue 14: the monthly rollup of the true margin (reporting migration 0020) stays equal to a recount of
/// `true_margin_daily` through inserts, updates and deletes, and the report's sums read from it equal the sums of the
/// daily rows alone, for whole and partial months, periods ending today or later, and every kind of scope.
@Suite("True margin monthly rollup")
struct TrueMarginMonthlyTests {
    typealias Story = TrueMarginReportTests

    /// The company, both regions, three reps and both teams.
    static let callers = ["gm", "rm-east", "rm-north", "rep-1", "rep-2", "rep-north", "sup-1", "sup-2"]

    /// Days the report may be asked on: a month's last day, the middle of a month, before and after most signings.
    static let todays = ["2026-11-30", "2026-11-15", "2026-10-31", "2026-07-01", "2026-12-10"]

    /// Whole months, a partial month at either end or both, a period ending today (set per `today` below), one ending in
    /// the future, one inside a month, one day, a period wholly after the signings.
    static let periods: [(from: String, to: String)] = [
        ("2026-06-01", "2026-09-30"), ("2026-05-10", "2026-09-30"), ("2026-06-01", "2026-10-20"), ("2026-05-10", "2026-10-20"),
        ("2026-01-01", "2026-12-31"), ("2025-12-01", "2026-11-30"), ("2026-11-02", "2026-11-20"), ("2026-06-30", "2026-06-30"),
        ("2026-11-01", "2027-01-31"), ("2027-02-01", "2027-03-31"),
    ]

    static func sign(_ id: String, owner: String, region: String = "east-china", on day: String, lines: [(String, Fen, Fen)]) -> ContractSigned {
        var signed = ReportOperationsTests.signed(
            id,
            owner: owner,
            region: region,
            at: "\(day)T02:00:00Z",
            lines: lines.map { ReportOperationsTests.line($0.0, amount: $0.1, cost: $0.2) }
        )
        signed.customerID = "k-\(id)"
        signed.customerName = "客户\(id)"
        return signed
    }

    /// Signings around month boundaries, in both regions and for several owners, and some after the usual `today`.
    static let signings: [ContractSigned] = [
        sign("m-1", owner: "rep-1", on: "2026-05-31", lines: [("A", 100_000, 60_000), ("B", 30_000, 20_000)]),
        sign("m-2", owner: "rep-2", on: "2026-06-01", lines: [("A", 70_000, 50_000)]),
        sign("m-3", owner: "rep-3", on: "2026-06-30", lines: [("C", 50_000, 10_000)]),
        sign("m-4", owner: "rep-north", region: "north-china", on: "2026-07-01", lines: [("A", 90_000, 80_000), ("C", 10_000, 1_000)]),
        sign("m-5", owner: "rep-north", region: "north-china", on: "2026-09-30", lines: [("B", 40_000, 30_000)]),
        sign("m-6", owner: "rep-1", on: "2026-10-31", lines: [("A", 20_000, 15_000)]),
        sign("m-7", owner: "rep-2", on: "2026-11-15", lines: [("B", 60_000, 45_000)]),
        sign("m-8", owner: "rep-1", on: "2026-11-20", lines: [("C", 80_000, 40_000)]),
        sign("m-9", owner: "rep-north", region: "north-china", on: "2026-12-05", lines: [("A", 33_000, 11_000)]),
        sign("m-10", owner: "rep-2", on: "2025-12-01", lines: [("A", 12_000, 6_000)]),
    ]

    /// Rows of `true_margin_monthly` unlike a recount of `true_margin_daily` grouped by month (either side's rows whose
    /// sums are all 0 left out).
    static func differences(_ service: RPCHarness) async throws -> Int {
        let rows = try await service.client.query(
            """
            WITH monthly AS (
                SELECT month, owner_id, region, product_line, lines, revenue_fen, cost_fen, written_off_fen, received_fen,
                    received_fen_days, open_undated_fen, open_undated_fen_day_sum
                FROM true_margin_monthly
                WHERE lines <> 0 OR revenue_fen <> 0 OR cost_fen <> 0 OR written_off_fen <> 0 OR received_fen <> 0
                    OR received_fen_days <> 0 OR open_undated_fen <> 0 OR open_undated_fen_day_sum <> 0
            ), recounted AS (
                SELECT * FROM (
                    SELECT date_trunc('month', day)::date AS month, owner_id, region, product_line, sum(lines)::bigint AS lines,
                        sum(revenue_fen)::bigint AS revenue_fen, sum(cost_fen)::bigint AS cost_fen,
                        sum(written_off_fen)::bigint AS written_off_fen, sum(received_fen)::bigint AS received_fen,
                        sum(received_fen_days) AS received_fen_days, sum(open_undated_fen)::bigint AS open_undated_fen,
                        sum(open_undated_fen::numeric * (day - DATE '2000-01-01')) AS open_undated_fen_day_sum
                    FROM true_margin_daily GROUP BY 1, 2, 3, 4) r
                WHERE lines <> 0 OR revenue_fen <> 0 OR cost_fen <> 0 OR written_off_fen <> 0 OR received_fen <> 0
                    OR received_fen_days <> 0 OR open_undated_fen <> 0 OR open_undated_fen_day_sum <> 0
            )
            SELECT (SELECT count(*) FROM ((TABLE monthly EXCEPT ALL TABLE recounted) UNION ALL (TABLE recounted EXCEPT ALL TABLE monthly)) d)::bigint
            """,
            logger: service.logger
        )
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return -1
    }

    /// The sums as the report read them before migration 0020: every day of the period from `true_margin_daily`.
    static func dailySums(
        in period: ReportPeriod,
        scope: DataScope,
        today: CalendarDay,
        _ service: RPCHarness
    ) async throws -> [CollectionsRepository.LineSums] {
        let (first, end) = period.days
        let rows = try await service.client.query(
            """
            WITH money AS (
                SELECT m.product_line, sum(m.lines) AS lines, sum(m.revenue_fen) AS revenue, sum(m.cost_fen) AS cost,
                    sum(m.written_off_fen) AS written_off, sum(m.received_fen) + sum(m.open_undated_fen) AS fen,
                    sum(m.received_fen_days) + sum(m.open_undated_fen * GREATEST(0, \(today.description)::date - m.day)) AS fen_days
                FROM true_margin_daily m
                WHERE m.day >= \(first)::date AND m.day < \(end)::date
                  AND (\(scope.ownerIDs)::text[] IS NULL OR m.owner_id = ANY(\(scope.ownerIDs)))
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
            logger: service.logger
        )
        var result: [CollectionsRepository.LineSums] = []
        for try await (line, revenue, cost, writtenOff, fen, fenDays) in rows.decode((String, Int64, Int64, Int64, String, String).self) {
            result.append(
                CollectionsRepository.LineSums(
                    productLine: line,
                    revenueFen: revenue,
                    costFen: cost,
                    writtenOffFen: writtenOff,
                    moneyFen: try #require(Int128(fen)),
                    moneyFenDays: try #require(Int128(fenDays))
                )
            )
        }
        return result.sorted { $0.productLine < $1.productLine }
    }

    /// The rollup equals its recount, and ``CollectionsRepository/trueMarginSums(in:scope:today:on:)`` equals
    /// ``dailySums(in:scope:today:_:)`` for every caller, `today` and period (plus the one ending on that `today`).
    /// - Returns: how many comparisons read at least one whole month from the rollup, and how many found any line.
    @discardableResult
    static func expectMonthlyEqualsDaily(_ service: RPCHarness, _ comment: String) async throws -> (monthly: Int, nonEmpty: Int) {
        #expect(try await differences(service) == 0, "\(comment): true_margin_monthly equals its recount")
        let repository = CollectionsRepository(logger: service.logger)
        var monthly = 0
        var nonEmpty = 0
        for todayText in todays {
            let today = try #require(CalendarDay(todayText))
            let endingToday = [(today.adding(days: -364).description, todayText), ("2026-06-16", todayText)]
            for caller in callers {
                let scope = DataScope(Org.identity(caller))
                for (from, to) in periods + endingToday {
                    let period = try ReportPeriod.days(from: from, to: to, now: Story.now)
                    let sums = try await service.client.withConnection { connection in
                        try await repository.trueMarginSums(in: period, scope: scope, today: today, on: connection)
                    }
                    let expected = try await dailySums(in: period, scope: scope, today: today, service)
                    #expect(sums.sorted { $0.productLine < $1.productLine } == expected, "\(comment): \(caller) \(from)…\(to) on \(todayText)")
                    let months = period.split.monthsEnding(onOrBefore: today).months
                    if months.first < months.end { monthly += 1 }
                    if !expected.isEmpty { nonEmpty += 1 }
                }
            }
        }
        return (monthly, nonEmpty)
    }

    @Test("whole months ending by today read from the rollup and the rest day by day give the daily sums, through inserts, updates and deletes")
    func monthlyEqualsDaily() async throws {
        try await Story.withService { service in
            try await Org.seed(service)
            // Inserts: signings in several months, regions and owners, some after today.
            for signed in Self.signings { _ = try await service.deliver(signed, source: "deals", subject: signed.contractID, sequence: 5) }
            // Updates: plans, receipts, reversals and write-offs rewrite the lines' money (and add dated open money).
            for delivery in TrueMarginAggregateTests.deliveries {
                _ = try await service.deliver(delivery.event, source: delivery.source, subject: delivery.subject, sequence: delivery.sequence)
            }
            let (monthly, nonEmpty) = try await Self.expectMonthlyEqualsDaily(service, "signed and paid")
            #expect(monthly > 0 && nonEmpty > 0, "some periods read whole months, and find lines")

            // The undated open money differs from 0 in months the rollup serves, so its fen·days term is exercised.
            let undated = try await service.client.query(
                "SELECT count(*)::bigint FROM true_margin_monthly WHERE open_undated_fen <> 0 AND month < DATE '2026-11-01'",
                logger: service.logger
            )
            for try await count in undated.decode(Int64.self) { #expect(count > 3) }

            // Deletes reaching the daily rows: a contract's lines go (its money rows cascade), in a month the rollup
            // serves, and one in the current month.
            try await service.client.query(
                "DELETE FROM signed_contract_lines WHERE contract_id IN ('m-2', 'm-7')",
                logger: service.logger
            )
            try await Self.expectMonthlyEqualsDaily(service, "lines deleted")

            // Statements on the daily table itself, as the rebuild's copy or a correction would write: many rows in one
            // UPDATE, a row moved across a month boundary, and a DELETE.
            try await service.client.query(
                """
                UPDATE true_margin_daily SET open_undated_fen = open_undated_fen + 7, received_fen_days = received_fen_days + 11
                WHERE owner_id IN ('rep-1', 'rep-north')
                """,
                logger: service.logger
            )
            try await service.client.query(
                "UPDATE true_margin_daily SET day = DATE '2026-07-01' WHERE day = DATE '2026-06-30' AND owner_id = 'rep-3'",
                logger: service.logger
            )
            try await service.client.query("DELETE FROM true_margin_daily WHERE day = DATE '2026-05-31'", logger: service.logger)
            try await Self.expectMonthlyEqualsDaily(service, "daily rows updated and deleted")

            try await service.client.query("DELETE FROM true_margin_daily", logger: service.logger)
            #expect(try await Self.differences(service) == 0, "emptied")
            let left = try await service.client.query(
                "SELECT count(*)::bigint FROM true_margin_monthly WHERE lines <> 0 OR open_undated_fen_day_sum <> 0",
                logger: service.logger
            )
            for try await count in left.decode(Int64.self) { #expect(count == 0) }
        }
    }

    @Test("a period keeps in its months only those ending on or before today; the later ones join the tail")
    func monthsEndingByToday() throws {
        let split = ReportPeriod.Split(first: "2025-11-16", end: "2027-01-10")
        #expect(split.months == ("2025-12-01", "2027-01-01"))
        func cut(_ today: String) throws -> ReportPeriod.Split { split.monthsEnding(onOrBefore: try #require(CalendarDay(today))) }
        #expect(
            try cut("2026-11-15")
                == ReportPeriod.Split(head: ("2025-11-16", "2025-12-01"), months: ("2025-12-01", "2026-11-01"), tail: ("2026-11-01", "2027-01-10"))
        )
        #expect(try cut("2026-11-30").months == ("2025-12-01", "2026-12-01"))
        #expect(try cut("2027-03-01") == split)
        #expect(
            try cut("2025-12-30")
                == ReportPeriod.Split(head: ("2025-11-16", "2025-12-01"), months: ("2025-12-01", "2025-12-01"), tail: ("2025-12-01", "2027-01-10"))
        )
        #expect(try cut("2025-01-01").months == ("2025-12-01", "2025-12-01"))
        let inside = ReportPeriod.Split(first: "2026-11-02", end: "2026-11-20")
        #expect(inside.monthsEnding(onOrBefore: try #require(CalendarDay("2026-11-30"))) == inside)
    }
}
