import Foundation
import Synchronization
import TestSupport
import Testing

/// Restarts PostgreSQL under the approval saga. The server is one of the test's own (``PrivatePostgres``), so the
/// shared one is never touched; the suite still runs apart (scripts/test runs `Disruptive` suites alone) because it
/// loads the machine.
@Suite("End to end Disruptive: PostgreSQL restart", .serialized, .timeLimit(.minutes(15)))
struct PostgresRestartDisruptiveTests {
    static let password = "restart-password"
    static let contracts = 30
    /// Mobiles of the three approvers, in step order: the WeCom pushes mention them.
    static let approverMobiles = ["supervisor": "13900000003", "manager": "13900000002", "gm": "13900000001"]

    struct Actor: Sendable {
        var name: String
        var id: String
        var token: String
    }

    /// Sends a write until it answers one of `accepted`, with the same Idempotency-Key each time (a failure while the
    /// database is down may or may not have been applied; the key makes the retry safe).
    @discardableResult
    static func write(
        _ system: SalesDeskSystem,
        _ method: String,
        _ path: String,
        as actor: Actor,
        json: Any? = nil,
        key: String,
        accepted: Set<Int> = [200, 201]
    ) async throws -> [String: Any] {
        var last = ""
        var result: [String: Any] = [:]
        let done = await eventually(timeout: .seconds(240), interval: .milliseconds(300)) {
            guard
                let reply = try? await system.request(method, path, token: actor.token, json: json, headers: ["Idempotency-Key": key])
            else { return false }
            last = "\(reply.status) \(reply.text)"
            guard accepted.contains(reply.status) else { return false }
            result = (try? reply.json()) ?? [:]
            return true
        }
        guard done else { throw StoryFailure("\(method) \(path) never succeeded; last: \(last)") }
        return result
    }

    /// Reads until the answer is 200 and `check` holds.
    static func read(
        _ system: SalesDeskSystem,
        _ path: String,
        as actor: Actor,
        timeout: Duration = .seconds(240),
        where check: @Sendable ([String: Any]) -> Bool = { _ in true }
    ) async -> [String: Any]? {
        var result: [String: Any]?
        _ = await eventually(timeout: timeout, interval: .milliseconds(300)) {
            guard let reply = try? await system.request("GET", path, token: actor.token), reply.status == 200,
                let object = try? reply.json(), check(object)
            else { return false }
            result = object
            return true
        }
        return result
    }

    static func items(_ object: [String: Any]) -> [[String: Any]] { object["items"] as? [[String: Any]] ?? [] }

    static func createUser(_ system: SalesDeskSystem, _ admin: Actor, name: String, _ fields: [String: Any]) async throws -> Actor {
        var json = fields
        json["username"] = name
        json["password"] = password
        json["displayName"] = name
        let created = try await write(system, "POST", "/api/v1/users", as: admin, json: json, key: "user-\(name)")
        let token = try await system.login(name, password)
        return Actor(name: name, id: (created["id"] as? String ?? "").lowercased(), token: token)
    }

    /// One contract of the rep: deal → qualified → quote → contract; returns its id and number.
    static func makeContract(
        _ system: SalesDeskSystem,
        rep: Actor,
        customerID: String,
        productID: String,
        index: Int
    ) async throws -> (
        id: String, number: String
    ) {
        let deal = try await write(
            system,
            "POST",
            "/api/v1/deals",
            as: rep,
            json: ["customerId": customerID, "title": "年度采购 \(index)", "expectedAmountFen": 8_000_000, "expectedCloseDate": "2026-12-31"],
            key: "deal-\(index)"
        )
        let dealID = deal["id"] as? String ?? ""
        try await write(system, "POST", "/api/v1/deals/\(dealID)/stage", as: rep, json: ["stage": "qualified"], key: "stage-\(index)")
        let quote = try await write(
            system,
            "POST",
            "/api/v1/deals/\(dealID)/quotes",
            as: rep,
            json: ["lines": [["productId": productID, "quantity": 80]]],
            key: "quote-\(index)"
        )
        let contract = try await write(system, "POST", "/api/v1/contracts", as: rep, json: ["quoteId": quote["id"] ?? ""], key: "contract-\(index)")
        return ((contract["id"] as? String ?? "").lowercased(), contract["number"] as? String ?? "")
    }

    /// Approves every approval pending for `approver` until it has approved `total`, retrying each with its own key.
    static func approveAll(_ system: SalesDeskSystem, as approver: Actor, total: Int, progress: ApprovalProgress) async throws {
        var approved: Set<String> = []
        let giveUp = ContinuousClock.now + .seconds(480)
        while approved.count < total {
            guard ContinuousClock.now < giveUp else {
                throw StoryFailure("\(approver.name) approved only \(approved.count) of \(total)")
            }
            let pending = (try? await system.request("GET", "/api/v1/approvals?status=pending&limit=100", token: approver.token))
                .flatMap { $0.status == 200 ? try? $0.json() : nil }
            let ids = items(pending ?? [:]).compactMap { $0["id"] as? String }.filter { !approved.contains($0) }
            for id in ids {
                try await write(
                    system,
                    "POST",
                    "/api/v1/approvals/\(id)/approve",
                    as: approver,
                    json: ["comment": "同意"],
                    key: "approve-\(id)-\(approver.name)"
                )
                approved.insert(id)
                progress.record(approver.name, approved.count)
            }
            if ids.isEmpty { try await Task.sleep(for: .milliseconds(300)) }
        }
    }

    @Test(
        "PostgreSQL restarted (-m immediate) and stopped under 30 three-level approvals: every contract is approved, every outbox row is published, every approver is pushed once per step, /ready names the database while it is down"
    )
    func restartMidSaga() async throws {
        let wecom = WeComStandIn()
        let postgres = try PrivatePostgres.start()
        defer { postgres.destroy() }
        try await wecom.serve { wecomURL in
            let system = try await SalesDeskSystem.start(
                postgresURL: postgres.adminURL,
                extraEnvironment: [
                    "WECOM_WEBHOOK_BASE_URL": wecomURL, "WECOM_WEBHOOK_KEY": "restart-key",
                    "NOTIFICATIONS_DELIVERY_RETRY_BASE_MS": "200",
                    // 120 pushes to one robot: the stand-in has no 20-a-minute limit, so neither does the sender here.
                    "NOTIFICATIONS_ROBOT_PER_MINUTE": "1000",
                    // Slow machines under load: a 504 only means "retry with the same key", but fewer of them keep the run short.
                    "RPC_TIMEOUT_MS": "10000",
                ]
            )
            defer { system.stop() }
            let admin = Actor(name: "admin", id: "", token: try await system.login("admin", SalesDeskSystem.adminPassword))

            try await Self.write(system, "POST", "/api/v1/regions", as: admin, json: ["code": "east-china", "name": "华东"], key: "region")
            try await system.waitForRegion("east-china")
            let gm = try await Self.createUser(system, admin, name: "gm", ["role": "gm", "mobile": Self.approverMobiles["gm"]!])
            let manager = try await Self.createUser(
                system,
                admin,
                name: "manager",
                ["role": "regional_manager", "region": "east-china", "supervisorId": gm.id, "mobile": Self.approverMobiles["manager"]!]
            )
            let supervisor = try await Self.createUser(
                system,
                admin,
                name: "supervisor",
                ["role": "supervisor", "region": "east-china", "supervisorId": manager.id, "mobile": Self.approverMobiles["supervisor"]!]
            )
            let rep = try await Self.createUser(system, admin, name: "rep", ["role": "rep", "region": "east-china", "supervisorId": supervisor.id])
            let product = try await Self.write(
                system,
                "POST",
                "/api/v1/products",
                as: admin,
                json: ["name": "M8 螺栓", "productLine": "bolts", "listPriceFen": 100_000, "unitCostFen": 60_000],
                key: "product"
            )
            let customer = try await Self.write(
                system,
                "POST",
                "/api/v1/customers",
                as: rep,
                json: ["name": "宁波精工", "region": "east-china", "industry": "machinery", "contacts": [["name": "王经理", "phone": "13800138000"]]],
                key: "customer"
            )
            let customerID = customer["id"] as? String ?? ""
            let productID = product["id"] as? String ?? ""

            // 30 contracts of 80,000 CNY each: over 50,000, so three levels.
            var contracts: [(id: String, number: String)] = []
            try await withThrowingTaskGroup(of: (id: String, number: String).self) { group in
                for index in 0..<Self.contracts {
                    if index >= 4 { contracts.append(try await group.next()!) }
                    group.addTask { try await Self.makeContract(system, rep: rep, customerID: customerID, productID: productID, index: index) }
                }
                for try await contract in group { contracts.append(contract) }
            }
            #expect(Set(contracts.map(\.number)).count == Self.contracts)
            let submitted = contracts
            try await withThrowingTaskGroup(of: Void.self) { group in
                for contract in submitted {
                    group.addTask {
                        try await Self.write(system, "POST", "/api/v1/contracts/\(contract.id)/submit", as: rep, key: "submit-\(contract.id)")
                    }
                }
                try await group.waitForAll()
            }

            // The approvers work through their queues while the database goes away twice.
            let progress = ApprovalProgress()
            let readyWhileDown = ReadyAnswers()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for approver in [supervisor, manager, gm] {
                    group.addTask { try await Self.approveAll(system, as: approver, total: Self.contracts, progress: progress) }
                }
                group.addTask {
                    // Mid-saga: the supervisor has decided some steps, the manager's are being assigned.
                    _ = await eventually(timeout: .seconds(300)) { progress.count("supervisor") >= 8 }
                    try postgres.restartImmediately()
                    // Later: down for a while, long enough to ask every service whether it is ready.
                    _ = await eventually(timeout: .seconds(300)) { progress.count("manager") >= 8 }
                    try postgres.stopImmediately()
                    await withTaskGroup(of: Void.self) { readiness in
                        for service in SalesDeskSystem.services {
                            readiness.addTask {
                                let url = URL(string: "http://127.0.0.1:\(system.ports[service]!)/ready")!
                                _ = await eventually(timeout: .seconds(30), interval: .milliseconds(200)) {
                                    guard let reply = try? await HTTP.get(url), reply.status == 503 else { return false }
                                    readyWhileDown.record(service, reply.text)
                                    return true
                                }
                            }
                        }
                    }
                    try postgres.startAgain()
                }
                try await group.waitForAll()
            }
            for service in SalesDeskSystem.services {
                let answer = readyWhileDown.answer(of: service)
                #expect(answer?.contains(#""postgres":"down""#) == true, "\(service) /ready while PostgreSQL was down: \(answer ?? "never 503")")
            }

            // Every contract reaches its final state.
            for contract in contracts {
                let final = await Self.read(system, "/api/v1/contracts/\(contract.id)", as: rep) { $0["status"] as? String == "approved" }
                #expect(final != nil, "contract \(contract.number) never became approved; approvals log: \(system.log(of: "approvals"))")
            }

            // Every outbox row of every service is published.
            let ownDatabase = postgres.adminURL(database: system.database)
            let unpublishedQuery = SalesDeskSystem.services.map { "(SELECT count(*) FROM \($0).outbox WHERE published_at IS NULL)" }
                .joined(separator: " + ")
            var unpublished = ""
            let allPublished = await eventually(timeout: .seconds(120), interval: .milliseconds(500)) {
                unpublished = (try? TestEnvironment.shell("psql '\(ownDatabase)' -X -q -At -c 'SELECT \(unpublishedQuery)'")) ?? "?"
                return unpublished.trimmingCharacters(in: .whitespacesAndNewlines) == "0"
            }
            #expect(allPublished, "unpublished outbox rows remain: \(unpublished)")

            // Every approver was pushed exactly once per step: wait until no push is pending, then count.
            var undelivered = ""
            let settled = await eventually(timeout: .seconds(180), interval: .milliseconds(500)) {
                undelivered =
                    (try? TestEnvironment.shell(
                        "psql '\(ownDatabase)' -X -q -At -c \"SELECT count(*) FROM notifications.deliveries WHERE status <> 'sent'\""
                    )) ?? "?"
                guard undelivered.trimmingCharacters(in: .whitespacesAndNewlines) == "0" else { return false }
                let pushes = await wecom.successes.map { "\($0.body)" }
                return contracts.allSatisfy { contract in
                    Self.approverMobiles.values.allSatisfy { mobile in pushes.contains { $0.contains(contract.number) && $0.contains(mobile) } }
                }
            }
            #expect(settled, "pushes did not settle; deliveries not sent: \(undelivered); notifications log: \(system.log(of: "notifications"))")
            let pushes = await wecom.successes.map { "\($0.body)" }
            for contract in contracts {
                for (approver, mobile) in Self.approverMobiles {
                    let count = pushes.filter { $0.contains(contract.number) && $0.contains(mobile) }.count
                    #expect(count == 1, "\(approver) was pushed \(count) times for the step of \(contract.number)")
                }
            }

            // Nothing is left wedged: every service is ready again.
            for service in SalesDeskSystem.services { try await system.waitUntilReady(service, timeout: .seconds(60)) }
        }
    }
}

/// A step of the test that never succeeded.
struct StoryFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// What each service's `/ready` answered.
final class ReadyAnswers: Sendable {
    private let answers = Mutex<[String: String]>([:])

    func record(_ service: String, _ answer: String) { answers.withLock { $0[service] = answer } }

    func answer(of service: String) -> String? { answers.withLock { $0[service] } }
}

/// How many approvals each approver has made so far.
final class ApprovalProgress: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func record(_ approver: String, _ count: Int) { counts.withLock { $0[approver] = count } }

    func count(_ approver: String) -> Int { counts.withLock { $0[approver, default: 0] } }
}
