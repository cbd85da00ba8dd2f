import Foundation
import TestSupport
import Testing

/// Issue 13, tracing: the W3C `traceparent` of one HTTP request travels through the RPC, the outbox, each event and
/// each consumer, and every JSON log line written for it carries its `trace_id`.
@Suite("End to end: trace context", .timeLimit(.minutes(5)))
struct TraceContextEndToEndTests {
    /// The JSON log lines of a service that carry `traceID`.
    static func lines(_ system: SalesDeskSystem, _ service: String, trace traceID: String) -> [[String: String]] {
        system.logLines(of: service).compactMap { line in
            guard line.hasPrefix("{"), let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String] else { return nil }
            return object["trace_id"] == traceID ? object : nil
        }
    }

    @Test("one contract submission: the gateway, deals, approvals and notifications log it under the caller's trace id")
    func oneTraceAcrossServices() async throws {
        let wecom = WeComStandIn()
        try await wecom.serve { wecomURL in
            let system = try await SalesDeskSystem.start(extraEnvironment: [
                "WECOM_WEBHOOK_BASE_URL": wecomURL, "WECOM_WEBHOOK_KEY": "trace-key",
                "LOG_FORMAT": "json", "LOG_LEVEL": "debug",
            ])
            defer { system.stop() }
            let admin = try await system.login("admin", SalesDeskSystem.adminPassword)
            try await system.createRegion("east-china", name: "华东", token: admin)
            func user(_ fields: [String: Any]) async throws -> String {
                var json = fields
                json["password"] = "trace-password"
                json["displayName"] = fields["username"]
                let reply = try await system.request("POST", "/api/v1/users", token: admin, json: json)
                #expect(reply.status == 201, "\(reply.text)")
                return (try reply.json()["id"] as? String ?? "").lowercased()
            }
            let gm = try await user(["username": "boss", "role": "gm", "mobile": "13900000001"])
            let supervisor = try await user(
                ["username": "qian", "role": "supervisor", "region": "east-china", "supervisorId": gm, "mobile": "13900000003"]
            )
            _ = try await user(["username": "sun", "role": "rep", "region": "east-china", "supervisorId": supervisor, "mobile": "13900000004"])
            let rep = try await system.login("sun", "trace-password")
            let product = try await system.request(
                "POST",
                "/api/v1/products",
                token: admin,
                json: ["name": "M8 螺栓", "productLine": "bolts", "listPriceFen": 100_000, "unitCostFen": 60_000]
            )
            let customer = try await system.request(
                "POST",
                "/api/v1/customers",
                token: rep,
                json: ["name": "宁波精工", "region": "east-china", "industry": "machinery", "contacts": [["name": "王经理", "phone": "13800138000"]]]
            )
            let customerID = try customer.json()["id"] as? String ?? ""
            var dealID = ""
            let dealCreated = await eventually(timeout: .seconds(30), interval: .milliseconds(200)) {
                let json: [String: Any] = [
                    "customerId": customerID, "title": "M8 螺栓年度采购", "expectedAmountFen": 1_000_000, "expectedCloseDate": "2026-12-31",
                ]
                guard let reply = try? await system.request("POST", "/api/v1/deals", token: rep, json: json), reply.status == 201 else {
                    return false
                }
                dealID = (try? reply.json()["id"] as? String) ?? ""
                return true
            }
            try #require(dealCreated)
            #expect(try await system.request("POST", "/api/v1/deals/\(dealID)/stage", token: rep, json: ["stage": "qualified"]).status == 200)
            let quote = try await system.request(
                "POST",
                "/api/v1/deals/\(dealID)/quotes",
                token: rep,
                json: ["lines": [["productId": try product.json()["id"] as? String ?? "", "quantity": 10]]]
            )
            let contract = try await system.request(
                "POST",
                "/api/v1/contracts",
                token: rep,
                json: ["quoteId": try quote.json()["id"] as? String ?? ""]
            )
            let contractID = try contract.json()["id"] as? String ?? ""
            let number = try contract.json()["number"] as? String ?? ""

            // The caller's trace: the submission continues it everywhere.
            let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
            let submitted = try await system.request(
                "POST",
                "/api/v1/contracts/\(contractID)/submit",
                token: rep,
                headers: ["traceparent": "00-\(traceID)-00f067aa0ba902b7-01"]
            )
            #expect(submitted.status == 200, "\(submitted.text)")
            let pushed = await eventually(timeout: .seconds(30)) {
                await wecom.successes.contains { "\($0.body)".contains(number) && "\($0.body)".contains("13900000003") }
            }
            #expect(pushed, "the approver was not pushed")

            // The event that left deals names the trace.
            let stamped = try system.sql("SELECT envelope->>'traceparent' FROM deals.outbox WHERE type = 'contract.submitted'")
            #expect(stamped.contains(traceID), "contract.submitted carries \(stamped)")
            // Each hop logged under the same trace id, in JSON.
            #expect(!Self.lines(system, "gateway", trace: traceID).isEmpty, "the gateway logged nothing under the trace")
            #expect(Self.lines(system, "deals", trace: traceID).contains { $0["operation"] == "deals.submitContract" })
            let applied = await eventually(timeout: .seconds(30)) {
                Self.lines(system, "approvals", trace: traceID).contains { $0["eventType"] == "contract.submitted" }
                    && Self.lines(system, "notifications", trace: traceID).contains { $0["eventType"] == "approval.step_assigned" }
            }
            #expect(applied, "approvals or notifications did not apply the events under the trace")
            // Another request is another trace.
            let other = Self.lines(system, "gateway", trace: traceID).compactMap { $0["span_id"] }
            #expect(!other.isEmpty && !other.contains("00f067aa0ba902b7"), "the gateway's span is the caller's own span")
        }
    }
}
