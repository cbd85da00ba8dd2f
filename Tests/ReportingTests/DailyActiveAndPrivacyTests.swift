import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Reporting

@Suite("Daily active users and the event log's personal data")
struct DailyActiveAndPrivacyTests {
    static func instant(_ text: String) -> Date {
        (try? Date(text, strategy: Date.ISO8601FormatStyle())) ?? .distantPast
    }

    /// Delivers `user.logged_in` for a fixture user at `time`.
    static func login(_ userID: String, at time: Date, sequence: Int64, _ service: RPCHarness) async throws -> EventEnvelope {
        let user = Org.user(userID)
        var envelope = try EventEnvelope(
            UserLoggedIn(userID: userID, role: user.role, region: user.region),
            source: "gateway",
            subject: userID,
            sequence: sequence
        )
        envelope.time = time
        try await service.deliver(envelope)
        return envelope
    }

    struct Day: Decodable, Equatable {
        var day: String
        var activeUsers: Int
        var activeReps: Int
        var repShare: String?
    }

    struct Report: Decodable {
        var from: String
        var to: String
        var activeReps: Int
        var days: [Day]
    }

    static func report(as caller: String, _ query: String, _ service: RPCHarness) async throws -> Report {
        let response = await service.call(DailyActiveHandler.operation, as: caller, query: query)
        #expect(response.status == 200, "\(response.text)")
        return try response.decode(Report.self)
    }

    @Test("daily active: distinct users per Asia/Shanghai day in the caller's scope, and the share of the scope's active reps")
    func dailyActive() async throws {
        try await RPCHarness.with(ReportingService.self) { service in
            try await Org.seed(service)
            // 2026-11-01T16:30Z is 00:30 on 2 November in Shanghai.
            let first = try await Self.login("rep-1", at: Self.instant("2026-11-02T01:00:00Z"), sequence: 1, service)
            _ = try await Self.login("rep-1", at: Self.instant("2026-11-02T10:00:00Z"), sequence: 2, service)
            _ = try await Self.login("rep-2", at: Self.instant("2026-11-01T16:30:00Z"), sequence: 1, service)
            _ = try await Self.login("rep-north", at: Self.instant("2026-11-02T03:00:00Z"), sequence: 1, service)
            _ = try await Self.login("sup-1", at: Self.instant("2026-11-03T02:00:00Z"), sequence: 1, service)
            _ = try await Self.login("rep-1", at: Self.instant("2026-11-03T02:00:00Z"), sequence: 3, service)
            // A replay of a login already counted changes nothing.
            try await service.replay(first)

            let query = "from=2026-11-01&to=2026-11-03"
            let gm = try await Self.report(as: "gm", query, service)
            #expect(gm.from == "2026-11-01" && gm.to == "2026-11-03")
            #expect(gm.activeReps == 7)
            #expect(
                gm.days == [
                    Day(day: "2026-11-01", activeUsers: 0, activeReps: 0, repShare: "0.00"),
                    Day(day: "2026-11-02", activeUsers: 3, activeReps: 3, repShare: "42.86"),
                    Day(day: "2026-11-03", activeUsers: 2, activeReps: 1, repShare: "14.29"),
                ]
            )

            let rep = try await Self.report(as: "rep-1", query, service)
            #expect(rep.activeReps == 1)
            #expect(rep.days.map(\.activeUsers) == [0, 1, 1])
            #expect(rep.days.map(\.repShare) == ["0.00", "100.00", "100.00"])

            let supervisor = try await Self.report(as: "sup-1", query, service)
            #expect(supervisor.activeReps == 2)  // rep-1 and rep-gone
            #expect(supervisor.days.map(\.activeUsers) == [0, 1, 2])
            #expect(supervisor.days.map(\.repShare) == ["0.00", "50.00", "50.00"])

            let north = try await Self.report(as: "rm-north", query, service)
            #expect(north.activeReps == 1)
            #expect(north.days.map(\.activeUsers) == [0, 1, 0])

            // A supervisor's scope holds reps; a rep of another region is not counted for rm-east.
            let east = try await Self.report(as: "rm-east", query, service)
            #expect(east.activeReps == 6)
            #expect(east.days.map(\.activeReps) == [0, 2, 1])
        }
    }

    @Test("daily active refuses a period longer than a year, a day that is not a date, and to before from")
    func dailyActiveValidation() async throws {
        try await RPCHarness.with(ReportingService.self) { service in
            for query in ["from=2024-01-01&to=2026-11-01", "from=2026-11-32", "from=2026-11-05&to=2026-11-01"] {
                let response = await service.call(DailyActiveHandler.operation, as: "gm", query: query)
                #expect(response.status == 422, "\(query): \(response.text)")
            }
            let unauthenticated = await service.call(DailyActiveHandler.operation, as: nil as CallerIdentity?, query: "")
            #expect(unauthenticated.status == 401)
        }
    }

    @Test("past retention the event log keeps every row and figure but loses contact names, phones, e-mails and mobiles")
    func eventLogLosesPersonalData() async throws {
        try await RPCHarness.with(ReportingService.self) { service in
            try await Org.seed(service)
            let old = Date().addingTimeInterval(-100 * 86_400)
            let contact = CustomerContact(name: "王建国", phone: "13912345678", email: "wang@example.com", title: "采购经理")
            let customer = CustomerSnapshot(
                id: "cu-1",
                name: "宁波精密机械",
                region: "east-china",
                industry: "machinery",
                ownerID: "rep-1",
                contacts: [contact],
                version: 1
            )
            var oldCustomer = try EventEnvelope(CustomerCreated(customer: customer), source: "customers", subject: "cu-1", sequence: 1)
            oldCustomer.time = old
            try await service.deliver(oldCustomer)
            // An import's batch: each of its customers loses its contacts.
            var imported = [customer, customer]
            imported[0].id = "cu-3"
            imported[1].id = "cu-4"
            imported[1].name = "温州五金"
            var oldImport = try EventEnvelope(
                CustomersImported(importID: "im-1", firstRow: 2, customers: imported),
                source: "customers",
                subject: "im-1",
                sequence: 2
            )
            oldImport.time = old
            try await service.deliver(oldImport)
            var recentSnapshot = customer
            recentSnapshot.id = "cu-2"
            let recentCustomer = try await service.deliver(CustomerCreated(customer: recentSnapshot), subject: "cu-2", sequence: 1)
            var oldUser = try EventEnvelope(
                UserUpdated(user: Org.user("rep-1").updated(version: 2) { $0.wecomUserID = "zhangwei" }, changedFields: ["wecomUserID"]),
                source: "gateway",
                subject: "rep-1",
                sequence: 2
            )
            oldUser.time = old
            try await service.deliver(oldUser)
            let line = PricedLine(
                productID: "p-1",
                productName: "M8 螺栓",
                productLine: "fasteners",
                quantity: 3,
                unitPriceFen: 9_007_199_254_740_993,
                discountBasisPoints: 0,
                amountFen: 9_007_199_254_740_993,
                costFen: 1_000
            )
            var oldContract = try EventEnvelope(
                ContractSigned(
                    contractID: "c-1",
                    number: "HT-2026-000001",
                    dealID: "d-1",
                    ownerID: "rep-1",
                    region: "east-china",
                    amountFen: 9_007_199_254_740_993,
                    lines: [line],
                    signedAt: old
                ),
                source: "deals",
                subject: "c-1",
                sequence: 5
            )
            oldContract.time = old
            try await service.deliver(oldContract)
            let rowsBefore = try await service.count("event_log")
            let month = String(BusinessCalendar.day(of: old).description.prefix(7))
            let figures = { @Sendable () async throws -> [JSONValue?] in
                let summary = try await service.call(Operation.Reporting.summary, as: "gm").json()
                let topReps = try await service.call(Operation.Reporting.topReps, as: "gm", query: "month=\(month)").json()
                return [summary["customers"], summary["customersByRegion"], summary["customersByIndustry"], topReps]
            }
            let figuresBefore = try await figures()
            guard case .array(let ranked)? = figuresBefore[3]?["items"] else { throw HarnessFailure("no top reps") }
            #expect(ranked.first?["signedAmountFen"] == .integer(9_007_199_254_740_993))

            let schema = try await Self.currentSchema(service)
            let policy = RetentionPolicy()
            let pruner = RetentionPruner(
                client: service.client,
                schema: schema,
                policy: policy,
                rules: ReportingService.retentionRules(policy),
                logger: service.logger
            )
            let touched = try await pruner.pass()
            #expect(touched["event_log_personal_data"] == 4)
            #expect(try await pruner.pass()["event_log_personal_data"] == 0)

            // Every row stays: the projections are rebuilt from them.
            #expect(try await service.count("event_log") == rowsBefore)
            let customerText = try await Self.envelopeText(oldCustomer.id, service)
            for personal in ["王建国", "13912345678", "wang@example.com"] { #expect(!customerText.contains(personal)) }
            let scrubbedCustomer = try EventEnvelope.decode(from: Array(customerText.utf8)).decodeData(as: CustomerCreated.self)
            #expect(scrubbedCustomer.customer.contacts.isEmpty)
            #expect(scrubbedCustomer.customer.region == "east-china" && scrubbedCustomer.customer.industry == "machinery")
            #expect(scrubbedCustomer.customer.ownerID == "rep-1" && scrubbedCustomer.customer.name == "宁波精密机械")

            let importText = try await Self.envelopeText(oldImport.id, service)
            for personal in ["王建国", "13912345678", "wang@example.com"] { #expect(!importText.contains(personal)) }
            let scrubbedImport = try EventEnvelope.decode(from: Array(importText.utf8)).decodeData(as: CustomersImported.self)
            #expect(scrubbedImport.customers.map(\.id) == ["cu-3", "cu-4"] && scrubbedImport.customers.allSatisfy(\.contacts.isEmpty))
            #expect(scrubbedImport.customers.map(\.name) == ["宁波精密机械", "温州五金"] && scrubbedImport.firstRow == 2)

            let userText = try await Self.envelopeText(oldUser.id, service)
            let scrubbedUser = try EventEnvelope.decode(from: Array(userText.utf8)).decodeData(as: UserUpdated.self)
            #expect(scrubbedUser.user.mobile == nil && scrubbedUser.user.wecomUserID == nil)
            #expect(scrubbedUser.user.displayName == "张伟" && scrubbedUser.user.role == .rep && scrubbedUser.user.supervisorID == "sup-1")
            #expect(!userText.contains("13800000001"))

            let contract = try EventEnvelope.decode(from: Array(try await Self.envelopeText(oldContract.id, service).utf8))
                .decodeData(as: ContractSigned.self)
            #expect(contract.amountFen == 9_007_199_254_740_993 && contract.lines == [line])

            // A recent event keeps its contacts until its time comes.
            #expect(try await Self.envelopeText(recentCustomer.id, service).contains("13912345678"))
            // The reports read the projections, which keep their figures.
            #expect(try await figures() == figuresBefore)
            // A scrubbed envelope still replays as its event type.
            try await service.replay(try EventEnvelope.decode(from: Array(customerText.utf8)))
        }
    }

    static func currentSchema(_ service: RPCHarness) async throws -> String {
        for try await schema in try await service.client.query("SELECT current_schema()", logger: service.logger).decode(String.self) {
            return schema
        }
        throw HarnessFailure("no current schema")
    }

    static func envelopeText(_ id: UUID, _ service: RPCHarness) async throws -> String {
        let rows = try await service.client.query("SELECT envelope::text FROM event_log WHERE id = \(id)", logger: service.logger)
        for try await text in rows.decode(String.self) { return text }
        throw HarnessFailure("no event \(id) in the log")
    }
}
