import Foundation
import TestSupport
import Testing

/// Visits (issue 10) through the gateway's forwarded routes and the real services: the routes exist, customers may
/// publish `visit.*` on the broker, and reporting keeps them in its event log.
@Suite("End to end: visits", .timeLimit(.minutes(5)))
struct IssueTenVisitsAPITests {
    @Test("a manager sets a location, checks in and out through the gateway; visit events reach reporting")
    func throughTheGateway() async throws {
        let system = try await SalesDeskSystem.start()
        defer { system.stop() }
        let api = system.gatewayURL + "/api/v1"
        let token = try await system.login("admin", SalesDeskSystem.adminPassword)
        try await system.createRegion("east-china", name: "华东", token: token)
        let auth = ["Authorization": "Bearer \(token)"]
        func send(
            _ method: String,
            _ path: String,
            _ json: String? = nil,
            key: String? = nil
        ) async throws -> (
            status: Int, body: [String: Any], text: String
        ) {
            var headers = auth
            if let key { headers["Idempotency-Key"] = key }
            let reply = try await HTTP.send(method, URL(string: api + path)!, body: json.map { Array($0.utf8) }, headers: headers)
            return (reply.status, (try? reply.json()) ?? [:], reply.text)
        }

        let customer = try await send(
            "POST",
            "/customers",
            #"{"name":"苏州精密","region":"east-china","industry":"machining","contacts":[{"name":"陈工","phone":"13800138001"}]}"#
        )
        let customerID = try #require(customer.body["id"] as? String, "\(customer.text)")
        let located = try await send("PUT", "/customers/\(customerID)/location", #"{"latitude":31.298886,"longitude":120.585316}"#)
        #expect(located.status == 200, "\(located.text)")
        #expect((located.body["location"] as? [String: Any])?["latitude"] as? Double == 31.298886)

        let checkIn = #"{"latitude":31.3,"longitude":120.585316,"accuracyMeters":30,"purpose":"demo","contactName":"陈工"}"#
        let visit = try await send("POST", "/customers/\(customerID)/visits", checkIn, key: "visit-1")
        #expect(visit.status == 201, "\(visit.text)")
        let visitID = try #require(visit.body["id"] as? String)
        #expect(visit.body["distanceMeters"] as? Int == 124 && (visit.body["flags"] as? [String]) == [])
        #expect(try await send("POST", "/customers/\(customerID)/visits", checkIn, key: "visit-1").body["id"] as? String == visitID)

        let out = try await send("POST", "/visits/\(visitID)/check-out", "{}")
        #expect(out.status == 200, "\(out.text)")
        #expect(out.body["durationMinutes"] as? Int == 0)
        #expect(try await send("POST", "/visits/\(visitID)/check-out").status == 409)
        let listed = try await send("GET", "/visits?flagged=false")
        #expect(((listed.body["items"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String } == [visitID], "\(listed.text)")
        let ofCustomer = try await send("GET", "/customers/\(customerID)/visits")
        #expect(((ofCustomer.body["items"] as? [[String: Any]]) ?? []).count == 1, "\(ofCustomer.text)")
        #expect(try await send("GET", "/visits?from=2026-02-30").status == 422)

        var database = try #require(URLComponents(string: try TestEnvironment.postgresURL()))
        database.path = "/" + system.database
        let url = database.string ?? ""
        let logged = try await eventually(timeout: .seconds(30)) {
            let types = try TestEnvironment.shell(
                "psql '\(url)' -tAc \"SELECT string_agg(type, ',' ORDER BY type) FROM reporting.event_log WHERE type LIKE 'visit.%'\""
            )
            return types.trimmingCharacters(in: .whitespacesAndNewlines) == "visit.checked_in,visit.checked_out"
        }
        #expect(logged, "reporting did not log visit events; customers: \(system.log(of: "customers")) reporting: \(system.log(of: "reporting"))")
    }
}
