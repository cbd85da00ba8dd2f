import Foundation
import TestSupport
import Testing

/// The real six executables, over real PostgreSQL and RabbitMQ, spoken to over HTTP on the gateway.
@Suite("End to end: customers thread", .timeLimit(.minutes(5)))
struct CustomerThreadTests {
    static func customerJSON(_ name: String, mobile: String = "13800138000") -> [UInt8] {
        Array(
            """
            {"name":"\(name)","region":"east-china","industry":"fasteners","contacts":[{"name":"王经理","phone":"\(mobile)"}]}
            """.utf8
        )
    }

    @Test("customers created on the gateway are counted by reporting; errors are problem documents")
    func customersReachReporting() async throws {
        let system = try await SalesDeskSystem.start()
        defer { system.stop() }
        let base = system.gatewayURL
        let token = try await system.login("admin", SalesDeskSystem.adminPassword)
        try await system.createRegion("east-china", name: "华东", token: token)
        let auth = ["Authorization": "Bearer \(token)"]

        var ids: [String] = []
        for index in 0..<5 {
            let reply = try await HTTP.send(
                "POST",
                URL(string: "\(base)/api/v1/customers")!,
                body: Self.customerJSON("客户\(index)", mobile: "1380013800\(index)"),
                headers: auth
            )
            #expect(reply.status == 201, "\(reply.text)")
            if let id = try reply.json()["id"] as? String { ids.append(id) }
        }
        #expect(ids.count == 5)

        let fetched = try await HTTP.send("GET", URL(string: "\(base)/api/v1/customers/\(ids[0])")!, body: nil, headers: auth)
        #expect(fetched.status == 200)
        let patched = try await HTTP.send(
            "PATCH",
            URL(string: "\(base)/api/v1/customers/\(ids[0])")!,
            body: Array(#"{"industry":"bearings"}"#.utf8),
            headers: auth
        )
        #expect(patched.status == 200)
        #expect(try patched.json()["industry"] as? String == "bearings")
        let page = try await HTTP.send("GET", URL(string: "\(base)/api/v1/customers?limit=2")!, body: nil, headers: auth)
        #expect(page.status == 200)
        #expect((try page.json()["items"] as? [Any])?.count == 2)
        #expect(try page.json()["nextCursor"] is String)

        let counted = try await eventually(timeout: .seconds(30)) {
            let summary = try await HTTP.send("GET", URL(string: "\(base)/api/v1/reports/summary")!, body: nil, headers: auth)
            let customers = try summary.json()["customers"] as? Int
            return summary.status == 200 && customers == 5
        }
        #expect(counted, "reporting did not count 5 customers; its log: \(system.log(of: "reporting"))")

        // Refusals: each a problem document, nothing written.
        let noContact = try await HTTP.send(
            "POST",
            URL(string: "\(base)/api/v1/customers")!,
            body: Array(#"{"name":"X","region":"east-china","industry":"x","contacts":[{"name":"a"}]}"#.utf8),
            headers: auth
        )
        #expect(noContact.status == 422)
        #expect(noContact.contentType == "application/problem+json")
        let badJSON = try await HTTP.send("POST", URL(string: "\(base)/api/v1/customers")!, body: Array("{".utf8), headers: auth)
        #expect(badJSON.status == 400)
        #expect(badJSON.contentType == "application/problem+json")
        let huge = try await HTTP.send(
            "POST",
            URL(string: "\(base)/api/v1/customers")!,
            body: Array(repeating: UInt8(ascii: " "), count: 2 * 1024 * 1024),
            headers: auth
        )
        #expect(huge.status == 413)
        #expect(huge.contentType == "application/problem+json")
        let anonymous = try await HTTP.get(URL(string: "\(base)/api/v1/customers")!)
        #expect(anonymous.status == 401)
        #expect(anonymous.contentType == "application/problem+json")
        let unknown = try await HTTP.send("GET", URL(string: "\(base)/api/v1/nothing-here")!, body: nil, headers: auth)
        #expect(unknown.status == 404)
        #expect(unknown.contentType == "application/problem+json")
        let list = try await HTTP.send("GET", URL(string: "\(base)/api/v1/customers?limit=100")!, body: nil, headers: auth)
        #expect((try list.json()["items"] as? [Any])?.count == 5)

        for service in SalesDeskSystem.services {
            let metrics = try await HTTP.get(URL(string: "http://127.0.0.1:\(system.ports[service]!)/metrics")!)
            #expect(metrics.status == 200, "\(service) /metrics")
        }
        let openapi = try await HTTP.get(URL(string: "\(base)/openapi.yaml")!)
        #expect(openapi.status == 200 && openapi.text.contains("/api/v1/customers/{id}"))
    }
}
