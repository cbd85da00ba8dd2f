import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Customers

/// Customers migration 0012: the criteria met stored on the row (`completeness_met`, with `last_visit_at` for the
/// recent visit), the per-owner counts, and the report read from them.
@Suite("Completeness stored on the row")
struct CompletenessStoredTests {
    /// Per customer: the score from the stored mask and last visit, and the Swift rule's score from the customer's facts.
    func storedAndRule(_ service: RPCHarness, now: Date) async throws -> [(id: UUID, stored: Completeness.Score, rule: Completeness.Score)] {
        let repository = CompletenessRepository(weights: .default, logger: service.logger)
        return try await service.client.withConnection { connection in
            let rows = try await connection.query(
                "SELECT id, completeness_met::integer, last_visit_at FROM customers ORDER BY id",
                logger: service.logger
            )
            var stored: [(UUID, Int, Date?)] = []
            for try await row in rows.decode((UUID, Int32, Date?).self) { stored.append((row.0, Int(row.1), row.2)) }
            var result: [(id: UUID, stored: Completeness.Score, rule: Completeness.Score)] = []
            for (id, mask, lastVisit) in stored {
                let recent = lastVisit.map { $0 > Completeness.recentVisitCutoff(now: now) } ?? false
                let fromRow = Completeness.score(met: mask | (recent ? Completeness.Criterion.recentVisit.bit : 0), weights: .default)
                let facts = try #require(try await repository.facts(customerID: RecordID(id), on: connection))
                result.append((id, fromRow, Completeness.score(facts, weights: .default, now: now)))
            }
            return result
        }
    }

    /// The per-owner counts kept by trigger, against a recount of the active customers.
    func countsDiffer(_ service: RPCHarness) async throws -> Int {
        let rows = try await service.client.query(
            """
            WITH kept AS (
                SELECT owner_id, region, completeness_met, sum(customers) AS customers
                FROM (SELECT * FROM completeness_counts UNION ALL SELECT * FROM completeness_count_changes) c
                GROUP BY 1, 2, 3 HAVING sum(customers) <> 0
            ),
            recount AS (
                SELECT owner_id, region, completeness_met, count(*) AS customers FROM customers
                WHERE archived_at IS NULL AND merged_into IS NULL AND owner_id IS NOT NULL GROUP BY 1, 2, 3
            )
            SELECT count(*)::bigint FROM ((SELECT * FROM kept EXCEPT SELECT * FROM recount) UNION ALL (SELECT * FROM recount EXCEPT SELECT * FROM kept)) d
            """,
            logger: service.logger
        )
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return -1
    }

    @Test("the stored criteria give the rule's score after create, update, import, check-in, merge and archive; the counts follow")
    func storedEqualsRule() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let org = try await CustomerFixture.seed(service)
            func create(_ json: String) async throws -> String {
                let response = await org.call(Operation.Customers.create, as: "rep-1", json)
                #expect(response.status == 201, "\(response.text)")
                return try response.decode(Customer.self).id.description
            }
            let plain = try await create(CustomerMasterDataTests.json("甲", mobile: "13700000101"))
            let full = try await create(
                CustomerMasterDataTests.json(
                    "乙",
                    mobile: "13700000102",
                    extra:
                        #","address":"宁波市北仑区","creditCode":"91350100M000100Y43","level":"A","contacts":[{"name":"王","phone":"13700000102","title":"采购经理"}]"#
                )
            )
            let merged = try await create(
                #"{"name":"丙","region":"east-china","industry":"x","contacts":[{"name":"李","phone":"13700000103","title":"厂长"}]}"#
            )
            // Updates: a title appears, a level is cleared, an address is blanked.
            #expect(
                await org.call(
                    Operation.Customers.update,
                    as: "rep-1",
                    #"{"contacts":[{"name":"王","phone":"13700000101","title":"总经理"}],"level":"B"}"#,
                    id: plain
                ).status == 200
            )
            #expect(await org.call(Operation.Customers.update, as: "rep-1", #"{"level":"","address":""}"#, id: full).status == 200)
            // A check-in (which also sets the location) at the customer that is merged away next: the survivor gets the
            // visit, and with it the recent visit.
            let checkIn = await org.call(CheckInHandler.operation, as: "rep-1", VisitTests.checkIn(northMeters: 0), id: merged)
            #expect(checkIn.status == 201, "\(checkIn.text)")
            let merge = await service.call(MergeCustomersHandler.operation, as: "sup-1", #"{"from":"\#(merged)"}"#, id: plain, key: "m-1")
            #expect(merge.status == 200, "\(merge.text)")
            #expect(await service.call(ArchiveCustomerHandler.archive, as: "rep-1", id: full, key: "archive-full").status == 200)
            // An import.
            let imports = CustomerImportTests()
            let job = try await imports.start(service, CustomerImportTests.mixedCSV)
            try await imports.runJobs(service)
            #expect(try await imports.job(service, job)["status"] as? String == "succeeded")

            let now = Date()
            let scores = try await storedAndRule(service, now: now)
            #expect(scores.count >= 8)
            for row in scores { #expect(row.stored == row.rule, "\(row.id): stored \(row.stored) vs rule \(row.rule)") }
            let survivor = try #require(scores.first { $0.id.uuidString.lowercased() == plain })
            #expect(!survivor.rule.missing.contains(.recentVisit), "the merged customer's visit is the survivor's")
            #expect(try await countsDiffer(service) == 0)
            // Folded (twice at once, as two instances may), the changes are gone and the counts still agree.
            async let first = CompletenessCountsFolder.fold(on: service.client, logger: service.logger)
            async let second = CompletenessCountsFolder.fold(on: service.client, logger: service.logger)
            #expect(try await first + second > 0)
            #expect(try await countsDiffer(service) == 0)
            let left = try await service.client.query("SELECT count(*)::bigint FROM completeness_count_changes", logger: service.logger)
            for try await count in left.decode(Int64.self) { #expect(count == 0) }
        }
    }

    @Test("the report from the stored criteria equals the rule over every customer: counts, averages, five lowest per rep")
    func reportEqualsRule() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            try await Org.seed(service)
            var fixture = CompletenessFixture(service: service)
            let now = Date()
            let day: TimeInterval = 86_400
            // rep-1: nine customers (the fixture fills industry: 1000 bp at least) in five (criteria, visited) groups; c and
            // g score the same from different criteria (address and level weigh the same); ties go by name.
            for name in ["k", "b", "h", "a"] { try await fixture.customer(name, owner: "rep-1") }
            try await fixture.customer("c", owner: "rep-1", address: "x")
            try await fixture.customer("g", owner: "rep-1", level: "A")
            try await fixture.customer("e", owner: "rep-1", visitedAt: now.addingTimeInterval(-2 * day))
            try await fixture.customer("f", owner: "rep-1", visitedAt: now.addingTimeInterval(-100 * day))
            try await fixture.customer("d", owner: "rep-1", address: "x", title: "经理", creditCode: true, level: "B", located: true)
            // rep-2: fewer than five; rep-north in another region; an archived and an ownerless customer count nowhere.
            try await fixture.customer("m", owner: "rep-2", title: "厂长", visitedAt: now.addingTimeInterval(-day))
            try await fixture.customer("n", owner: "rep-2", located: true)
            try await fixture.customer("z", owner: "rep-north", region: "north-china", creditCode: true)
            try await fixture.customer("archived", owner: "rep-2")
            try await fixture.update("archived", "archived_at = now()")
            try await fixture.customer("ownerless", owner: "rep-2")
            try await fixture.update("ownerless", "owner_id = NULL")
            #expect(try await countsDiffer(service) == 0)

            let repository = CompletenessRepository(weights: .default, logger: service.logger)
            for caller in ["gm", "rm-east", "sup-1", "rep-1", "rep-2"] {
                let scope = DataScope(Org.identity(caller))
                let (figures, scores) = try await service.client.withConnection { connection in
                    (
                        try await repository.perRep(scope: scope, now: now, worst: 5, on: connection),
                        try await repository.scores(scope: scope, now: now, on: connection)
                    )
                }
                // The expected figures from the rule applied to each customer.
                var owners: [String: [(name: String, id: String, score: Completeness.Score)]] = [:]
                for (name, id) in fixture.ids {
                    guard let uuid = UUID(uuidString: id), let score = scores[RecordID(uuid)] else { continue }
                    let owner = try await ownerOf(id, service)
                    owners[owner, default: []].append((name, id, score))
                }
                #expect(figures.map(\.repID) == owners.keys.sorted(), "\(caller)")
                for rep in figures {
                    let customers = owners[rep.repID] ?? []
                    #expect(rep.customers == customers.count, "\(caller) \(rep.repID)")
                    #expect(rep.sumBp == customers.reduce(0) { $0 + $1.score.scoreBp }, "\(caller) \(rep.repID)")
                    let lowest = customers.sorted { ($0.score.scoreBp, $0.name, $0.id) < ($1.score.scoreBp, $1.name, $1.id) }.prefix(5)
                    #expect(rep.worst.map(\.name) == lowest.map(\.name), "\(caller) \(rep.repID)")
                    #expect(rep.worst.map(\.scoreBp) == lowest.map(\.score.scoreBp), "\(caller) \(rep.repID)")
                    #expect(rep.worst.map(\.missing) == lowest.map(\.score.missing), "\(caller) \(rep.repID)")
                }
            }
            let rep1 = try await service.client.withConnection { connection in
                try await repository.perRep(scope: DataScope(Org.identity("rep-1")), now: now, worst: 5, on: connection)
            }
            // Five at 1000 bp (f's visit is older than 90 days), by name; c and g (2000) come after.
            #expect(rep1.first?.worst.map(\.name) == ["a", "b", "f", "h", "k"])
            let digest = try await service.client.withConnection { connection in
                try await repository.perRep(scope: DataScope(Org.identity("gm")), now: now, worst: 0, on: connection)
            }
            #expect(digest.allSatisfy { $0.worst.isEmpty } && digest.map(\.customers) == [9, 2, 1])
        }
    }

    func ownerOf(_ id: String, _ service: RPCHarness) async throws -> String {
        guard let uuid = UUID(uuidString: id) else { return "" }
        let rows = try await service.client.query("SELECT COALESCE(owner_id, '') FROM customers WHERE id = \(uuid)", logger: service.logger)
        for try await owner in rows.decode(String.self) { return owner }
        return ""
    }
}
