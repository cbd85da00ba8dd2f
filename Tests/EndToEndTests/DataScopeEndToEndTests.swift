import Foundation
import TestSupport
import Testing

/// Issue 3's promise over real HTTP: a rep, a supervisor and a regional manager each log in and see exactly
/// their scope; a record outside it answers 404.
@Suite("End to end: data scope by role", .timeLimit(.minutes(5)))
struct DataScopeEndToEndTests {
    struct Org {
        var rep1 = "", rep2 = "", rep3 = "", supervisor = "", manager = ""
    }

    func createUser(_ system: SalesDeskSystem, admin: String, _ json: [String: Any]) async throws -> String {
        let reply = try await system.request("POST", "/api/v1/users", token: admin, json: json)
        #expect(reply.status == 201, "creating \(json["username"] ?? ""): \(reply.text)")
        return try #require(try reply.json()["id"] as? String)
    }

    func customer(_ system: SalesDeskSystem, token: String, name: String, region: String, mobile: String) async throws -> String {
        let reply = try await system.request(
            "POST",
            "/api/v1/customers",
            token: token,
            json: ["name": name, "region": region, "industry": "fasteners", "contacts": [["name": "王经理", "phone": mobile]]]
        )
        #expect(reply.status == 201, "\(reply.text)")
        return try #require(try reply.json()["id"] as? String)
    }

    func visibleIDs(_ system: SalesDeskSystem, token: String) async throws -> Set<String> {
        let reply = try await system.request("GET", "/api/v1/customers?limit=100", token: token)
        #expect(reply.status == 200)
        return Set((try reply.json()["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
    }

    @Test("a rep, a supervisor and a regional manager each see exactly their scope")
    func eachRoleSeesItsScope() async throws {
        let system = try await SalesDeskSystem.start()
        defer { system.stop() }
        let admin = try await system.login("admin", SalesDeskSystem.adminPassword)
        for (code, name) in [("east-china", "华东"), ("south-china", "华南")] {
            let region = try await system.request("POST", "/api/v1/regions", token: admin, json: ["code": code, "name": name])
            #expect(region.status == 201, "\(region.text)")
            try await system.waitForRegion(code)
        }
        let password = "scope-password"
        func user(_ username: String, _ role: String, _ region: String, supervisor: String? = nil) -> [String: Any] {
            var json: [String: Any] = ["username": username, "displayName": username, "password": password, "role": role, "region": region]
            if let supervisor { json["supervisorId"] = supervisor }
            return json
        }
        let manager = try await createUser(system, admin: admin, user("zhao", "regional_manager", "east-china"))
        let supervisor = try await createUser(system, admin: admin, user("qian", "supervisor", "east-china", supervisor: manager))
        _ = try await createUser(system, admin: admin, user("sun", "rep", "east-china", supervisor: supervisor))
        _ = try await createUser(system, admin: admin, user("li", "rep", "east-china", supervisor: supervisor))
        _ = try await createUser(system, admin: admin, user("zhou", "rep", "south-china"))

        let sun = try await system.login("sun", password)
        let li = try await system.login("li", password)
        let zhou = try await system.login("zhou", password)
        let sunCustomer = try await customer(system, token: sun, name: "宁波精工", region: "east-china", mobile: "13800138001")
        let liCustomer = try await customer(system, token: li, name: "苏州恒力", region: "east-china", mobile: "13800138002")
        let zhouCustomer = try await customer(system, token: zhou, name: "广州华美", region: "south-china", mobile: "13800138003")

        #expect(try await visibleIDs(system, token: sun) == [sunCustomer])
        #expect(try await system.request("GET", "/api/v1/customers/\(liCustomer)", token: sun).status == 404)
        #expect(try await system.request("PATCH", "/api/v1/customers/\(liCustomer)", token: sun, json: ["industry": "x"]).status == 404)

        let qian = try await system.login("qian", password)
        #expect(try await visibleIDs(system, token: qian) == [sunCustomer, liCustomer])
        #expect(try await system.request("GET", "/api/v1/customers/\(zhouCustomer)", token: qian).status == 404)

        let zhao = try await system.login("zhao", password)
        #expect(try await visibleIDs(system, token: zhao) == [sunCustomer, liCustomer])
        #expect(try await system.request("GET", "/api/v1/customers/\(zhouCustomer)", token: zhao).status == 404)

        #expect(try await visibleIDs(system, token: admin) == [sunCustomer, liCustomer, zhouCustomer])
    }
}
