import Foundation
import Synchronization
import TestSupport
import Testing

/// Sends SIGTERM to every service in turn under load (issue 13, graceful drain): run apart from the other tests
/// (scripts/test runs `Disruptive` suites alone), since it restarts each service of its system.
@Suite("End to end Disruptive: graceful drain", .serialized, .timeLimit(.minutes(10)))
struct GracefulDrainDisruptiveTests {
    /// What the load saw: the customers and contracts the gateway accepted, and anything it refused.
    struct Ledger {
        var customers: [String] = []
        var contracts: [(id: String, number: String)] = []
        var refused: [String] = []
    }

    /// The load's shared state: its ledger and its stop switch.
    final class Load: Sendable {
        let ledger = Mutex(Ledger())
        let stopped = Mutex(false)

        var isStopped: Bool { stopped.withLock { $0 } }
        func stop() { stopped.withLock { $0 = true } }
    }

    /// Sends a write with an `Idempotency-Key` and repeats it, with the same key, until it is accepted (2xx): a
    /// refused connection, a 5xx or a 429 while a service restarts is retried, as a careful client does. Another
    /// answer is recorded as refused. `nil` unless accepted.
    static func accepted(
        _ system: SalesDeskSystem,
        _ method: String,
        _ path: String,
        token: String,
        json: Any?,
        load: Load
    ) async -> [String: Any]? {
        let key = UUID().uuidString
        let giveUp = ContinuousClock.now + .seconds(90)
        var last = "no answer"
        while ContinuousClock.now < giveUp {
            if let reply = try? await system.request(method, path, token: token, json: json, headers: ["Idempotency-Key": key]) {
                if (200..<300).contains(reply.status) { return (try? reply.json()) ?? [:] }
                last = "\(reply.status) \(reply.text)"
                guard reply.status >= 500 || reply.status == 429 else { break }
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        load.ledger.withLock { $0.refused.append("\(method) \(path): \(last)") }
        return nil
    }

    /// Creates customers as fast as the gateway takes them, until stopped.
    static func writeCustomers(_ system: SalesDeskSystem, token: String, load: Load) async {
        var index = 0
        while !load.isStopped {
            index += 1
            let json: [String: Any] = [
                "name": "排空客户\(index)", "region": "east-china", "industry": "fasteners",
                "contacts": [["name": "李", "phone": "137\(String(format: "%08d", index))"]],
            ]
            if let created = await accepted(system, "POST", "/api/v1/customers", token: token, json: json, load: load),
                let id = created["id"] as? String
            {
                load.ledger.withLock { $0.customers.append(id.lowercased()) }
            }
        }
    }

    /// Submits contracts of 10,000 CNY (the supervisor alone approves, pushed to WeCom) until stopped: a quote
    /// version, a contract from it, its submission.
    static func submitContracts(_ system: SalesDeskSystem, token: String, deal: String, product: String, load: Load) async {
        while !load.isStopped {
            let quote = await accepted(
                system,
                "POST",
                "/api/v1/deals/\(deal)/quotes",
                token: token,
                json: ["lines": [["productId": product, "quantity": 10]]],
                load: load
            )
            guard let quoteID = quote?["id"] as? String else { continue }
            guard let contract = await accepted(system, "POST", "/api/v1/contracts", token: token, json: ["quoteId": quoteID], load: load),
                let id = contract["id"] as? String, let number = contract["number"] as? String
            else { continue }
            if await accepted(system, "POST", "/api/v1/contracts/\(id)/submit", token: token, json: nil, load: load) != nil {
                load.ledger.withLock { $0.contracts.append((id.lowercased(), number)) }
            }
            try? await Task.sleep(for: .milliseconds(300))
        }
    }

    @Test("SIGTERM to each service in turn under load: each exits with status 0, and every accepted write takes effect exactly once")
    func drainLosesNothing() async throws {
        let wecom = WeComStandIn()
        try await wecom.serve { wecomURL in
            let system = try await SalesDeskSystem.start(extraEnvironment: [
                "WECOM_WEBHOOK_BASE_URL": wecomURL, "WECOM_WEBHOOK_KEY": "drain-key",
                "NOTIFICATIONS_DELIVERY_RETRY_BASE_MS": "200",
                "NOTIFICATIONS_ROBOT_PER_MINUTE": "1000",
                "SHUTDOWN_GRACE_SECONDS": "10",
            ])
            defer { system.stop() }
            let admin = try await system.login("admin", SalesDeskSystem.adminPassword)
            try await system.createRegion("east-china", name: "华东", token: admin)
            func user(_ fields: [String: Any]) async throws -> String {
                var json = fields
                json["password"] = "drain-password"
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
            let rep = try await system.login("sun", "drain-password")
            let product = try await system.request(
                "POST",
                "/api/v1/products",
                token: admin,
                json: ["name": "M8 螺栓", "productLine": "bolts", "listPriceFen": 100_000, "unitCostFen": 60_000]
            )
            let productID = try product.json()["id"] as? String ?? ""
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
            try #require(dealCreated, "the deal was not created")
            let deal = dealID
            let staged = try await system.request("POST", "/api/v1/deals/\(deal)/stage", token: rep, json: ["stage": "qualified"])
            #expect(staged.status == 200, "\(staged.text)")

            let load = Load()
            let customerWriter = Task { await Self.writeCustomers(system, token: rep, load: load) }
            let contractWriter = Task { await Self.submitContracts(system, token: rep, deal: deal, product: productID, load: load) }

            func progressed(since customers: Int, _ contracts: Int) async -> Bool {
                await eventually(timeout: .seconds(60), interval: .milliseconds(100)) {
                    load.ledger.withLock { $0.customers.count >= customers + 3 && $0.contracts.count >= contracts + 1 }
                }
            }
            #expect(await progressed(since: 0, 0), "the load never got going")
            for service in SalesDeskSystem.services {
                let ended = await system.terminate(service)
                #expect(
                    ended?.exited == true && ended?.status == 0,
                    "\(service) \(ended?.description ?? "did not stop"); log:\n\(system.log(of: service))"
                )
                #expect(system.log(of: service).contains("drain: finished"), "\(service) did not log its drain")
                try await system.restart(service)
                let (customers, contracts) = load.ledger.withLock { ($0.customers.count, $0.contracts.count) }
                #expect(await progressed(since: customers, contracts), "the load did not resume after \(service) restarted")
            }
            load.stop()
            await customerWriter.value
            await contractWriter.value

            let seen = load.ledger.withLock { $0 }
            #expect(seen.refused.isEmpty, "refused: \(seen.refused.prefix(5))")
            // Every accepted create exists once: the 201s, plus the setup's customer.
            #expect(Set(seen.customers).count == seen.customers.count, "a create answered with an id given before")
            #expect(try system.sql("SELECT count(*) FROM customers.customers") == "\(seen.customers.count + 1)")
            // Every submitted contract has exactly one approval and exactly one WeCom push to its approver.
            let numbers = seen.contracts.map(\.number)
            let approvalsCounted = await eventually(timeout: .seconds(60), interval: .milliseconds(200)) {
                (try? system.sql("SELECT count(DISTINCT contract_id) FROM approvals.approval_instances")) == "\(seen.contracts.count)"
            }
            #expect(approvalsCounted, "not every submitted contract reached approvals")
            let perContract = try system.sql("SELECT count(*) FROM approvals.approval_instances GROUP BY contract_id HAVING count(*) > 1")
            #expect(perContract.isEmpty, "a contract has more than one approval")
            let pushed = await eventually(timeout: .seconds(60), interval: .milliseconds(200)) {
                let bodies = await wecom.successes.map { "\($0.body)" }
                return numbers.allSatisfy { number in bodies.contains { $0.contains(number) && $0.contains("13900000003") } }
            }
            #expect(pushed, "a submitted contract's approver was not pushed to WeCom")
            let bodies = await wecom.successes.map { "\($0.body)" }
            for number in numbers {
                let count = bodies.filter { $0.contains(number) && $0.contains("13900000003") }.count
                #expect(count == 1, "contract \(number) was pushed \(count) times")
            }
            // Nothing is left in any outbox, and nothing was parked.
            for schema in ["customers", "deals", "approvals", "notifications", "reporting", "gateway"] {
                let empty = await eventually(timeout: .seconds(30), interval: .milliseconds(200)) {
                    (try? system.sql("SELECT count(*) FROM \(schema).outbox WHERE published_at IS NULL")) == "0"
                }
                #expect(empty, "\(schema)'s outbox still holds events")
            }
            let queues = try TestEnvironment.rabbitmqctl("list_queues", "-q", "-p", system.vhost, "name", "messages")
            let parked = queues.split(separator: "\n").filter { $0.contains(".events.dead") && !$0.hasSuffix("\t0") && !$0.hasSuffix(" 0") }
            #expect(parked.isEmpty, "dead letters: \(parked)")
            #expect(seen.contracts.count >= 6 && seen.customers.count >= 20, "too little load to mean anything: \(seen.contracts.count) contracts")
        }
    }
}
