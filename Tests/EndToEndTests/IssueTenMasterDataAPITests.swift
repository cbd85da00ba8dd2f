import Foundation
import TestSupport
import Testing

/// Issue 10's master data over real HTTP: a region must exist, a duplicate is a 409 that names whom to ask outside
/// the caller's scope, and a supervisor's merge moves the merged customer's deals in the deals service (through
/// `customer.merged`) and leaves reporting counting the company once.
@Suite("End to end: customer master data, duplicates and merge", .timeLimit(.minutes(5)))
struct IssueTenMasterDataAPITests {
    func createUser(_ system: SalesDeskSystem, admin: String, _ json: [String: Any]) async throws -> String {
        let reply = try await system.request("POST", "/api/v1/users", token: admin, json: json)
        #expect(reply.status == 201, "creating \(json["username"] ?? ""): \(reply.text)")
        return try #require(try reply.json()["id"] as? String)
    }

    @Test("duplicates answer 409 within scope, and a merge re-points the deals and is counted once")
    func duplicatesAndMerge() async throws {
        let system = try await SalesDeskSystem.start()
        defer { system.stop() }
        let admin = try await system.login("admin", SalesDeskSystem.adminPassword)
        let password = "masterdata-password"
        let unknownRegion = try await system.request(
            "POST",
            "/api/v1/customers",
            token: admin,
            json: ["name": "无区域", "region": "east-china", "industry": "x", "contacts": [["name": "王", "phone": "13700000000"]]]
        )
        #expect(unknownRegion.status == 422, "\(unknownRegion.text)")
        try await system.createRegion("east-china", name: "华东", token: admin)
        let supervisorID = try await createUser(
            system,
            admin: admin,
            ["username": "qian", "displayName": "钱主管", "password": password, "role": "supervisor", "region": "east-china"]
        )
        let otherSupervisorID = try await createUser(
            system,
            admin: admin,
            ["username": "wu", "displayName": "吴主管", "password": password, "role": "supervisor", "region": "east-china"]
        )
        for (username, display, supervisor) in [("sun", "孙业务", supervisorID), ("zhou", "周业务", otherSupervisorID)] {
            _ = try await createUser(
                system,
                admin: admin,
                [
                    "username": username, "displayName": display, "password": password, "role": "rep", "region": "east-china",
                    "supervisorId": supervisor,
                ]
            )
        }
        let sun = try await system.login("sun", password)
        let zhou = try await system.login("zhou", password)
        let qian = try await system.login("qian", password)

        func create(_ token: String, _ json: [String: Any]) async throws -> HTTP.Reply {
            try await system.request("POST", "/api/v1/customers", token: token, json: json)
        }
        let first = try await create(
            sun,
            [
                "name": "宁波精工紧固件有限公司", "region": "east-china", "industry": "fasteners", "creditCode": "91350100M000100Y43",
                "level": "A", "source": "exhibition", "contacts": [["name": "王经理", "phone": "13700000001"]],
            ]
        )
        #expect(first.status == 201, "\(first.text)")
        let firstID = try #require(try first.json()["id"] as? String)
        #expect(try first.json()["status"] as? String == "active")

        // zhou (another supervisor's team) enters the same company: told it exists and whom to ask, nothing more.
        let outside = try await create(
            zhou,
            ["name": "宁波精工紧固件（股份有限公司）", "region": "east-china", "industry": "fasteners", "contacts": [["name": "李", "phone": "13700000002"]]]
        )
        #expect(outside.status == 409, "\(outside.text)")
        #expect(outside.text.contains("孙业务") && !outside.text.contains(firstID))

        // sun enters a look-alike, confirms it, and opens a deal on it.
        let lookAlike = try await create(
            sun,
            [
                "name": "宁波精工紧固件·有限公司", "region": "east-china", "industry": "fasteners", "confirmDuplicate": true,
                "contacts": [["name": "赵", "phone": "13700000003"]],
            ]
        )
        #expect(lookAlike.status == 201, "\(lookAlike.text)")
        let lookAlikeID = try #require(try lookAlike.json()["id"] as? String)
        let deal = try await system.request(
            "POST",
            "/api/v1/deals",
            token: sun,
            json: ["customerId": lookAlikeID, "title": "2027 紧固件", "expectedAmountFen": 1_000_000, "expectedCloseDate": "2027-06-30"]
        )
        #expect(deal.status == 201, "\(deal.text)")
        let dealID = try #require(try deal.json()["id"] as? String)

        let byRep = try await system.request("POST", "/api/v1/customers/\(firstID)/merge", token: sun, json: ["from": lookAlikeID])
        #expect(byRep.status == 403)
        let merged = try await system.request(
            "POST",
            "/api/v1/customers/\(firstID)/merge",
            token: qian,
            json: ["from": lookAlikeID],
            headers: ["Idempotency-Key": "merge-1"]
        )
        #expect(merged.status == 200, "\(merged.text)")
        let readOnly = try await system.request("PATCH", "/api/v1/customers/\(lookAlikeID)", token: sun, json: ["industry": "gears"])
        #expect(readOnly.status == 409)

        let moved = try await eventually(timeout: .seconds(60)) {
            let reply = try await system.request("GET", "/api/v1/deals/\(dealID)", token: sun)
            return try reply.json()["customerId"] as? String == firstID
        }
        #expect(moved, "the deal did not move to the survivor; deals: \(system.log(of: "deals"))")
        let counted = try await eventually(timeout: .seconds(60)) {
            let summary = try await system.request("GET", "/api/v1/reports/summary", token: admin)
            return try summary.json()["customers"] as? Int == 1
        }
        #expect(counted, "reporting does not count the merged company once; reporting: \(system.log(of: "reporting"))")
    }
}
