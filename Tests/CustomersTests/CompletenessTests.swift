import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Customers

/// Customers with chosen completeness, stored directly in the schema (address, a contact's title, credit code, level,
/// location, visits at chosen times).
struct CompletenessFixture {
    let service: RPCHarness
    /// Customer name → id.
    var ids: [String: String] = [:]
    private var codes = 0

    init(service: RPCHarness) {
        self.service = service
    }

    /// Stores a customer owned by `owner` with the facts given, straight into the schema (the rule reads rows; how
    /// they were written is the other operations' business).
    @discardableResult
    mutating func customer(
        _ name: String,
        owner: String,
        region: String = "east-china",
        address: String? = nil,
        title: String? = nil,
        creditCode: Bool = false,
        level: String? = nil,
        located: Bool = false,
        visitedAt: Date? = nil
    ) async throws -> String {
        let id = UUID()
        codes += 1
        let code: String? = creditCode ? "TESTCODE\(codes)" : nil
        let contacts = try String(
            decoding: JSONCoding.encoder.encode([CustomerContact(name: "王经理", phone: "13800138000", title: title)]),
            as: UTF8.self
        )
        try await service.client.query(
            """
            INSERT INTO customers (id, name, normalized_name, region, industry, address, owner_id, contacts, version,
                credit_code, level, latitude, longitude)
            VALUES (\(id), \(name), \(name.lowercased()), \(region), 'fasteners', \(address), \(owner), \(contacts)::jsonb, 1,
                \(code), \(level), CASE WHEN \(located) THEN 31.230416 END, CASE WHEN \(located) THEN 121.473701 END)
            """,
            logger: service.logger
        )
        ids[name] = id.uuidString.lowercased()
        if let visitedAt { try await visit(name, by: owner, at: visitedAt) }
        return id.uuidString.lowercased()
    }

    /// A check-in at a customer at a chosen time.
    func visit(_ name: String, by rep: String, at time: Date) async throws {
        let id = try #require(ids[name].flatMap(UUID.init(uuidString:)))
        try await service.client.query(
            """
            INSERT INTO visits (id, customer_id, rep_id, checked_in_at, latitude, longitude, accuracy_meters, purpose, version)
            VALUES (\(UUID()), \(id), \(rep), \(time), 31.230416, 121.473701, 10, 'follow_up', 1)
            """,
            logger: service.logger
        )
    }

    /// Runs SQL against one customer (`$1` is not available: the statement names the id itself).
    func update(_ name: String, _ assignments: String) async throws {
        let id = try #require(ids[name].flatMap(UUID.init(uuidString:)))
        try await service.client.query("UPDATE customers SET \(unescaped: assignments) WHERE id = \(id)", logger: service.logger)
    }
}

/// What `GET /reports/completeness` answers, as a client decodes it.
struct CompletenessReportBody: Decodable {
    struct Worst: Decodable, Equatable {
        var customerId: String
        var name: String
        var scoreBp: Int64
        var missing: [String]
    }
    struct Rep: Decodable {
        var repId: String
        var repName: String
        var customers: Int
        var averageBp: Int64
        var worst: [Worst]
    }
    struct Best: Decodable {
        var repId: String
        var repName: String
        var averageBp: Int64
        var customers: Int
    }
    var targetBp: Int64
    var month: String
    var overallBp: Int64?
    var customers: Int
    var reps: [Rep]
    var bestRepOfMonth: Best?
}

@Suite("Completeness")
struct CompletenessTests {
    static let day: TimeInterval = 86_400
    /// Whole seconds, so PostgreSQL's microseconds hold it exactly.
    static let now = Date(timeIntervalSince1970: 1_796_000_000)

    @Test("the SQL rule and the Swift rule give every customer the same score and the same missing criteria")
    func sqlAgreesWithSwift() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            try await Org.seed(service)
            var fixture = CompletenessFixture(service: service)
            let now = Self.now
            try await fixture.customer("base", owner: "rep-1")
            try await fixture.customer("addressTitle", owner: "rep-1", address: "宁波市北仑区", title: "采购经理")
            try await fixture.customer("codeLevel", owner: "rep-1", creditCode: true, level: "B")
            try await fixture.customer("located", owner: "rep-2", located: true)
            try await fixture.customer("visited89", owner: "rep-2", visitedAt: now.addingTimeInterval(-89 * Self.day))
            try await fixture.customer("visited90", owner: "rep-2", visitedAt: now.addingTimeInterval(-90 * Self.day))
            try await fixture.customer("visitedInside", owner: "rep-2", visitedAt: now.addingTimeInterval(-90 * Self.day + 1))
            try await fixture.customer(
                "everything",
                owner: "rep-3",
                address: "上海",
                title: "厂长",
                creditCode: true,
                level: "A",
                located: true,
                visitedAt: now.addingTimeInterval(-200 * Self.day)
            )
            try await fixture.visit("everything", by: "rep-3", at: now.addingTimeInterval(-3 * Self.day))
            try await fixture.customer("blankTitles", owner: "rep-3")
            try await fixture.update("blankTitles", #"contacts = '[{"name":"a","title":""},{"name":"b","title":null},{"name":"c"}]'::jsonb"#)
            try await fixture.customer("jsonTitle", owner: "rep-3")
            try await fixture.update("jsonTitle", #"contacts = '[{"name":"a"},{"name":"b","title":"经理"}]'::jsonb"#)
            try await fixture.customer("blankText", owner: "rep-4", address: "x")
            try await fixture.update("blankText", "industry = '', address = '', credit_code = '', level = NULL")
            try await fixture.customer("noOwner", owner: "rep-4")
            try await fixture.update("noOwner", "owner_id = NULL")

            let repository = CompletenessRepository(weights: .default, logger: service.logger)
            let everyone = DataScope(Org.identity("gm"))
            let (sql, swift) = try await service.client.withConnection { connection in
                let sql = try await repository.scores(scope: everyone, now: now, on: connection)
                var swift: [String: Completeness.Score] = [:]
                for (name, id) in fixture.ids {
                    let uuid = try #require(UUID(uuidString: id))
                    let facts = try #require(try await repository.facts(customerID: RecordID(uuid), on: connection))
                    swift[name] = Completeness.score(facts, weights: .default, now: now)
                }
                return (sql, swift)
            }
            let expected: [String: Int64] = [
                "base": 1_000, "addressTitle": 3_500, "codeLevel": 4_000, "located": 2_500, "visited89": 3_000, "visited90": 1_000,
                "visitedInside": 3_000, "everything": 10_000, "blankTitles": 1_000, "jsonTitle": 2_500, "blankText": 0,
            ]
            for (name, id) in fixture.ids where name != "noOwner" {
                let uuid = try #require(UUID(uuidString: id))
                let fromSQL = try #require(sql[RecordID(uuid)], "\(name) scored in SQL")
                #expect(fromSQL == swift[name], "\(name): SQL \(fromSQL) vs Swift \(String(describing: swift[name]))")
                #expect(fromSQL.scoreBp == expected[name], "\(name)")
            }
            #expect(sql.count == fixture.ids.count - 1, "a customer without an owner belongs to no rep's figures")
            #expect(swift["blankText"]?.missing == Completeness.Criterion.allCases)
        }
    }

    @Test("the report is scoped: a rep sees only themselves, a supervisor the team, a regional manager the region, gm everyone")
    func scopedReport() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            try await Org.seed(service)
            var fixture = CompletenessFixture(service: service)
            let recently = Date().addingTimeInterval(-Self.day)
            try await fixture.customer("a", owner: "rep-1")
            try await fixture.customer("b", owner: "rep-2", address: "宁波", title: "采购")
            try await fixture.customer(
                "c",
                owner: "rep-2",
                address: "上海",
                title: "厂长",
                creditCode: true,
                level: "A",
                located: true,
                visitedAt: recently
            )
            try await fixture.customer("d", owner: "rep-3")
            try await fixture.customer("archived", owner: "rep-3", address: "x", title: "y", creditCode: true, level: "A", located: true)
            try await fixture.update("archived", "archived_at = now()")
            try await fixture.customer("f", owner: "rep-north", region: "north-china", located: true)

            func report(_ user: String) async throws -> CompletenessReportBody {
                let response = await service.call(CompletenessReportHandler.operation, as: user)
                #expect(response.status == 200, "\(user): \(response.text)")
                return try response.decode(CompletenessReportBody.self)
            }

            let rep = try await report("rep-2")
            #expect(rep.reps.map(\.repId) == ["rep-2"])
            #expect(rep.targetBp == 9_500 && rep.customers == 2 && rep.overallBp == 6_750)
            let rep2 = try #require(rep.reps.first)
            #expect(rep2.repName == "李娜" && rep2.averageBp == 6_750 && rep2.customers == 2)
            #expect(rep2.worst.map(\.name) == ["b", "c"])
            #expect(rep2.worst.first?.scoreBp == 3_500)
            #expect(rep2.worst.first?.missing == ["creditCode", "level", "location", "recentVisit"])
            #expect(rep2.worst.first?.customerId == fixture.ids["b"])
            #expect(rep.bestRepOfMonth?.repId == "rep-2" && rep.bestRepOfMonth?.averageBp == 6_750)
            let day = BusinessCalendar.day(of: Date())
            #expect(rep.month == "\(day.year)-\(day.month < 10 ? "0" : "")\(day.month)")

            let supervisor = try await report("sup-2")
            #expect(supervisor.reps.map(\.repId) == ["rep-3", "rep-2"], "lowest first; the archived customer does not count")
            #expect(supervisor.reps.map(\.averageBp) == [1_000, 6_750])
            #expect(supervisor.overallBp == 4_833 && supervisor.customers == 3)

            let region = try await report("rm-east")
            #expect(region.reps.map(\.repId) == ["rep-1", "rep-3", "rep-2"])

            let everyone = try await report("gm")
            #expect(everyone.reps.map(\.repId) == ["rep-1", "rep-3", "rep-north", "rep-2"])
            #expect(everyone.overallBp == 3_600 && everyone.customers == 5)
            #expect(everyone.bestRepOfMonth?.repId == "rep-2")
            #expect(try await report("finance").customers == 5)

            #expect(try await report("rep-north").reps.map(\.repId) == ["rep-north"])

            let empty = await service.call(CompletenessReportHandler.operation, as: "rep-4")
            #expect(empty.text.contains(#""overallBp":null"#) && empty.text.contains(#""bestRepOfMonth":null"#))
            #expect(try empty.decode(CompletenessReportBody.self).reps.isEmpty)
            #expect(await service.call(CompletenessReportHandler.operation, as: nil).status == 401)
        }
    }

    @Test("one customer answers with its score and what it misses")
    func customerCompleteness() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            try await Org.seed(service)
            var fixture = CompletenessFixture(service: service)
            let id = try await fixture.customer("b", owner: "rep-2", address: "宁波", title: "采购", level: "B")
            let response = await service.call(Operation.Customers.get, as: "rep-2", id: id)
            #expect(response.status == 200)
            let completeness = try #require(try response.json()["completeness"])
            #expect(completeness["scoreBp"] == .integer(4_500))
            #expect(completeness["missing"] == .array([.string("creditCode"), .string("location"), .string("recentVisit")]))
            #expect(try response.decode(Customer.self).name == "b")
            #expect(await service.call(Operation.Customers.get, as: "rep-3", id: id).status == 404)
        }
    }
}
