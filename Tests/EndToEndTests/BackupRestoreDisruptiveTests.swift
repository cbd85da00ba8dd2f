import Foundation
import TestSupport
import Testing

/// Issue 13's "done when": a backup after the sales story, the database and the vhost wiped, a restore, and the same
/// records, report figures and open approval afterwards; the open approval then continues. The system's database and
/// vhost are its own (the shared servers are only used, never stopped); the suite runs apart because it loads the machine.
@Suite("End to end Disruptive: backup and restore", .serialized, .timeLimit(.minutes(15)))
struct BackupRestoreDisruptiveTests {
    typealias Story = PostgresRestartDisruptiveTests
    typealias Actor = PostgresRestartDisruptiveTests.Actor

    /// Runs `salesdesk-admin` against the system's database and vhost, as an operator with the admin role would.
    static func admin(_ system: SalesDeskSystem, _ arguments: [String], allowingExitStatus allowed: Set<Int32> = [0]) throws -> String {
        var postgres = try #require(URLComponents(string: system.postgresAdminURL))
        postgres.path = "/\(system.database)"
        var amqp = try #require(URLComponents(string: try TestEnvironment.amqpURL()))
        amqp.percentEncodedPath = "/\(system.vhost)"
        let process = Process()
        process.executableURL = try TestEnvironment.binDirectory().appendingPathComponent("salesdesk-admin")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging([
            "POSTGRES_URL": postgres.string ?? "",
            "AMQP_URL": amqp.string ?? "",
            "RABBITMQCTL": try TestEnvironment.require("SALESDESK_TEST_RABBITMQCTL"),
        ]) { $1 }
        // Standard output is the command's answer (JSON for `status --json`); its log lines go to a file apart.
        let pipe = Pipe()
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("salesdesk-admin-test-\(UUID().uuidString).err")
        FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        process.standardOutput = pipe
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard allowed.contains(process.terminationStatus) else {
            let log = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            throw StoryFailure("salesdesk-admin \(arguments.joined(separator: " ")): \(output)\n\(log)")
        }
        return output
    }

    /// This month in Asia/Shanghai, `yyyy-MM`.
    static var month: String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let parts = calendar.dateComponents([.year, .month], from: Date())
        return String(format: "%04d-%02d", parts.year ?? 0, parts.month ?? 0)
    }

    /// Whether every service's event queue is empty, from `salesdesk-admin status --json`.
    static func eventQueuesEmpty(_ system: SalesDeskSystem) -> Bool {
        // `status` exits 1 while a message is parked or a migration pending: still a report, which the caller reads.
        guard let output = try? admin(system, ["status", "--json"], allowingExitStatus: [0, 1]),
            let statuses = (try? JSONSerialization.jsonObject(with: Data(output.utf8))) as? [[String: Any]]
        else { return false }
        return statuses.allSatisfy { status in
            ((status["queues"] as? [[String: Any]]) ?? []).allSatisfy { queue in
                let name = (queue["name"] as? String) ?? ""
                return !(name.hasSuffix(".events") || name.hasSuffix(".events.dead")) || (queue["messages"] as? Int ?? 0) == 0
            }
        }
    }

    /// What must be the same after the restore: the reads of the story's actors, as JSON text.
    static func snapshot(_ system: SalesDeskSystem, admin: Actor, rep: Actor, manager: Actor, contracts: [String]) async throws -> [String: String] {
        var reads: [(Actor, String)] = [
            (rep, "/api/v1/customers"), (rep, "/api/v1/deals"), (manager, "/api/v1/approvals?status=pending"),
            (admin, "/api/v1/reports/top-reps?month=\(Self.month)"),
            (admin, "/api/v1/reports/product-line-margins?from=2026-01-01&to=2026-12-31"), (admin, "/api/v1/reports/funnel"),
        ]
        reads += contracts.map { (rep, "/api/v1/contracts/\($0)") }
        var snapshot: [String: String] = [:]
        for (actor, path) in reads {
            let reply = try await system.request("GET", path, token: actor.token)
            #expect(reply.status == 200, "\(path): \(reply.text)")
            snapshot[path] = reply.text
        }
        return snapshot
    }

    @Test(
        "a backup after the sales story, restored into a wiped database and vhost, has every record, report figure and open approval, and the approval continues"
    )
    func backupWipeRestore() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("salesdesk-backups-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let system = try await SalesDeskSystem.start()
        defer { system.stop() }
        var admin = Actor(name: "admin", id: "", token: try await system.login("admin", SalesDeskSystem.adminPassword))
        try await Story.write(system, "POST", "/api/v1/regions", as: admin, json: ["code": "east-china", "name": "华东"], key: "region")
        try await system.waitForRegion("east-china")
        var gm = try await Story.createUser(system, admin, name: "gm", ["role": "gm"])
        var manager = try await Story.createUser(
            system,
            admin,
            name: "manager",
            ["role": "regional_manager", "region": "east-china", "supervisorId": gm.id]
        )
        let supervisor = try await Story.createUser(
            system,
            admin,
            name: "supervisor",
            ["role": "supervisor", "region": "east-china", "supervisorId": manager.id]
        )
        var rep = try await Story.createUser(system, admin, name: "rep", ["role": "rep", "region": "east-china", "supervisorId": supervisor.id])
        let product = try await Story.write(
            system,
            "POST",
            "/api/v1/products",
            as: admin,
            json: ["name": "M8 螺栓", "productLine": "bolts", "listPriceFen": 100_000, "unitCostFen": 60_000],
            key: "product"
        )
        let customer = try await Story.write(
            system,
            "POST",
            "/api/v1/customers",
            as: rep,
            json: ["name": "宁波精工, 有限公司", "region": "east-china", "industry": "machinery", "contacts": [["name": "王经理", "phone": "13800138000"]]],
            key: "customer"
        )
        let customerID = customer["id"] as? String ?? ""
        let productID = product["id"] as? String ?? ""
        // Contract A: approved by all three and signed. Contract B: approved by the supervisor, open at the manager.
        let signed = try await Story.makeContract(system, rep: rep, customerID: customerID, productID: productID, index: 0)
        let open = try await Story.makeContract(system, rep: rep, customerID: customerID, productID: productID, index: 1)
        try await Story.write(system, "POST", "/api/v1/contracts/\(signed.id)/submit", as: rep, key: "submit-a")
        try await Story.approveAll(system, as: supervisor, total: 1, progress: ApprovalProgress())
        try await Story.approveAll(system, as: manager, total: 1, progress: ApprovalProgress())
        try await Story.approveAll(system, as: gm, total: 1, progress: ApprovalProgress())
        _ = await Story.read(system, "/api/v1/contracts/\(signed.id)", as: rep) { $0["status"] as? String == "approved" }
        try await Story.write(system, "POST", "/api/v1/contracts/\(signed.id)/sign", as: rep, key: "sign-a")
        try await Story.write(system, "POST", "/api/v1/contracts/\(open.id)/submit", as: rep, key: "submit-b")
        try await Story.approveAll(system, as: supervisor, total: 1, progress: ApprovalProgress())
        let pendingAtManager = await Story.read(system, "/api/v1/approvals?status=pending", as: manager) { Story.items($0).count == 1 }
        #expect(pendingAtManager != nil, "contract B never reached the manager")
        let reported = await Story.read(system, "/api/v1/reports/top-reps?month=\(Self.month)", as: admin) { "\($0)".contains("8000000") }
        #expect(reported != nil, "the signed contract never reached the report")

        // Quiet: every event queue empty, so the archive holds every effect of the story.
        #expect(
            await eventually(timeout: .seconds(120), interval: .milliseconds(500)) { Self.eventQueuesEmpty(system) },
            "event queues never drained"
        )
        let before = try await Self.snapshot(system, admin: admin, rep: rep, manager: manager, contracts: [signed.id, open.id])

        let backup = try Self.admin(system, ["backup", "--to", folder.path])
        let archive = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.path).first { $0.hasSuffix(".zip") })
        #expect(backup.contains(archive))

        // Wipe: the services stop, the database and the vhost are dropped; then an empty database with the grants of a
        // fresh install, and the restore.
        system.stop()
        try TestEnvironment.shell(
            "psql '\(system.postgresAdminURL)' -v ON_ERROR_STOP=1 -q -c 'CREATE DATABASE \(system.database)' "
                + "-c 'GRANT CONNECT, CREATE ON DATABASE \(system.database) TO \(SalesDeskSystem.services.joined(separator: ", "))'"
        )
        _ = try Self.admin(system, ["restore", folder.appendingPathComponent(archive).path])
        for service in SalesDeskSystem.services { try await system.restart(service) }

        admin.token = try await system.login("admin", SalesDeskSystem.adminPassword)
        rep.token = try await system.login("rep", Story.password)
        manager.token = try await system.login("manager", Story.password)
        gm.token = try await system.login("gm", Story.password)
        let after = try await Self.snapshot(system, admin: admin, rep: rep, manager: manager, contracts: [signed.id, open.id])
        for (path, text) in before.sorted(by: { $0.key < $1.key }) {
            #expect(after[path] == text, "\(path) differs after the restore")
        }

        // The open approval continues: the manager and the GM approve, and contract B is approved.
        try await Story.approveAll(system, as: manager, total: 1, progress: ApprovalProgress())
        try await Story.approveAll(system, as: gm, total: 1, progress: ApprovalProgress())
        let approved = await Story.read(system, "/api/v1/contracts/\(open.id)", as: rep) { $0["status"] as? String == "approved" }
        #expect(approved != nil, "contract B was not approved after the restore; approvals log: \(system.log(of: "approvals"))")
    }
}
