import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
public import TestSupport
import Testing

@testable import Reporting

extension ReportingService: ServiceUnderTest {}

/// The four reports against a real PostgreSQL schema of their own: projections fed through the registered event
/// handlers (in a transaction, as the consumer runs them), answered through the service's RPC router.
@Suite("Report operations")
struct ReportOperationsTests {
    static func instant(_ text: String) -> Date {
        (try? Date(text, strategy: Date.ISO8601FormatStyle())) ?? .distantPast
    }

    /// Runs `body` with the reporting service on a schema of its own.
    func withService(_ body: @Sendable (RPCHarness) async throws -> Void) async throws {
        try await RPCHarness.with(ReportingService.self, body)
    }

    static func line(_ productLine: String, amount: Fen, cost: Fen) -> PricedLine {
        PricedLine(
            productID: "p-\(productLine)",
            productName: productLine,
            productLine: productLine,
            quantity: 1,
            unitPriceFen: amount,
            discountBasisPoints: 0,
            amountFen: amount,
            costFen: cost
        )
    }

    static func signed(
        _ id: String,
        owner: String,
        region: String = "east-china",
        deal: String? = nil,
        at: String,
        lines: [PricedLine]
    ) -> ContractSigned {
        ContractSigned(
            contractID: id,
            number: "HT-2026-\(id)",
            dealID: deal ?? "deal-\(id)",
            ownerID: owner,
            region: region,
            amountFen: lines.reduce(0) { $0 + $1.amountFen },
            lines: lines,
            signedAt: instant(at)
        )
    }

    @discardableResult
    func sign(_ contract: ContractSigned, _ service: RPCHarness) async throws -> EventEnvelope {
        try await service.deliver(contract, source: "deals", subject: contract.contractID, sequence: 5)
    }

    func call(_ operation: String, as caller: String?, query: String? = nil, _ service: RPCHarness) async throws -> (Int, JSONValue) {
        let response = await service.call(operation, as: caller.map(Org.identity), query: query)
        return (response.status, try response.json())
    }

    func items(_ json: JSONValue, _ key: String = "items") -> [JSONValue] {
        guard case .array(let items)? = json[key] else { return [] }
        return items
    }

    // MARK: Top reps

    @Test("top reps: five largest signed amounts of the Shanghai month, with names; 2026-11-30T16:30Z is December")
    func topReps() async throws {
        try await withService { service in
            try await Org.seed(service)
            let bolts = { (amount: Fen) in [Self.line("M8 bolts", amount: amount, cost: amount / 2)] }
            for contract in [
                Self.signed("1", owner: "rep-1", at: "2026-11-03T02:00:00Z", lines: bolts(10_000_000)),
                Self.signed("2", owner: "rep-1", at: "2026-11-20T02:00:00Z", lines: bolts(5_000_000)),
                Self.signed("3", owner: "rep-2", at: "2026-11-10T02:00:00Z", lines: bolts(20_000_000)),
                // 00:00 on 1 November in Shanghai: November.
                Self.signed("4", owner: "rep-3", at: "2026-10-31T16:00:00Z", lines: bolts(1_000_000)),
                // 00:30 on 1 December in Shanghai: December, however large.
                Self.signed("5", owner: "rep-4", at: "2026-11-30T16:30:00Z", lines: bolts(99_000_000)),
                // 23:59 on 31 October in Shanghai: October.
                Self.signed("6", owner: "rep-5", at: "2026-10-31T15:59:00Z", lines: bolts(50_000_000)),
                Self.signed("7", owner: "rep-5", at: "2026-11-15T02:00:00Z", lines: bolts(2_000_000)),
                Self.signed("8", owner: "rep-north", region: "north-china", at: "2026-11-16T02:00:00Z", lines: bolts(3_000_000)),
                Self.signed("9", owner: "sup-1", at: "2026-11-17T02:00:00Z", lines: bolts(500_000)),
            ] {
                try await sign(contract, service)
            }

            let (status, november) = try await call(Operation.Reporting.topReps, as: "gm", query: "month=2026-11", service)
            #expect(status == 200)
            #expect(november["month"]?.stringValue == "2026-11")
            let ranked = items(november)
            #expect(ranked.compactMap { $0["userId"]?.stringValue } == ["rep-2", "rep-1", "rep-north", "rep-5", "rep-3"])
            #expect(ranked.first?["displayName"]?.stringValue == "李娜")
            #expect(ranked.first?["region"]?.stringValue == "east-china")
            #expect(ranked.dropFirst().first?["signedAmountFen"] == .number(15_000_000))
            #expect(ranked.dropFirst().first?["contracts"] == .number(2))

            let december = items(try await call(Operation.Reporting.topReps, as: "gm", query: "month=2026-12", service).1)
            #expect(december.compactMap { $0["userId"]?.stringValue } == ["rep-4"])

            // Scope: a rep sees only their own line, a supervisor their team, a regional manager their region.
            let own = items(try await call(Operation.Reporting.topReps, as: "rep-1", query: "month=2026-11", service).1)
            #expect(own.compactMap { $0["userId"]?.stringValue } == ["rep-1"])
            let team = items(try await call(Operation.Reporting.topReps, as: "sup-1", query: "month=2026-11", service).1)
            #expect(team.compactMap { $0["userId"]?.stringValue } == ["rep-1", "sup-1"])
            let otherTeam = items(try await call(Operation.Reporting.topReps, as: "sup-2", query: "month=2026-11", service).1)
            #expect(otherTeam.compactMap { $0["userId"]?.stringValue } == ["rep-2", "rep-5", "rep-3"])
            let region = items(try await call(Operation.Reporting.topReps, as: "rm-east", query: "month=2026-11", service).1)
            #expect(!region.contains { $0["userId"]?.stringValue == "rep-north" })
            #expect(region.count == 5)

            #expect(try await call(Operation.Reporting.topReps, as: "gm", query: "month=2026-13", service).0 == 422)
            #expect(try await call(Operation.Reporting.topReps, as: "gm", query: "month=2026-1", service).0 == 422)
            #expect(try await call(Operation.Reporting.topReps, as: nil, query: "month=2026-11", service).0 == 401)
            // No month: the current one, which answers 200 with its label.
            let current = try await call(Operation.Reporting.topReps, as: "gm", service)
            #expect(current.0 == 200)
            #expect(current.1["month"]?.stringValue?.count == 7)
        }
    }

    // MARK: Margins

    @Test("product line margins: revenue, cost and an exact percent per line, inclusive Shanghai dates, scoped")
    func margins() async throws {
        try await withService { service in
            try await Org.seed(service)
            try await sign(
                Self.signed(
                    "1",
                    owner: "rep-1",
                    at: "2026-11-01T01:00:00Z",
                    lines: [Self.line("M8 bolts", amount: 5_000_000, cost: 3_125_000), Self.line("bearings", amount: 30_000, cost: 20_000)]
                ),
                service
            )
            try await sign(
                Self.signed("2", owner: "rep-2", at: "2026-11-30T15:00:00Z", lines: [Self.line("M8 bolts", amount: 3_000_000, cost: 1_875_000)]),
                service
            )
            // 1 December in Shanghai: outside 1–30 November.
            try await sign(
                Self.signed("3", owner: "rep-1", at: "2026-11-30T16:30:00Z", lines: [Self.line("M8 bolts", amount: 7_000_000, cost: 1)]),
                service
            )
            try await sign(
                Self.signed(
                    "4",
                    owner: "rep-north",
                    region: "north-china",
                    at: "2026-11-05T01:00:00Z",
                    lines: [Self.line("gears", amount: 100, cost: 150)]
                ),
                service
            )

            let (status, body) = try await call(Operation.Reporting.productLineMargins, as: "gm", query: "from=2026-11-01&to=2026-11-30", service)
            #expect(status == 200)
            let lines = items(body)
            #expect(lines.compactMap { $0["productLine"]?.stringValue } == ["M8 bolts", "bearings", "gears"])
            let bolts = try #require(lines.first)
            #expect(bolts["revenueFen"] == .number(8_000_000))
            #expect(bolts["costFen"] == .number(5_000_000))
            #expect(bolts["grossMarginFen"] == .number(3_000_000))
            #expect(bolts["grossMarginPercent"]?.stringValue == "37.50")
            #expect(lines[1]["grossMarginPercent"]?.stringValue == "33.33")
            #expect(lines[2]["grossMarginFen"] == .number(-50))
            #expect(lines[2]["grossMarginPercent"]?.stringValue == "-50.00")

            let own = items(try await call(Operation.Reporting.productLineMargins, as: "rep-2", query: "from=2026-11-01&to=2026-11-30", service).1)
            #expect(own.count == 1)
            #expect(own.first?["revenueFen"] == .number(3_000_000))
            #expect(own.first?["grossMarginPercent"]?.stringValue == "37.50")

            let december = items(try await call(Operation.Reporting.productLineMargins, as: "gm", query: "from=2026-12-01&to=2026-12-01", service).1)
            #expect(december.first?["revenueFen"] == .number(7_000_000))

            #expect(try await call(Operation.Reporting.productLineMargins, as: "gm", query: "from=2026-11-30&to=2026-11-01", service).0 == 422)
            #expect(try await call(Operation.Reporting.productLineMargins, as: "gm", query: "from=2026-02-30", service).0 == 422)
            #expect(try await call(Operation.Reporting.productLineMargins, as: nil, service).0 == 401)
        }
    }

    // MARK: Funnel

    func stage(
        _ deal: String,
        _ from: DealStage?,
        _ to: DealStage,
        at: String,
        sequence: Int64,
        owner: String = "rep-1",
        region: String = "east-china",
        _ service: RPCHarness
    ) async throws {
        let change = DealStageChanged(
            dealID: deal,
            customerID: "c-\(deal)",
            ownerID: owner,
            region: region,
            from: from,
            to: to,
            lostReason: to == .lost ? "price" : nil,
            at: Self.instant(at)
        )
        try await service.deliver(change, subject: deal, sequence: sequence)
    }

    @Test("funnel: each deal created in the period counts once per stage it reached, out of order and duplicates harmless")
    func funnel() async throws {
        try await withService { service in
            try await Org.seed(service)
            let day = "2026-11-10T02:00:00Z"
            try await stage("d1", nil, .lead, at: day, sequence: 1, service)
            try await stage("d2", nil, .lead, at: day, sequence: 1, service)
            try await stage("d2", .lead, .qualified, at: "2026-11-11T02:00:00Z", sequence: 2, service)
            // d3 arrives backwards: contract first, its creation last.
            try await stage("d3", .quoted, .contract, at: "2026-11-14T02:00:00Z", sequence: 4, service)
            try await stage("d3", .qualified, .quoted, at: "2026-11-13T02:00:00Z", sequence: 3, service)
            try await stage("d3", .lead, .qualified, at: "2026-11-12T02:00:00Z", sequence: 2, service)
            try await stage("d3", nil, .lead, at: day, sequence: 1, service)
            // d4: won by a signed contract.
            try await stage("d4", nil, .lead, at: day, sequence: 1, owner: "rep-2", service)
            try await stage("d4", .lead, .qualified, at: day, sequence: 2, owner: "rep-2", service)
            try await stage("d4", .qualified, .quoted, at: day, sequence: 3, owner: "rep-2", service)
            try await stage("d4", .quoted, .contract, at: day, sequence: 4, owner: "rep-2", service)
            try await sign(Self.signed("c4", owner: "rep-2", deal: "d4", at: day, lines: [Self.line("M8 bolts", amount: 100, cost: 50)]), service)
            // d5: lost after qualifying.
            try await stage("d5", nil, .lead, at: day, sequence: 1, owner: "rep-north", region: "north-china", service)
            try await stage("d5", .lead, .qualified, at: day, sequence: 2, owner: "rep-north", region: "north-china", service)
            try await stage("d5", .qualified, .lost, at: day, sequence: 3, owner: "rep-north", region: "north-china", service)
            // d6: created on 1 December in Shanghai, outside November, though it progressed inside it.
            try await stage("d6", nil, .lead, at: "2026-11-30T16:30:00Z", sequence: 1, service)
            // d7: its creation has not arrived, so it is in no period yet.
            try await stage("d7", .lead, .qualified, at: day, sequence: 2, service)

            func counts(as caller: String) async throws -> [String: (Double, String?)] {
                let (status, body) = try await call(Operation.Reporting.funnel, as: caller, query: "from=2026-11-01&to=2026-11-30", service)
                #expect(status == 200)
                var result: [String: (Double, String?)] = [:]
                for stage in items(body, "stages") {
                    guard let name = stage["stage"]?.stringValue, let count = stage["count"]?.doubleValue else { continue }
                    result[name] = (count, stage["conversionFromPrevious"]?.stringValue)
                }
                return result
            }
            let all = try await counts(as: "gm")
            #expect(["lead", "qualified", "quoted", "contract", "won"].map { all[$0]?.0 } == [5, 4, 2, 2, 1])
            #expect(["lead", "qualified", "quoted", "contract", "won"].map { all[$0]?.1 } == ["100.00", "80.00", "50.00", "100.00", "50.00"])

            // The whole story again: duplicated events change nothing.
            try await stage("d3", .quoted, .contract, at: "2026-11-14T02:00:00Z", sequence: 4, service)
            try await stage("d1", nil, .lead, at: day, sequence: 1, service)
            let again = try await counts(as: "gm")
            #expect(["lead", "qualified", "quoted", "contract", "won"].map { again[$0]?.0 } == [5, 4, 2, 2, 1])

            let own = try await counts(as: "rep-1")
            #expect(["lead", "qualified", "quoted", "contract", "won"].map { own[$0]?.0 } == [3, 2, 1, 1, 0])
            #expect(own["won"]?.1 == "0.00")
            let north = try await counts(as: "rep-north")
            #expect(north["lead"]?.0 == 1)
            #expect(north["quoted"]?.0 == 0)
            #expect(north["contract"]?.1 == nil)
        }
    }

    // MARK: Approval times

    func completed(
        _ id: String,
        _ outcome: ApprovalOutcome,
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
            requestedAt: Self.instant("2026-11-16T02:00:00Z"),
            completedAt: Self.instant(at),
            workingDays: days
        )
    }

    @Test("approval times: average, median and share within 2 working days over decided approvals, scoped")
    func approvalTimes() async throws {
        try await withService { service in
            try await Org.seed(service)
            try await service.deliver(completed("a1", .approved, days: 0.5), subject: "a1", sequence: 4)
            try await service.deliver(completed("a2", .approved, days: 1.5), subject: "a2", sequence: 4)
            try await service.deliver(completed("a3", .rejected, days: 3.0, submitter: "rep-2"), subject: "a3", sequence: 4)
            let a4 = try await service.deliver(completed("a4", .approved, days: 5.0, submitter: "rep-north"), subject: "a4", sequence: 4)
            try await service.deliver(completed("a5", .recalled, days: 1.0), subject: "a5", sequence: 2)
            // Completed on 1 December in Shanghai.
            try await service.deliver(completed("a6", .approved, days: 9.0, at: "2026-11-30T16:30:00Z"), subject: "a6", sequence: 4)
            // a4's contract was submitted for rep-north in north-china.
            let submitted = ContractSubmitted(
                contractID: "contract-a4",
                number: "HT-2026-a4",
                dealID: "d-a4",
                customerID: "c-a4",
                customerName: "天津重工",
                ownerID: "rep-north",
                region: "north-china",
                amountFen: 100,
                lines: [],
                submittedBy: "rep-north",
                submittedAt: Self.instant("2026-11-16T02:00:00Z")
            )
            try await service.deliver(submitted, subject: "contract-a4", sequence: 2)
            // A redelivered copy, past the inbox (e.g. a replay), changes nothing.
            try await service.replay(a4)

            let (status, body) = try await call(Operation.Reporting.approvalTimes, as: "gm", query: "from=2026-11-01&to=2026-11-30", service)
            #expect(status == 200)
            #expect(body["count"] == .number(5))
            #expect(body["decided"] == .number(4))
            #expect(body["approved"] == .number(3))
            #expect(body["rejected"] == .number(1))
            #expect(body["recalled"] == .number(1))
            #expect(body["averageWorkingDays"]?.stringValue == "2.50")
            #expect(body["medianWorkingDays"]?.stringValue == "2.25")
            #expect(body["withinTwoWorkingDays"]?.stringValue == "50.00")

            let own = try await call(Operation.Reporting.approvalTimes, as: "rep-1", query: "from=2026-11-01&to=2026-11-30", service).1
            #expect(own["count"] == .number(3))
            #expect(own["averageWorkingDays"]?.stringValue == "1.00")
            #expect(own["withinTwoWorkingDays"]?.stringValue == "100.00")

            let east = try await call(Operation.Reporting.approvalTimes, as: "rm-east", query: "from=2026-11-01&to=2026-11-30", service).1
            #expect(east["decided"] == .number(3))
            #expect(east["medianWorkingDays"]?.stringValue == "1.50")

            let empty = try await call(Operation.Reporting.approvalTimes, as: "gm", query: "from=2026-10-01&to=2026-10-31", service).1
            #expect(empty["count"] == .number(0))
            #expect(empty["averageWorkingDays"] == .null)
            #expect(empty["withinTwoWorkingDays"] == .null)
        }
    }

    // MARK: Summary

    @Test("summary: a rep counts only their own customers, a supervisor their team's, a regional manager their region's")
    func summaryKeepsToScope() async throws {
        try await withService { service in
            try await Org.seed(service)
            for (index, (owner, region, industry)) in [
                ("rep-1", "east-china", "manufacturing"),
                ("rep-1", "east-china", "retail"),
                ("rep-2", "east-china", "manufacturing"),
                ("rep-north", "north-china", "energy"),
                (nil, "east-china", "retail"),
            ].enumerated() {
                let customer = CustomerSnapshot(
                    id: "cust-\(index)",
                    name: "客户 \(index)",
                    region: region,
                    industry: industry,
                    ownerID: owner,
                    contacts: [],
                    version: 1
                )
                try await service.deliver(CustomerCreated(customer: customer), subject: customer.id, sequence: 1)
            }

            let (status, own) = try await call(Operation.Reporting.summary, as: "rep-1", service)
            #expect(status == 200)
            #expect(own["customers"] == .number(2))
            #expect(own["customersByRegion"] == .object(["east-china": .number(2)]))
            #expect(own["customersByIndustry"] == .object(["manufacturing": .number(1), "retail": .number(1)]))

            let team = try await call(Operation.Reporting.summary, as: "sup-2", service).1
            #expect(team["customers"] == .number(1))
            #expect(team["customersByIndustry"] == .object(["manufacturing": .number(1)]))
            let region = try await call(Operation.Reporting.summary, as: "rm-north", service).1
            #expect(region["customers"] == .number(1))
            #expect(region["customersByRegion"] == .object(["north-china": .number(1)]))
            let everyone = try await call(Operation.Reporting.summary, as: "gm", service).1
            #expect(everyone["customers"] == .number(5))
            #expect(everyone["customersByRegion"] == .object(["east-china": .number(4), "north-china": .number(1)]))

            let anonymous = await service.call(Operation.Reporting.summary, as: nil as CallerIdentity?)
            #expect(anonymous.status == 401)
        }
    }

    // MARK: Order and duplicates

    @Test("a late, older user event and a repeated contract.signed change nothing; every event is in the event log")
    func orderAndDuplicates() async throws {
        try await withService { service in
            var renamed = Org.user("rep-1").updated(version: 2) { $0.displayName = "张伟 (华东)" }
            try await service.deliver(UserUpdated(user: renamed, changedFields: ["displayName"]), subject: "rep-1", sequence: 2)
            try await service.deliver(UserCreated(user: Org.user("rep-1")), subject: "rep-1", sequence: 1)
            let contract = Self.signed("1", owner: "rep-1", at: "2026-11-03T02:00:00Z", lines: [Self.line("M8 bolts", amount: 1_000, cost: 600)])
            let envelope = try await sign(contract, service)
            try await service.replay(envelope)
            // The same fact under a new event id (a re-publish) is still one contract.
            try await sign(contract, service)
            renamed.version = 3
            renamed.active = true
            try await service.deliver(UserDeactivated(user: renamed), subject: "rep-1", sequence: 3)

            let ranked = items(try await call(Operation.Reporting.topReps, as: "gm", query: "month=2026-11", service).1)
            #expect(ranked.count == 1)
            #expect(ranked.first?["displayName"]?.stringValue == "张伟 (华东)")
            #expect(ranked.first?["signedAmountFen"] == .number(1_000))
            #expect(ranked.first?["contracts"] == .number(1))
            let margins = items(try await call(Operation.Reporting.productLineMargins, as: "gm", query: "from=2026-11-01&to=2026-11-30", service).1)
            #expect(margins.first?["revenueFen"] == .number(1_000))
            #expect(margins.first?["grossMarginPercent"]?.stringValue == "40.00")

            let rows = try await service.client.query("SELECT count(*)::bigint FROM event_log", logger: service.logger)
            var logged: Int64 = -1
            for try await count in rows.decode(Int64.self) { logged = count }
            // Two user events, two distinct contract.signed ids and the deactivation; the repeated id once.
            #expect(logged == 5)
            let active = try await service.client.query("SELECT active FROM org_replica WHERE id = 'rep-1'", logger: service.logger)
            for try await flag in active.decode(Bool.self) { #expect(flag == false) }
        }
    }
}
