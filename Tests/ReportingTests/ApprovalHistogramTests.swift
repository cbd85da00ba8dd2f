import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Reporting

/// The approval-time histogram of reporting migration 0014 (daily and monthly, kept by statement triggers on
/// approval_times, contract_submissions and org_replica) and the median read from it.
@Suite("Approval time histogram")
struct ApprovalHistogramTests {
    static func instant(_ text: String) -> Date {
        (try? Date(text, strategy: Date.ISO8601FormatStyle())) ?? .distantPast
    }

    static func completed(
        _ id: String,
        _ outcome: ApprovalOutcome = .approved,
        days: Double,
        submitter: String = "rep-1",
        at: String = "2026-11-20T02:00:00Z"
    ) -> ApprovalCompleted {
        ApprovalCompleted(
            approvalID: id,
            contractID: "contract-\(id)",
            contractNumber: "HT-2026-\(id)",
            submitterID: submitter,
            outcome: outcome,
            comment: nil,
            requestedAt: instant("2026-11-16T02:00:00Z"),
            completedAt: instant(at),
            workingDays: days
        )
    }

    static func submitted(_ id: String, owner: String, region: String) -> ContractSubmitted {
        ContractSubmitted(
            contractID: "contract-\(id)",
            number: "HT-2026-\(id)",
            dealID: "d-\(id)",
            customerID: "c-\(id)",
            customerName: "天津重工",
            ownerID: owner,
            region: region,
            amountFen: 100,
            lines: [],
            submittedBy: owner,
            submittedAt: instant("2026-11-16T02:00:00Z")
        )
    }

    func times(as caller: String, _ query: String, _ service: RPCHarness) async throws -> JSONValue {
        let response = await service.call(Operation.Reporting.approvalTimes, as: Org.identity(caller), query: query)
        #expect(response.status == 200)
        return try response.json()
    }

    /// Rows where the histogram (daily, monthly by owner, monthly by region) differs from a recomputation over
    /// approval_times.
    func differences(_ service: RPCHarness) async throws -> Int {
        let rows = try await service.client.query(
            """
            WITH r AS (
                SELECT (a.completed_at AT TIME ZONE 'Asia/Shanghai')::date AS day, COALESCE(s.owner_id, a.submitter_id) AS owner_id,
                    COALESCE(s.region, u.region, '') AS region, a.outcome, round(a.working_days * 100)::integer AS centi_days,
                    count(*) AS approvals, sum(a.working_days::numeric) AS working_days_sum,
                    count(*) FILTER (WHERE a.working_days <= 2) AS within_two
                FROM approval_times a
                    LEFT JOIN contract_submissions s ON s.contract_id = a.contract_id
                    LEFT JOIN org_replica u ON u.id = a.submitter_id
                GROUP BY 1, 2, 3, 4, 5
            ), d AS (
                SELECT day, owner_id, region, outcome, centi_days, approvals::bigint, working_days_sum,
                    within_two_working_days::bigint AS within_two
                FROM approval_time_daily WHERE approvals <> 0
            ), rm AS (
                SELECT date_trunc('month', day)::date AS month, owner_id, region, outcome, centi_days, sum(approvals)::bigint AS approvals,
                    sum(working_days_sum) AS working_days_sum, sum(within_two)::bigint AS within_two
                FROM r GROUP BY 1, 2, 3, 4, 5
            ), m AS (
                SELECT month, owner_id, region, outcome, centi_days, approvals::bigint, working_days_sum,
                    within_two_working_days::bigint AS within_two
                FROM approval_time_monthly WHERE approvals <> 0
            ), rg AS (
                SELECT month, region, outcome, centi_days, sum(approvals)::bigint AS approvals, sum(working_days_sum) AS working_days_sum,
                    sum(within_two)::bigint AS within_two
                FROM rm GROUP BY 1, 2, 3, 4
            ), g AS (
                SELECT month, region, outcome, centi_days, approvals::bigint, working_days_sum, within_two_working_days::bigint AS within_two
                FROM approval_time_region_monthly WHERE approvals <> 0
            )
            SELECT ((SELECT count(*) FROM ((SELECT * FROM d EXCEPT SELECT * FROM r) UNION ALL (SELECT * FROM r EXCEPT SELECT * FROM d)) x)
                + (SELECT count(*) FROM ((SELECT * FROM m EXCEPT SELECT * FROM rm) UNION ALL (SELECT * FROM rm EXCEPT SELECT * FROM m)) y)
                + (SELECT count(*) FROM ((SELECT * FROM g EXCEPT SELECT * FROM rg) UNION ALL (SELECT * FROM rg EXCEPT SELECT * FROM g)) z))::bigint
            """,
            logger: service.logger
        )
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return -1
    }

    @Test("the median of histogram buckets: the middle value, or the mean of the middle two for an even count")
    func medianOfBuckets() {
        typealias Bucket = ApprovalHistogram.Bucket
        #expect(ApprovalHistogram.median([]) == nil)
        #expect(ApprovalHistogram.median([Bucket(centiDays: 150, count: 0)]) == nil)
        #expect(ApprovalHistogram.median([Bucket(centiDays: 150, count: 1)]) == 1.5)
        // 0.5, 1.5, 3.0, 5.0 (any order) → (1.5 + 3.0) / 2, as percentile_cont(0.5).
        let four = [
            Bucket(centiDays: 300, count: 1), Bucket(centiDays: 50, count: 1), Bucket(centiDays: 500, count: 1), Bucket(centiDays: 150, count: 1),
        ]
        #expect(ApprovalHistogram.median(four) == 2.25)
        // 1.00 ×3, 2.00 ×1 → the middle of four is (1.00 + 1.00) / 2; with a fifth at 7.00 the third value, 1.00.
        #expect(ApprovalHistogram.median([Bucket(centiDays: 100, count: 3), Bucket(centiDays: 200, count: 1)]) == 1.0)
        #expect(ApprovalHistogram.median([Bucket(centiDays: 100, count: 2), Bucket(centiDays: 200, count: 2)]) == 1.5)
        // The same value split over two rows (two outcomes) counts once per approval.
        #expect(
            ApprovalHistogram.median([Bucket(centiDays: 120, count: 1), Bucket(centiDays: 120, count: 1), Bucket(centiDays: 700, count: 1)]) == 1.2
        )
    }

    @Test("a period splits into whole months and the days before and after them")
    func periodSplit() {
        typealias Split = ReportPeriod.Split
        // One whole month (the default period, the KPI panel): months only.
        #expect(
            Split(first: "2026-11-01", end: "2026-12-01")
                == Split(head: ("2026-11-01", "2026-11-01"), months: ("2026-11-01", "2026-12-01"), tail: ("2026-12-01", "2026-12-01"))
        )
        // Within a month: days only.
        #expect(
            Split(first: "2026-11-05", end: "2026-11-21")
                == Split(head: ("2026-11-05", "2026-11-21"), months: ("2026-11-21", "2026-11-21"), tail: ("2026-11-21", "2026-11-21"))
        )
        // Across a month end without a whole month: days only.
        #expect(
            Split(first: "2026-10-20", end: "2026-11-10")
                == Split(head: ("2026-10-20", "2026-11-10"), months: ("2026-11-10", "2026-11-10"), tail: ("2026-11-10", "2026-11-10"))
        )
        // Days, whole months across a year end, days.
        #expect(
            Split(first: "2026-10-15", end: "2027-02-03")
                == Split(head: ("2026-10-15", "2026-11-01"), months: ("2026-11-01", "2027-02-01"), tail: ("2027-02-01", "2027-02-03"))
        )
        #expect(
            Split(first: "2026-12-15", end: "2027-02-01")
                == Split(head: ("2026-12-15", "2027-01-01"), months: ("2027-01-01", "2027-02-01"), tail: ("2027-02-01", "2027-02-01"))
        )
    }

    @Test("the histogram equals a recomputation; a late contract.submitted and a submitter's region change move counts")
    func histogramFollowsScope() async throws {
        try await RPCHarness.with(ReportingService.self) { service in
            try await Org.seed(service)
            // rep-1 (east-china) submitted h1..h3; h3's contract belongs to rep-north once contract.submitted arrives.
            try await service.deliver(Self.completed("h1", days: 0.5), subject: "h1", sequence: 4)
            try await service.deliver(Self.completed("h2", .rejected, days: 2.004), subject: "h2", sequence: 4)
            try await service.deliver(Self.completed("h3", days: 1.25), subject: "h3", sequence: 4)
            try await service.deliver(Self.completed("h4", .recalled, days: 0.3), subject: "h4", sequence: 4)
            // A submitter the replica does not know yet: no region until user.created arrives.
            try await service.deliver(Self.completed("h5", days: 3.0, submitter: "rep-new"), subject: "h5", sequence: 4)
            // October, and 1 December in Shanghai.
            try await service.deliver(Self.completed("h6", days: 4.0, at: "2026-10-20T02:00:00Z"), subject: "h6", sequence: 4)
            try await service.deliver(Self.completed("h7", days: 9.0, at: "2026-11-30T16:30:00Z"), subject: "h7", sequence: 4)
            #expect(try await differences(service) == 0)

            var east = try await times(as: "rm-east", "from=2026-11-01&to=2026-11-30", service)
            #expect(east["decided"] == .number(3))
            // 2.004 is over the 2-day target although it rounds into the 2.00 bucket: 2 of 3, exactly.
            #expect(east["withinTwoWorkingDays"]?.stringValue == "66.67")
            // (0.5 + 2.004 + 1.25) / 3 = 1.2513…: the average is of the exact durations.
            #expect(east["averageWorkingDays"]?.stringValue == "1.25")
            #expect(east["medianWorkingDays"]?.stringValue == "1.25")
            var north = try await times(as: "rm-north", "from=2026-11-01&to=2026-11-30", service)
            #expect(north["count"] == .number(0))

            // The late contract.submitted moves h3 from rep-1 / east-china to rep-north / north-china.
            try await service.deliver(Self.submitted("h3", owner: "rep-north", region: "north-china"), subject: "contract-h3", sequence: 2)
            #expect(try await differences(service) == 0)
            east = try await times(as: "rm-east", "from=2026-11-01&to=2026-11-30", service)
            #expect(east["decided"] == .number(2))
            // 0.50 and 2.00 (2.004 to the hundredth): the mean of the two middle buckets.
            #expect(east["medianWorkingDays"]?.stringValue == "1.25")
            north = try await times(as: "rm-north", "from=2026-11-01&to=2026-11-30", service)
            #expect(north["decided"] == .number(1))
            #expect(north["medianWorkingDays"]?.stringValue == "1.25")
            let rep1 = try await times(as: "rep-1", "from=2026-11-01&to=2026-11-30", service)
            #expect(rep1["count"] == .number(3))
            #expect(rep1["recalled"] == .number(1))
            let repNorth = try await times(as: "rep-north", "from=2026-11-01&to=2026-11-30", service)
            #expect(repNorth["approved"] == .number(1))

            // rep-new arrives in north-china: h5 (no submission) now counts there.
            var newUser = Org.user("rep-north")
            newUser.id = "rep-new"
            newUser.username = "rep-new"
            try await service.deliver(UserCreated(user: newUser), source: "gateway", subject: "rep-new", sequence: 1)
            #expect(try await differences(service) == 0)
            north = try await times(as: "rm-north", "from=2026-11-01&to=2026-11-30", service)
            #expect(north["decided"] == .number(2))
            // … and moves with them to east-china.
            try await service.deliver(
                UserUpdated(user: newUser.updated(version: 2) { $0.region = "east-china" }, changedFields: ["region"]),
                source: "gateway",
                subject: "rep-new",
                sequence: 2
            )
            #expect(try await differences(service) == 0)
            north = try await times(as: "rm-north", "from=2026-11-01&to=2026-11-30", service)
            #expect(north["decided"] == .number(1))

            // Whole months from the monthly rows, the rest from the daily ones; the same numbers either way.
            let gm = try await times(as: "gm", "from=2026-10-15&to=2026-12-01", service)
            #expect(gm["count"] == .number(7))
            #expect(gm["decided"] == .number(6))
            // 0.50, 1.25, 2.00, 3.00, 4.00, 9.00 → (2.00 + 3.00) / 2.
            #expect(gm["medianWorkingDays"]?.stringValue == "2.50")
            let days = try await times(as: "gm", "from=2026-11-20&to=2026-11-20", service)
            #expect(days["count"] == .number(5))
            let december = try await times(as: "gm", "from=2026-12-01&to=2026-12-31", service)
            #expect(december["count"] == .number(1))
            #expect(december["averageWorkingDays"]?.stringValue == "9.00")

            // A newer approval.completed replaces the row's duration and outcome; the histogram follows.
            try await service.deliver(Self.completed("h1", .rejected, days: 6.0), subject: "h1", sequence: 9)
            #expect(try await differences(service) == 0)
            let rep1Later = try await times(as: "rep-1", "from=2026-11-01&to=2026-11-30", service)
            #expect(rep1Later["rejected"] == .number(2))
            #expect(rep1Later["approved"] == .number(0))
        }
    }
}
