import Foundation
import TestSupport
import Testing

/// Issue 13, span export: with the standard OTLP variables set, every service exports its spans with swift-otel, and
/// one contract submission is one trace from the gateway through deals, approvals and notifications, with the ids of
/// the `traceparent` headers and the JSON logs.
@Suite("End to end: OTLP span export", .timeLimit(.minutes(5)))
struct OTLPTraceEndToEndTests {
    @Test("one contract submission exports one tree of spans from the gateway through deals, approvals and notifications")
    func oneTraceOfSpans() async throws {
        let receiver = OTLPReceiver()
        let wecom = WeComStandIn()
        try await receiver.serve { collectorURL in
            try await wecom.serve { wecomURL in
                let system = try await SalesDeskSystem.start(extraEnvironment: [
                    "WECOM_WEBHOOK_BASE_URL": wecomURL, "WECOM_WEBHOOK_KEY": "otlp-key",
                    "LOG_FORMAT": "json", "LOG_LEVEL": "debug",
                    // An endpoint alone turns export on; JSON keeps the receiver simple; a short batch delay keeps the
                    // wait short.
                    "OTEL_EXPORTER_OTLP_ENDPOINT": collectorURL,
                    "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
                    "OTEL_BSP_SCHEDULE_DELAY": "200",
                ])
                defer { system.stop() }
                try await Self.submitOneContract(system, wecom: wecom, check: receiver)
            }
        }
    }

    @Test("a service exports the spans it still holds when it drains on SIGTERM")
    func drainExportsHeldSpans() async throws {
        let receiver = OTLPReceiver()
        try await receiver.serve { collectorURL in
            let system = try await SalesDeskSystem.start(extraEnvironment: [
                "OTEL_TRACES_EXPORTER": "otlp",
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": collectorURL + "/v1/traces",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
                // A batch leaves after an hour or at 512 spans: what arrives sooner, the drain sent.
                "OTEL_BSP_SCHEDULE_DELAY": "3600000",
                // The drain's export must not race the default 10 s grace on a loaded CI machine (an export took 8 s
                // there once and the drain was cancelled): this test is about what is sent, not how fast.
                "SHUTDOWN_GRACE_SECONDS": "60",
            ])
            defer { system.stop() }
            let admin = try await system.login("admin", SalesDeskSystem.adminPassword)
            let traceID = "0af7651916cd43dd8448eb211c80319c"
            let listed = try await system.request(
                "GET",
                "/api/v1/customers",
                token: admin,
                headers: ["traceparent": "00-\(traceID)-b7ad6b7169203331-01"]
            )
            #expect(listed.status == 200, "\(listed.text)")
            #expect(await receiver.spans(ofTrace: traceID).isEmpty, "spans left before the hour was up")

            let termination = await system.terminate("gateway", timeout: .seconds(90))
            #expect(termination?.exited == true && termination?.status == 0, "\(String(describing: termination))")
            let exported = await eventually(timeout: .seconds(30), interval: .milliseconds(200)) {
                let spans = await receiver.spans(ofTrace: traceID)
                return spans.contains { $0.service == "gateway" && $0.kind == OTLPReceiver.Kind.server && $0.name == "GET /api/v1/customers" }
                    && spans.contains { $0.service == "gateway" && $0.kind == OTLPReceiver.Kind.client && $0.name == "customers.list" }
            }
            let names = await receiver.spans(ofTrace: traceID).map { "\($0.service) \($0.name)" }
            #expect(exported, "the spans of the trace: \(names)")
            // The customers service still holds its span: it leaves with that service's drain.
            #expect(await !receiver.spans(ofTrace: traceID).contains { $0.service == "customers" })
            _ = await system.terminate("customers", timeout: .seconds(90))
            let answered = await eventually(timeout: .seconds(30), interval: .milliseconds(200)) {
                await receiver.spans(ofTrace: traceID).contains { $0.service == "customers" && $0.kind == OTLPReceiver.Kind.server }
            }
            #expect(answered, "customers did not export its span when it drained")
        }
    }

    /// The caller's trace and span: the submission continues them.
    static let traceID = "5af7183fb1d4cf5f4bf92f3577b34da6"
    static let callerSpanID = "a3ce929d0e0e4736"

    static func submitOneContract(_ system: SalesDeskSystem, wecom: WeComStandIn, check receiver: OTLPReceiver) async throws {
        let admin = try await system.login("admin", SalesDeskSystem.adminPassword)
        try await system.createRegion("east-china", name: "华东", token: admin)
        func user(_ fields: [String: Any]) async throws -> String {
            var json = fields
            json["password"] = "otlp-password"
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
        let rep = try await system.login("sun", "otlp-password")
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
        // 10,000.00 CNY: the first approval tier, one step, the supervisor (as in TraceContextEndToEndTests).
        let quote = try await system.request(
            "POST",
            "/api/v1/deals/\(dealID)/quotes",
            token: rep,
            json: ["lines": [["productId": try product.json()["id"] as? String ?? "", "quantity": 10]]]
        )
        let contract = try await system.request("POST", "/api/v1/contracts", token: rep, json: ["quoteId": try quote.json()["id"] as? String ?? ""])
        let contractID = try contract.json()["id"] as? String ?? ""
        let number = try contract.json()["number"] as? String ?? ""

        let submitted = try await system.request(
            "POST",
            "/api/v1/contracts/\(contractID)/submit",
            token: rep,
            headers: ["traceparent": "00-\(traceID)-\(callerSpanID)-01"]
        )
        #expect(submitted.status == 200, "\(submitted.text)")
        let pushed = await eventually(timeout: .seconds(30)) {
            await wecom.successes.contains { "\($0.body)".contains(number) && "\($0.body)".contains("13900000003") }
        }
        #expect(pushed, "the approver was not pushed")

        // The trace is complete once the four services have exported and every span's parent has arrived.
        let complete = await eventually(timeout: .seconds(30), interval: .milliseconds(200)) {
            let spans = await receiver.spans(ofTrace: traceID)
            let services = Set(spans.map(\.service))
            let ids = Set(spans.map(\.spanID))
            return ["gateway", "deals", "approvals", "notifications"].allSatisfy(services.contains)
                && spans.contains { $0.service == "notifications" && $0.kind == OTLPReceiver.Kind.consumer }
                && spans.allSatisfy { $0.parentSpanID.map(ids.contains) == true || $0.parentSpanID == callerSpanID }
        }
        let spans = await receiver.spans(ofTrace: traceID)
        let summary = spans.map { "\($0.service) \($0.name) \($0.spanID)←\($0.parentSpanID ?? "-")" }.joined(separator: "\n")
        #expect(complete, "the trace is incomplete:\n\(summary)")
        #expect(await receiver.refused == 0)

        // One tree: the gateway's request span is the only root, a child of the caller's span; every other span's
        // parent is a span of the trace.
        let ids = Set(spans.map(\.spanID))
        #expect(ids.count == spans.count, "span ids repeat:\n\(summary)")
        let roots = spans.filter { !($0.parentSpanID.map(ids.contains) ?? false) }
        #expect(roots.count == 1, "roots:\n\(summary)")
        let request = try #require(roots.first)
        #expect(request.service == "gateway" && request.kind == OTLPReceiver.Kind.server && request.parentSpanID == callerSpanID)
        #expect(request.name == "POST /api/v1/contracts/{id}/submit", "\(request.name)")
        #expect(request.attributes["http.response.status_code"] == "200")

        // The hops, each a child of the one before: the gateway's RPC call, deals answering it, deals publishing
        // contract.submitted, approvals applying it, approvals publishing approval.step_assigned, notifications applying it.
        func child(of parent: OTLPReceiver.ReceivedSpan?, _ matches: (OTLPReceiver.ReceivedSpan) -> Bool) -> OTLPReceiver.ReceivedSpan? {
            guard let parent else { return nil }
            return spans.first { $0.parentSpanID == parent.spanID && matches($0) }
        }
        let call = child(of: request) { $0.service == "gateway" && $0.kind == OTLPReceiver.Kind.client && $0.name == "deals.submitContract" }
        let answer = child(of: call) { $0.service == "deals" && $0.kind == OTLPReceiver.Kind.server && $0.name == "deals.submitContract" }
        let publish = child(of: answer) {
            $0.service == "deals" && $0.kind == OTLPReceiver.Kind.producer && $0.attributes["salesdesk.event.type"] == "contract.submitted"
        }
        let apply = child(of: publish) {
            $0.service == "approvals" && $0.kind == OTLPReceiver.Kind.consumer && $0.attributes["salesdesk.event.type"] == "contract.submitted"
                && $0.attributes["salesdesk.service"] == "approvals"
        }
        let assign = child(of: apply) {
            $0.service == "approvals" && $0.kind == OTLPReceiver.Kind.producer && $0.attributes["salesdesk.event.type"] == "approval.step_assigned"
        }
        let notify = child(of: assign) {
            $0.service == "notifications" && $0.kind == OTLPReceiver.Kind.consumer
                && $0.attributes["salesdesk.event.type"] == "approval.step_assigned" && $0.attributes["salesdesk.service"] == "notifications"
        }
        #expect(call != nil, "no client span for deals.submitContract under the request:\n\(summary)")
        #expect(answer != nil && answer?.attributes["rpc.response.status_code"] == "200", "deals' server span:\n\(summary)")
        #expect(publish != nil, "deals' publish of contract.submitted:\n\(summary)")
        #expect(apply != nil, "approvals applying contract.submitted:\n\(summary)")
        #expect(assign != nil, "approvals' publish of approval.step_assigned:\n\(summary)")
        #expect(notify != nil && notify?.attributes["salesdesk.event.outcome"] == "applied", "notifications applying it:\n\(summary)")
        #expect(spans.allSatisfy { $0.statusCode != 2 }, "a span failed:\n\(summary)")

        // The ids in the JSON logs are the spans' ids.
        for service in ["gateway", "deals", "approvals", "notifications"] {
            let logged = Set(TraceContextEndToEndTests.lines(system, service, trace: traceID).compactMap { $0["span_id"] })
            #expect(!logged.isEmpty, "\(service) logged nothing under the trace")
            #expect(logged.isSubset(of: ids), "\(service) logged span ids that were not exported: \(logged.subtracting(ids))")
        }
    }
}
