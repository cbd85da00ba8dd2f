import Foundation

/// The six real executables running against a database and a vhost of their own, for end-to-end tests.
///
/// Each system gets a fresh PostgreSQL database (the per-service roles of the local setup are granted on it)
/// and a fresh RabbitMQ vhost, and free ports, so several systems can run side by side with other tests.
public final class SalesDeskSystem: @unchecked Sendable {
    public static let services = ["customers", "deals", "approvals", "notifications", "reporting", "gateway"]

    /// The gateway's base URL, e.g. `http://127.0.0.1:40123`.
    public let gatewayURL: String
    /// The health port of each service.
    public let ports: [String: Int]
    public let database: String
    public let vhost: String
    /// The admin URL of the PostgreSQL server the system's database lives on.
    public let postgresAdminURL: String
    private var processes: [String: Process] = [:]
    private let logDirectory: URL
    /// The command line that controls the system's broker.
    private let rabbitmqctlCommandLine: String

    /// A RabbitMQ node other than the shared test node (e.g. a ``PrivateRabbitMQ``).
    public struct Broker: Sendable {
        /// The URL of a user with full rights on every vhost the system creates.
        public var amqpURL: String
        /// The command line that controls the node (`env RABBITMQ_NODENAME=… rabbitmqctl`).
        public var rabbitmqctl: String

        /// Names a node.
        public init(amqpURL: String, rabbitmqctl: String) {
            self.amqpURL = amqpURL
            self.rabbitmqctl = rabbitmqctl
        }
    }
    private let environment: [String: [String: String]]

    /// Creates the database and vhost and starts every service; returns once each answers `/ready`.
    /// - Parameters:
    ///   - postgresURL: the admin URL of the server to use (a role that may create databases, on a server with the
    ///     per-service roles, e.g. a ``PrivatePostgres``); the shared test server when `nil`.
    ///   - broker: the RabbitMQ node to use; the shared test node when `nil`.
    ///   - extraEnvironment: more environment for every service.
    public static func start(
        postgresURL: String? = nil,
        broker: Broker? = nil,
        extraEnvironment: [String: String] = [:]
    ) async throws -> SalesDeskSystem {
        let system = try SalesDeskSystem(postgresURL: postgresURL, broker: broker, extraEnvironment: extraEnvironment)
        do {
            for service in services { try system.launch(service) }
            for service in services { try await system.waitUntilReady(service) }
        } catch {
            system.stop()
            throw error
        }
        return system
    }

    /// Creates the database and vhost, with every service's environment, and starts nothing: for tests of what an
    /// operator runs before the services (``runOnce(_:_:)``), which then start them with ``restart(_:)``.
    public static func prepare(extraEnvironment: [String: String] = [:]) throws -> SalesDeskSystem {
        try SalesDeskSystem(postgresURL: nil, broker: nil, extraEnvironment: extraEnvironment)
    }

    /// Runs a service's executable with `arguments` and its environment (plus `overrides`) to completion: its exit
    /// status and what it printed.
    public func runOnce(_ service: String, _ arguments: [String], overrides: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try TestEnvironment.binDirectory().appendingPathComponent(service)
        process.arguments = arguments
        process.environment = processEnvironment(service).merging(overrides) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    private init(postgresURL: String?, broker: Broker?, extraEnvironment: [String: String]) throws {
        let suffix = TestEnvironment.uniqueSuffix()
        database = "e2e_\(suffix)"
        vhost = "e2e_\(suffix)"
        let admin = try postgresURL ?? TestEnvironment.postgresURL()
        postgresAdminURL = admin
        guard let adminURL = URLComponents(string: admin), let host = adminURL.host, let pgPort = adminURL.port else {
            throw MissingTestEnvironment(name: "SALESDESK_TEST_POSTGRES_URL (host and port)")
        }
        let roles = Self.services.joined(separator: ", ")
        try TestEnvironment.shell(
            "psql '\(admin)' -v ON_ERROR_STOP=1 -q -c 'CREATE DATABASE \(database)' -c 'GRANT CONNECT, CREATE ON DATABASE \(database) TO \(roles)'"
        )
        let rabbitmqctl = try broker?.rabbitmqctl ?? TestEnvironment.require("SALESDESK_TEST_RABBITMQCTL")
        rabbitmqctlCommandLine = rabbitmqctl
        try TestEnvironment.shell("\(rabbitmqctl) add_vhost '\(vhost)'")
        guard let amqp = URLComponents(string: try broker?.amqpURL ?? TestEnvironment.amqpURL()), let amqpUser = amqp.user else {
            throw MissingTestEnvironment(name: "SALESDESK_TEST_AMQP_URL (user)")
        }
        try TestEnvironment.shell("\(rabbitmqctl) set_permissions -p '\(vhost)' '\(amqpUser)' '.*' '.*' '.*'")
        // Each service connects as its own broker user, with the permissions of a real deployment.
        try TestEnvironment.shell("RABBITMQCTL='\(rabbitmqctl)' '\(Self.repositoryRoot)/deploy/rabbitmq/service-users' '\(vhost)'")
        try TestEnvironment.shell("RABBITMQCTL='\(rabbitmqctl)' '\(Self.repositoryRoot)/deploy/rabbitmq/policies' '\(vhost)'")
        var amqpURLs: [String: String] = [:]
        for service in Self.services {
            var components = amqp
            components.user = service
            components.password = "salesdesk-\(service)"
            components.percentEncodedPath = "/" + vhost
            amqpURLs[service] = components.string ?? ""
        }

        var ports: [String: Int] = [:]
        for service in Self.services { ports[service] = try freePort() }
        self.ports = ports
        gatewayURL = "http://127.0.0.1:\(ports["gateway"]!)"
        logDirectory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("salesdesk-\(database)")
        try FileManager.default.createDirectory(at: logDirectory, withIntermediateDirectories: true)
        // A fresh signing key per system: tokens of one system are worthless in another.
        let jwtSecret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        // Likewise the key the gateway signs RPC identities with: a system's services trust only their own gateway.
        let rpcIdentityKey = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        var environment: [String: [String: String]] = [:]
        for service in Self.services {
            environment[service] = [
                "AMQP_URL": amqpURLs[service] ?? "",
                "POSTGRES_URL": "postgres://\(service):salesdesk-\(service)@\(host):\(pgPort)/\(database)",
                "HTTP_PORT": String(ports[service]!),
                "LOG_LEVEL": "info",
                "RPC_TIMEOUT_MS": "3000",
                // A dozen systems run side by side in the parallel step, six services each, on one server.
                "POSTGRES_POOL_SIZE": "6",
                "SALESDESK_ADMIN_PASSWORD": Self.adminPassword,
                "JWT_SECRET": jwtSecret,
                "RPC_IDENTITY_KEY": rpcIdentityKey,
                // Pushes go at once whatever the hour the suite runs at, and no 09:00 digest joins them (a system
                // started after 09:00 runs that day's digest at once, or on a retry once approvals are pending);
                // quiet hours and the digest have their own tests under a controlled clock (issue 12).
                "NOTIFICATIONS_QUIET_HOURS": "false",
                "NOTIFICATIONS_DAILY_DIGEST": "false",
                // WeCom takes no idempotency key, so a push whose answer comes after the timeout is sent again (at
                // least once, by design). The stand-in lives in the loaded test process and once answered after 5 s,
                // doubling pushes that tests count exactly: give it the longest timeout allowed.
                "WECOM_WEBHOOK_TIMEOUT_MS": "60000",
            ].merging(extraEnvironment) { $1 }
        }
        self.environment = environment
    }

    /// The test process's environment with the service's own on top: what each of its executables runs with.
    private func processEnvironment(_ service: String) -> [String: String] {
        ProcessInfo.processInfo.environment.merging(environment[service] ?? [:]) { $1 }
    }

    private func launch(_ service: String) throws {
        let process = Process()
        process.executableURL = try TestEnvironment.binDirectory().appendingPathComponent(service)
        process.environment = processEnvironment(service)
        let log = logDirectory.appendingPathComponent("\(service).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        processes[service] = process
    }

    /// The clone this test runs from (deploy scripts live there).
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The password of the first admin (`admin`), created by the gateway on its first start.
    public static let adminPassword = "salesdesk-admin"

    /// Logs in on the gateway and returns the access token.
    /// - Throws: ``SystemFailure`` when the login is refused.
    public func login(_ username: String, _ password: String) async throws -> String {
        let body = try JSONSerialization.data(withJSONObject: ["username": username, "password": password])
        let reply = try await HTTP.send("POST", URL(string: "\(gatewayURL)/api/v1/auth/login")!, body: Array(body))
        guard reply.status == 200, let token = try reply.json()["accessToken"] as? String else {
            throw SystemFailure(
                service: "gateway",
                reason: "refused the login of \(username): \(reply.status) \(reply.text)",
                log: log(of: "gateway")
            )
        }
        return token
    }

    /// Sends a request to the gateway, with a bearer token when given.
    /// - Parameters:
    ///   - method: `GET`, `POST`, …
    ///   - path: the path and query, e.g. `/api/v1/customers?limit=2`.
    ///   - token: an access token from ``login(_:_:)``.
    ///   - json: a JSON-serializable body (dictionary or array).
    ///   - headers: more headers, e.g. `Idempotency-Key`.
    public func request(
        _ method: String,
        _ path: String,
        token: String? = nil,
        json: Any? = nil,
        headers: [String: String] = [:]
    ) async throws -> HTTP.Reply {
        var headers = headers
        if let token { headers["Authorization"] = "Bearer \(token)" }
        // Sorted keys: a retry must send the same bytes (the Idempotency-Key's body hash), and two serialisations of
        // one dictionary need not list its keys in the same order.
        let body = try json.map { Array(try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys])) }
        return try await HTTP.send(method, URL(string: gatewayURL + path)!, body: body, headers: headers)
    }

    /// Creates a region as `token` (an admin's) unless it exists, and waits until the customers service knows it from
    /// `region.created`: a customer's region must exist there (issue 10).
    public func createRegion(_ code: String, name: String, token: String, timeout: Duration = .seconds(60)) async throws {
        let reply = try await request("POST", "/api/v1/regions", token: token, json: ["code": code, "name": name])
        guard reply.status == 201 || reply.status == 409 else {
            throw SystemFailure(service: "gateway", reason: "refused the region \(code): \(reply.status) \(reply.text)", log: log(of: "gateway"))
        }
        try await waitForRegion(code, timeout: timeout)
    }

    /// The admin URL of the system's own database (every service schema is in it).
    public var databaseURL: String {
        var url = URLComponents(string: postgresAdminURL)
        url?.path = "/\(database)"
        return url?.string ?? postgresAdminURL
    }

    /// Runs one SQL statement on the system's database with psql and returns its unaligned, tuples-only output.
    public func psql(_ sql: String) throws -> String {
        try TestEnvironment.shell("psql '\(databaseURL)' -tAq -v ON_ERROR_STOP=1 -c \"\(sql)\"").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Waits until the customers service's region replica holds `code`.
    public func waitForRegion(_ code: String, timeout: Duration = .seconds(60)) async throws {
        let query = "SELECT count(*) FROM customers.region_replica WHERE code = '\(code.filter { $0.isLetter || $0.isNumber || $0 == "-" })'"
        let known = await eventually(timeout: timeout, interval: .milliseconds(100)) {
            let count = try? TestEnvironment.shell("psql '\(databaseURL)' -tAq -c \"\(query)\"")
            return count?.trimmingCharacters(in: .whitespacesAndNewlines) == "1"
        }
        guard known else { throw SystemFailure(service: "customers", reason: "never learnt the region \(code)", log: log(of: "customers")) }
    }

    /// Waits until the service answers 200 on `/ready`: up to two minutes, as a dozen systems start side by side in CI.
    public func waitUntilReady(_ service: String, timeout: Duration = .seconds(120)) async throws {
        let url = URL(string: "http://127.0.0.1:\(ports[service]!)/ready")!
        let ready = await eventually(timeout: timeout, interval: .milliseconds(100)) {
            guard processes[service]?.isRunning == true else { return false }
            return (try? await HTTP.get(url).status) == 200
        }
        guard ready else { throw SystemFailure(service: service, reason: "not ready in \(timeout)", log: log(of: service)) }
    }

    /// Kills one service at once (SIGKILL), as a crash would.
    public func kill(_ service: String) {
        guard let process = processes[service], process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Stops one service as an orchestrator does (SIGTERM, its graceful drain) and waits for the process to end.
    /// - Parameters:
    ///   - service: the service.
    ///   - timeout: how long to wait before killing it (SIGKILL) and answering `nil`.
    /// - Returns: how it ended, or `nil` when it was still running after `timeout`.
    public func terminate(_ service: String, timeout: Duration = .seconds(30)) async -> Termination? {
        guard let process = processes[service], process.isRunning else { return nil }
        process.terminate()
        let ended = await eventually(timeout: timeout, interval: .milliseconds(50)) { !process.isRunning }
        guard ended else {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        process.waitUntilExit()
        return Termination(exited: process.terminationReason == .exit, status: process.terminationStatus)
    }

    /// Runs one SQL query as the admin on the system's database; its result as `psql -tA` prints it (trimmed).
    public func sql(_ query: String) throws -> String {
        var url = URLComponents(string: postgresAdminURL)
        url?.path = "/\(database)"
        let databaseURL = url?.string ?? postgresAdminURL
        let quoted = "'" + query.replacingOccurrences(of: "'", with: "'\\''") + "'"
        return try TestEnvironment.shell("psql '\(databaseURL)' -v ON_ERROR_STOP=1 -tAq -c \(quoted)")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Starts a service again after ``kill(_:)``.
    public func restart(_ service: String) async throws {
        try launch(service)
        try await waitUntilReady(service)
    }

    /// Every line a service has logged since its last start.
    public func logLines(of service: String) -> [String] {
        let text = (try? String(contentsOf: logDirectory.appendingPathComponent("\(service).log"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    /// The tail of a service's log.
    public func log(of service: String) -> String {
        let text = (try? String(contentsOf: logDirectory.appendingPathComponent("\(service).log"), encoding: .utf8)) ?? ""
        return String(text.suffix(4000))
    }

    /// Stops every service (SIGTERM, then SIGKILL after 10 s), drops the database and deletes the vhost.
    public func stop() {
        for process in processes.values where process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(10)
        for process in processes.values {
            while process.isRunning && Date() < deadline { usleep(50_000) }
            if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        }
        processes = [:]
        _ = try? TestEnvironment.shell("psql '\(postgresAdminURL)' -q -c 'DROP DATABASE IF EXISTS \(database) WITH (FORCE)'")
        _ = try? TestEnvironment.shell("\(rabbitmqctlCommandLine) delete_vhost '\(vhost)'")
    }
}

/// How a stopped service's process ended.
public struct Termination: Sendable, CustomStringConvertible {
    /// Whether it exited by itself (`false`: a signal ended it).
    public var exited: Bool
    /// Its exit status, or the signal that ended it.
    public var status: Int32
    public var description: String { exited ? "exited with status \(status)" : "ended by signal \(status)" }
}

/// A service of an end-to-end system failed to start or crashed.
public struct SystemFailure: Error, CustomStringConvertible {
    public let service: String
    public let reason: String
    public let log: String
    public var description: String { "\(service) \(reason); its log ends with:\n\(log)" }
}

/// A free TCP port on the loopback interface, found by binding to port 0.
public func freePort() throws -> Int {
    let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socketFD >= 0 else { throw POSIXError(.EMFILE) }
    defer { close(socketFD) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketFD, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
