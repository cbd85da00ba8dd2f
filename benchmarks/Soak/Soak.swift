import Foundation
public import Logging
import TestSupport

/// The soak (issue 14): the whole system on a PostgreSQL and a RabbitMQ of its own, a mixed workload through the gateway
/// for a while, every fault of ``SoakFaults`` once, then a drain and the checks of ``SoakChecker``.
///
/// `benchmarks/soak` runs it for ten minutes and prints the report; `SoakDisruptiveTests` runs it for two and asserts
/// the loss columns (never the timings). Both need `SALESDESK_BIN_DIR` (the six executables).
public enum Soak {
    /// How long the workload runs, and how many reps it has.
    public struct Configuration: Sendable {
        public var duration: Duration
        public var reps: Int

        /// A configuration; four reps by default (plus two supervisors, a regional manager and a GM approving).
        public init(duration: Duration, reps: Int = 4) {
            self.duration = duration
            self.reps = reps
        }
    }

    static let password = "soak-password"

    /// Runs a soak from start to report; every server and process it started is gone when it returns.
    public static func run(_ configuration: Configuration, logger: Logger) async throws -> SoakReport {
        logger.info("soak: starting a private PostgreSQL and RabbitMQ")
        async let startingPostgres = offPool { try PrivatePostgres.start() }
        async let startingRabbitMQ = offPool { try PrivateRabbitMQ.start() }
        let (postgres, rabbitmq) = try await (startingPostgres, startingRabbitMQ)
        defer {
            postgres.destroy()
            rabbitmq.destroy()
        }
        let wecom = WeComStandIn()
        return try await wecom.serve { wecomURL in
            logger.info("soak: starting the six services")
            let system = try await SalesDeskSystem.start(
                postgresURL: postgres.adminURL,
                broker: rabbitmq.broker,
                extraEnvironment: [
                    "WECOM_WEBHOOK_BASE_URL": wecomURL, "WECOM_WEBHOOK_KEY": "soak-key",
                    // Approvers have WeCom ids, so their pushes go through the self-built app, as in production.
                    "WECOM_API_URL": wecomURL, "WECOM_CORP_ID": WeComStandIn.corpID, "WECOM_AGENT_ID": "1000002",
                    // The same app signs people in at the gateway, which then needs the address WeCom sends them back
                    // to; the soak signs in with passwords, so any address does.
                    "WECOM_SECRET": WeComStandIn.corpSecret, "SALESDESK_PUBLIC_URL": "http://soak.salesdesk.test",
                    "NOTIFICATIONS_DELIVERY_RETRY_BASE_MS": "200",
                    // The stand-in has no 20-a-minute limit: the soak measures the system, not WeCom's robot quota.
                    "NOTIFICATIONS_ROBOT_PER_MINUTE": "1000",
                    "RPC_TIMEOUT_MS": "5000",
                ]
            )
            defer { system.stop() }
            return try await run(configuration, system: system, postgres: postgres, rabbitmq: rabbitmq, wecom: wecom, logger: logger)
        }
    }

    private static func run(
        _ configuration: Configuration,
        system: SalesDeskSystem,
        postgres: PrivatePostgres,
        rabbitmq: PrivateRabbitMQ,
        wecom: WeComStandIn,
        logger: Logger
    ) async throws -> SoakReport {
        let since = try system.sql("SELECT now()")
        let tag = String(UUID().uuidString.lowercased().prefix(6))
        let stats = SoakStats()
        let client = SoakClient(gatewayURL: system.gatewayURL, stats: stats)
        let setup = SoakClient(gatewayURL: system.gatewayURL, stats: SoakStats())

        logger.info("soak: the organisation")
        let admin = SoakUser(name: "admin", id: "", token: try await system.login("admin", SalesDeskSystem.adminPassword))
        let region = "soak-east"
        guard await setup.write("POST", "/api/v1/regions", as: admin, json: ["code": region, "name": "华东"], key: "region") != nil else {
            throw SoakFailure("the region was refused")
        }
        try await system.waitForRegion(region)
        func user(_ name: String, _ fields: [String: Any]) async throws -> SoakUser {
            var json = fields
            json["username"] = name
            json["password"] = password
            json["displayName"] = name
            json["wecomUserId"] = "wx-\(name)"
            guard let created = await setup.write("POST", "/api/v1/users", as: admin, json: json, key: "user-\(name)"),
                let id = created["id"] as? String
            else { throw SoakFailure("the user \(name) was refused") }
            return SoakUser(name: name, id: id.lowercased(), token: try await system.login(name, password))
        }
        let gm = try await user("soak-gm", ["role": "gm", "mobile": "13900000001"])
        let manager = try await user("soak-rm", ["role": "regional_manager", "region": region, "supervisorId": gm.id, "mobile": "13900000002"])
        let supervisors = [
            try await user("soak-sup-a", ["role": "supervisor", "region": region, "supervisorId": manager.id, "mobile": "13900000003"]),
            try await user("soak-sup-b", ["role": "supervisor", "region": region, "supervisorId": manager.id, "mobile": "13900000004"]),
        ]
        var reps: [SoakUser] = []
        for index in 0..<configuration.reps {
            reps.append(try await user("soak-rep-\(index)", ["role": "rep", "region": region, "supervisorId": supervisors[index % 2].id]))
        }
        guard
            let product = await setup.write(
                "POST",
                "/api/v1/products",
                as: admin,
                json: ["name": "M8 螺栓", "productLine": "bolts", "listPriceFen": 100_000, "unitCostFen": 60_000],
                key: "product"
            ), let productID = product["id"] as? String
        else { throw SoakFailure("the product was refused") }

        let ledger = SoakLedger()
        let stop = StopFlag()
        let poison = PoisonMessages()
        let workload = SoakWorkload(
            client: client,
            ledger: ledger,
            reps: reps,
            approvers: supervisors + [manager, gm],
            reader: gm,
            region: region,
            productID: productID,
            tag: tag,
            stop: stop
        )
        let faults = SoakFaults(
            system: system,
            postgres: postgres,
            rabbitmq: rabbitmq,
            prober: setup,
            probeUser: gm,
            stats: stats,
            poison: poison
        )

        logger.info("soak: running for \(configuration.duration)")
        let started = ContinuousClock.now
        let running = Task { await workload.run() }
        let outcomes = await faults.run(started: started, duration: configuration.duration, logger: logger)
        try? await Task.sleep(until: started + configuration.duration)
        stop.set()
        await running.value
        let seconds = SoakFaults.seconds(ContinuousClock.now - started)

        logger.info("soak: draining")
        let checker = SoakChecker(
            system: system,
            rabbitmq: rabbitmq,
            ledger: ledger,
            wecom: wecom,
            poison: poison,
            since: since,
            tag: tag,
            logger: logger
        )
        let drained = await checker.drain(timeout: .seconds(240))
        logger.info("soak: checking")
        let checks = try await checker.run()
        let approvals = try system.sql(
            "SELECT string_agg(status || ' ' || n, ', ' ORDER BY status) FROM (SELECT status, count(*) AS n FROM approvals.approval_instances GROUP BY status) s"
        )
        return SoakReport(
            seconds: seconds,
            phases: stats.tallies,
            faults: outcomes,
            checks: checks,
            accepted: ledger.counts,
            approvals: approvals,
            pushes: await wecom.successes.count + wecom.appMessages.count,
            repeatsDropped: await wecom.appDuplicatesDropped,
            refusals: stats.refusals,
            drained: drained
        )
    }
}

/// The soak could not set itself up.
public struct SoakFailure: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
