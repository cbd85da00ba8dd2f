public import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Persistence
import PostgresNIO

/// `salesdesk-admin seed-demo`: a realistic, reproducible company to show and to measure SalesDesk with — a team of
/// 30 reps in three regions, a catalogue in four product lines, customers with Chinese names, and a year of deals and
/// signed contracts.
///
/// The team, the catalogue and the customers go in through the gateway's API (the customers as import files), so
/// every service learns of them the usual way. The history is bulk SQL into `deals` and `reporting`
/// (``DemoHistory``), because a million contracts through the saga would take hours. Everything is derived from
/// `--seed` and the row number: the same flags load the same data, and a second run adds nothing.
public struct SeedDemo: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "seed-demo",
        abstract: "Load the demo company: a team, a catalogue, customers and a year of contracts (idempotent).",
        discussion: """
            Needs a running SalesDesk (the gateway's API, with the admin's password) and a PostgreSQL role that may
            write the deals and reporting schemas (the database owner). Demo users sign in with --user-password.
            """
    )

    @Option(help: "The gateway's base URL.")
    var gateway = ProcessInfo.processInfo.environment["SALESDESK_GATEWAY_URL"] ?? "http://127.0.0.1:8080"

    @Option(help: "The admin who creates the team.")
    var adminUsername = "admin"

    @Option(help: "The admin's password (default: SALESDESK_ADMIN_PASSWORD).")
    var adminPassword = ProcessInfo.processInfo.environment["SALESDESK_ADMIN_PASSWORD"]

    @Option(help: "PostgreSQL URL of a role that may write every schema (default: POSTGRES_URL).")
    var postgresURL = ProcessInfo.processInfo.environment["POSTGRES_URL"]

    @Option(help: "How many customers.")
    var customers = 1000

    @Option(help: "How many signed contracts (and half as many open or lost deals).")
    var contracts = 2000

    @Option(help: "What the data is derived from; another seed loads another company's history beside this one.")
    var seed = "salesdesk-demo"

    @Option(help: "The last day of the history, YYYY-MM-DD (default: today).")
    var until: String?

    @Option(help: "The password of every demo user.")
    var userPassword = "Demo-2026-SalesDesk"

    @Option(help: "Contracts written per transaction.")
    var batch = 20_000

    public init() {}

    public func validate() throws {
        guard (1...1_000_000).contains(customers) else { throw ValidationError("--customers must be 1…1,000,000") }
        guard (0...10_000_000).contains(contracts) else { throw ValidationError("--contracts must be 0…10,000,000") }
        guard (100...200_000).contains(batch) else { throw ValidationError("--batch must be 100…200,000") }
        guard postgresURL != nil else { throw ValidationError("--postgres-url or POSTGRES_URL is required") }
        guard adminPassword != nil else { throw ValidationError("--admin-password or SALESDESK_ADMIN_PASSWORD is required") }
        if let until, Self.day(until) == nil { throw ValidationError("--until must be a date YYYY-MM-DD") }
    }

    public func run() async throws {
        let logger = Logger(label: "salesdesk.admin.seed-demo")
        let settings = try PostgresSettings(url: postgresURL ?? "", schema: "public", applicationName: "salesdesk-admin")
        let postgres = PostgresClient(configuration: settings.clientConfiguration, backgroundLogger: logger)
        let end = until.flatMap(Self.day) ?? Date()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await postgres.run() }
            defer { group.cancelAll() }
            // Signing in first also gives the client's run loop its moment to start before the first query.
            let api = try await DemoAPI.signIn(
                gateway: gateway,
                username: adminUsername,
                password: adminPassword ?? ""
            )
            try await seedTeam(api, postgres, logger)
            try await seedProducts(api, postgres, logger)
            try await seedCustomers(api, postgres, logger)
            try await seedHistory(postgres, end: end, logger)
        }
        print("done. Demo users sign in with the password \(userPassword): demo-gm, demo-finance, demo-rm-east, demo-sup-east-1, demo-rep-east-1-1 …")
    }

    private func seedTeam(_ api: DemoAPI, _ postgres: PostgresClient, _ logger: Logger) async throws {
        let regionRows = try await postgres.query("SELECT code FROM gateway.regions", logger: logger)
        var regions: Set<String> = []
        for try await code in regionRows.decode(String.self) { regions.insert(code) }
        for region in DemoData.regions where !regions.contains(region.code) {
            _ = try await api.send("POST", "/api/v1/regions", ["code": region.code, "name": region.name], accept: [201])
        }
        var ids = try await usernames(postgres, logger)
        var created = 0
        for member in DemoData.team where ids[member.username] == nil {
            var body: [String: String] = [
                "username": member.username, "displayName": member.displayName, "password": userPassword, "role": member.role,
                "mobile": member.mobile,
            ]
            if let region = member.region { body["region"] = region }
            if let supervisor = member.supervisor { body["supervisorId"] = ids[supervisor] }
            let user = try await api.send("POST", "/api/v1/users", body, accept: [201])
            ids[member.username] = user["id"] as? String
            created += 1
        }
        // The import names each customer's owner by username: customers must know the whole team first.
        var binds = PostgresBindings()
        binds.append(DemoData.team.map(\.username))
        try await Self.waitUntil(
            postgres,
            PostgresQuery(unsafeSQL: "SELECT count(*) FROM customers.org_replica WHERE username = ANY($1::text[]) AND active", binds: binds),
            reaches: DemoData.team.count,
            logger
        ) { "the customers service did not learn the demo team within 10 minutes" }
        print("team: \(DemoData.team.count) users in \(DemoData.regions.count) regions (\(created) created)")
    }

    private func seedProducts(_ api: DemoAPI, _ postgres: PostgresClient, _ logger: Logger) async throws {
        let rows = try await postgres.query("SELECT name FROM deals.products", logger: logger)
        var existing: Set<String> = []
        for try await name in rows.decode(String.self) { existing.insert(name) }
        var created = 0
        for product in DemoData.products where !existing.contains(product.name) {
            let body: [String: Any] = [
                "name": product.name, "productLine": product.line, "listPriceFen": product.listPriceFen, "unitCostFen": product.unitCostFen,
            ]
            _ = try await api.send("POST", "/api/v1/products", body, accept: [201])
            created += 1
        }
        print("catalogue: \(DemoData.products.count) products in 4 lines (\(created) created)")
    }

    /// Imports the customers not there yet, 20,000 rows a file, then waits until deals and reporting know them all.
    private func seedCustomers(_ api: DemoAPI, _ postgres: PostgresClient, _ logger: Logger) async throws {
        let have = try await count(postgres, "SELECT count(*) FROM customers.customers WHERE external_id LIKE 'DEMO-%'", logger)
        if have < customers {
            let chunk = 20_000
            for start in stride(from: 0, to: customers, by: chunk) {
                let range = start..<min(start + chunk, customers)
                let started = Date()
                let job = try await api.importCSV(DemoData.importCSV(range))
                print(
                    "customers \(range.upperBound)/\(customers): created \(job["created"] ?? 0), unchanged \(job["unchanged"] ?? 0), "
                        + "errors \(job["errors"] ?? 0) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s"
                )
            }
        }
        let replicated = """
            SELECT least(
                (SELECT count(*) FROM deals.customer_replica r JOIN customers.customers c ON c.id::text = r.id
                 WHERE c.external_id LIKE 'DEMO-%'),
                (SELECT count(*) FROM reporting.customer_projection r JOIN customers.customers c ON c.id::text = r.id
                 WHERE c.external_id LIKE 'DEMO-%'))
            """
        let imported = try await count(postgres, "SELECT count(*) FROM customers.customers WHERE external_id LIKE 'DEMO-%'", logger)
        try await Self.waitUntil(postgres, PostgresQuery(unsafeSQL: replicated), reaches: imported, logger) {
            "deals and reporting did not receive the imported customers within 10 minutes"
        }
        print("customers: \(customers) known to customers, deals and reporting")
    }

    /// The year of contracts and the open funnel, a batch per transaction, with progress.
    private func seedHistory(_ postgres: PostgresClient, end: Date, _ logger: Logger) async throws {
        let (contracts, batch, seed) = (self.contracts, self.batch, self.seed)
        try await postgres.withConnection { connection in
            // Bulk batches take longer than the services' statement deadline; this session is the operator's.
            try await connection.query("SET statement_timeout = 0", logger: logger)
            for statement in DemoHistory.prepare {
                var binds = PostgresBindings()
                if statement.contains("$1") { binds.append(DemoData.products.map(\.name)) }
                try await connection.query(PostgresQuery(unsafeSQL: statement, binds: binds), logger: logger)
            }
            let customerCount = try await Self.count(connection, "SELECT count(*) FROM demo_customers", logger)
            let productCount = try await Self.count(connection, "SELECT count(*) FROM demo_products", logger)
            guard customerCount > 0, productCount > 0 else { throw ValidationError("no demo customers or products to build history on") }
            for (label, statements, total) in [
                ("signed contracts", DemoHistory.signedContracts, contracts), ("open and lost deals", DemoHistory.openDeals, contracts / 2),
            ] {
                let started = Date()
                for from in stride(from: 0, to: total, by: batch) {
                    let to = min(from + batch, total)
                    try await connection.query("BEGIN", logger: logger)
                    do {
                        for statement in statements {
                            var binds = PostgresBindings()
                            binds.append(seed)
                            binds.append(Int64(from))
                            binds.append(Int64(to))
                            binds.append(end)
                            binds.append(Int64(customerCount))
                            binds.append(Int64(productCount))
                            try await connection.query(PostgresQuery(unsafeSQL: statement, binds: binds), logger: logger)
                        }
                        try await connection.query("COMMIT", logger: logger)
                    } catch {
                        _ = try? await connection.query("ROLLBACK", logger: logger)
                        throw ValidationError("\(label) \(from)..<\(to): \(String(reflecting: error))")
                    }
                    print(Self.progress(label, done: to, total: total, since: started))
                }
            }
        }
    }

    static func progress(_ label: String, done: Int, total: Int, since started: Date) -> String {
        let seconds = max(Date().timeIntervalSince(started), 0.001)
        let rate = Double(done) / seconds
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let percent = total == 0 ? 100 : done * 100 / total
        return "\(label): \(done)/\(total) (\(percent)%) \(Int(rate))/s, ETA \(Int(eta)) s"
    }

    private func usernames(_ postgres: PostgresClient, _ logger: Logger) async throws -> [String: String] {
        let rows = try await postgres.query("SELECT username, id::text FROM gateway.users", logger: logger)
        var ids: [String: String] = [:]
        for try await (username, id) in rows.decode((String, String).self) { ids[username] = id }
        return ids
    }

    /// Polls a count until it reaches `target` (events take a moment to travel), for at most ten minutes.
    private static func waitUntil(
        _ postgres: PostgresClient,
        _ query: PostgresQuery,
        reaches target: Int,
        _ logger: Logger,
        failure: () -> String
    ) async throws {
        let deadline = Date().addingTimeInterval(600)
        while true {
            let rows = try await postgres.query(query, logger: logger)
            var value = 0
            for try await count in rows.decode(Int64.self) { value = Int(count) }
            if value >= target { return }
            guard Date() < deadline else { throw ValidationError(failure()) }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    private func count(_ postgres: PostgresClient, _ sql: String, _ logger: Logger) async throws -> Int {
        try await postgres.withConnection { try await Self.count($0, sql, logger) }
    }

    private static func count(_ connection: PostgresConnection, _ sql: String, _ logger: Logger) async throws -> Int {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        for try await value in rows.decode(Int64.self) { return Int(value) }
        return 0
    }

    static func day(_ text: String) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai") ?? .gmt
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, let start = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])) else { return nil }
        return start.addingTimeInterval(18 * 3600)
    }
}

/// The few calls `seed-demo` makes to the gateway, as the admin.
struct DemoAPI: Sendable {
    let gateway: String
    let token: String

    static func signIn(gateway: String, username: String, password: String) async throws -> DemoAPI {
        let anonymous = DemoAPI(gateway: gateway, token: "")
        let session = try await anonymous.send("POST", "/api/v1/auth/login", ["username": username, "password": password], accept: [200])
        guard let token = session["accessToken"] as? String else { throw ValidationError("the gateway's login answer has no accessToken") }
        return DemoAPI(gateway: gateway, token: token)
    }

    /// Sends a JSON body; an answer outside `accept` stops the run with the problem the gateway gave. Each write has a
    /// fresh Idempotency-Key: a run re-reads what exists instead of replaying (a failed run's answers must not come back).
    func send(_ method: String, _ path: String, _ body: [String: Any], accept: Set<Int>) async throws -> [String: Any] {
        try await request(
            method,
            path,
            body: try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]),
            contentType: "application/json",
            accept: accept,
            key: method == "POST" ? "seed-demo-\(UUID())" : nil
        )
    }

    /// Uploads an import file and waits for its job to finish.
    func importCSV(_ text: String) async throws -> [String: Any] {
        var job = try await request(
            "POST",
            "/api/v1/customers/imports",
            body: Data(text.utf8),
            contentType: "text/csv",
            accept: [202],
            key: "seed-demo-\(UUID())"
        )
        while let status = job["status"] as? String, status == "queued" || status == "running", let id = job["id"] as? String {
            try await Task.sleep(for: .milliseconds(250))
            job = try await request("GET", "/api/v1/customers/imports/\(id)", body: nil, contentType: nil, accept: [200], key: nil)
        }
        guard job["status"] as? String == "succeeded", (job["errors"] as? Int ?? 0) == 0 else {
            throw ValidationError("customer import \(job["id"] ?? "") did not succeed: \(job); see GET /api/v1/customers/imports/{id}/errors")
        }
        return job
    }

    private func request(
        _ method: String,
        _ path: String,
        body: Data?,
        contentType: String?,
        accept: Set<Int>,
        key: String?
    ) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: gateway + path)
        request.method = .RAW(value: method)
        request.headers.add(name: "Accept", value: "application/json")
        if !token.isEmpty { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let key { request.headers.add(name: "Idempotency-Key", value: key) }
        if let body { request.body = .bytes(ByteBuffer(data: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        let status = Int(response.status.code)
        guard accept.contains(status) else {
            throw ValidationError("\(method) \(path): HTTP \(status) \(String(buffer: bytes))")
        }
        return (try? JSONSerialization.jsonObject(with: Data(buffer: bytes)) as? [String: Any]) ?? [:]
    }
}
