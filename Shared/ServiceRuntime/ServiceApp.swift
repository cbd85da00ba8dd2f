public import AMQP
import Contracts
public import Foundation
public import Hummingbird
public import Logging
public import Persistence
public import PostgresNIO
public import ServiceLifecycle
import Synchronization
import UnixSignals

/// What a service is given to build its parts: configuration, logging and its connections.
public struct ServiceContext: Sendable {
    /// The service name (`customers`), also its schema by default and its AMQP queue prefix.
    public let name: String
    public let configuration: ServiceConfiguration
    public let logger: Logger
    /// The service's own schema; every connection's `search_path` points at it.
    public let schema: String
    public let postgres: PostgresClient
    /// The broker settings, for parts that open their own connection (the gateway's RPC client).
    public let amqpConfiguration: AMQPConfiguration
    /// Publisher-confirm connection (outbox relay).
    public let publisher: AMQPConnection
    /// Consuming connection (event consumer, RPC server).
    public let consumer: AMQPConnection
    /// How long the tables that only grow keep their rows (`RETENTION_*`); the service's own
    /// ``ServiceParts/retention`` rules take their ages from it.
    public let retention: RetentionPolicy
}

/// The parts a service adds to the common runtime.
public struct ServiceParts: Sendable {
    /// RPC operations answered on `<service>.rpc`; the service then needs `rpc.identity.key` to check each request's
    /// signed caller identity (see ``RPCRouter/handle(delivery:identityKey:now:logger:)``).
    public var rpc: RPCRouter?
    /// Event types bound to `<service>.events`, with their handlers.
    public var events: EventHandlerRegistry?
    /// Whether the service writes events to its outbox (starts the relay).
    public var publishesEvents: Bool
    /// More long-running parts, started after migrations.
    public var services: [any Service]
    /// More HTTP routes on the service's port (the gateway's API).
    public var routes: (@Sendable (Router<ServiceRequestContext>) -> Void)?
    /// More `/ready` checks.
    public var readiness: [ReadinessCheck]
    /// The service's own tables to prune, besides the kit's (inbox, idempotency keys, published outbox rows) that
    /// every service prunes.
    public var retention: [RetentionRule]

    /// Creates the parts.
    public init(
        rpc: RPCRouter? = nil,
        events: EventHandlerRegistry? = nil,
        publishesEvents: Bool = false,
        services: [any Service] = [],
        routes: (@Sendable (Router<ServiceRequestContext>) -> Void)? = nil,
        readiness: [ReadinessCheck] = [],
        retention: [RetentionRule] = []
    ) {
        self.rpc = rpc
        self.events = events
        self.publishesEvents = publishesEvents
        self.services = services
        self.routes = routes
        self.readiness = readiness
        self.retention = retention
    }
}

/// Composes a SalesDesk service in one visible place: PostgreSQL, AMQP connections, migrations, outbox relay,
/// event consumer, RPC server, retention pruning and the HTTP port with `/health`, `/ready` and `/metrics`, as one ServiceGroup
/// with graceful shutdown on SIGTERM/SIGINT.
public enum ServiceApp {
    /// Reads configuration from the environment, builds the service and runs it until a signal arrives.
    /// Bad configuration stops the process with a message that names the key.
    public static func main(
        name: String,
        defaultHTTPPort: Int,
        migrationsDirectory: URL?,
        parts: @escaping @Sendable (ServiceContext) throws -> ServiceParts
    ) async {
        let configuration = ServiceConfiguration()
        do {
            let level = try configuration.choice(
                "log.level",
                default: "info",
                allowed: ["trace", "debug", "info", "notice", "warning", "error", "critical"]
            )
            let format = try configuration.choice("log.format", default: "text", allowed: ["text", "json"])
            LoggingSetup.bootstrap(format: format, level: Logger.Level(rawValue: level) ?? .info)
            if CommandLine.arguments.dropFirst().first == "migrate" {
                try await migrate(name: name, configuration: configuration, migrationsDirectory: migrationsDirectory)
                exit(0)
            }
            let grace = try configuration.int("shutdown.grace.seconds", default: 10, in: 1...3_600)
            var logger = Logger(label: "salesdesk.\(name)")
            logger[metadataKey: "service"] = "\(name)"
            // Before the parts are built, so the HTTP clients they create trace their calls with the exporting tracer.
            let spanExport = try TracingSetup.bootstrap(serviceName: name, configuration: configuration, logger: logger)
            let app = try build(
                name: name,
                configuration: configuration,
                defaultHTTPPort: defaultHTTPPort,
                migrationsDirectory: migrationsDirectory,
                parts: parts
            )
            try await runUntilDrained(app, grace: .seconds(grace), logger: logger, spanExport: spanExport)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("\(name): \(error)\n".utf8))
            exit(78)  // EX_CONFIG
        } catch {
            FileHandle.standardError.write(Data("\(name): \(error)\n".utf8))
            exit(1)
        }
    }

    /// Runs a service until SIGTERM or SIGINT, then drains it: the parts stop in the reverse of their start order (the
    /// HTTP server stops accepting and answers what it has; RPC server and event consumer cancel their consumers,
    /// finish the work in hand and requeue the rest; timers finish their pass; the outbox relay flushes; the
    /// connections close), and the function returns, so the process exits with status 0.
    ///
    /// A drain that takes longer than eight tenths of `grace` is cancelled; if the cancellation itself has not ended
    /// the parts by `grace`, the process stops at once (a crash, not status 0), so an orchestrator's kill after its own
    /// grace period never finds it still running. Nothing is lost either way: unacknowledged messages go back to their
    /// queues and committed outbox rows are published at the next start.
    /// - Parameters:
    ///   - service: the service (the built application).
    ///   - grace: the longest a drain may take (`SHUTDOWN_GRACE_SECONDS`, 10 s by default).
    ///   - logger: receives the drain's start and end.
    ///   - spanExport: the span exporter (``TracingSetup/bootstrap(serviceName:configuration:logger:)``), if export is on:
    ///     it starts first and stops last, exporting the spans of the drain too.
    public static func runUntilDrained(
        _ service: some Service,
        grace: Duration,
        logger: Logger,
        spanExport: (any Service)? = nil
    ) async throws {
        let announcer = DrainAnnouncer(grace: grace, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let spanExport { services.append(.init(service: spanExport)) }
        services.append(contentsOf: [.init(service: service), .init(service: announcer)])
        var configuration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = grace * 8 / 10
        configuration.maximumCancellationDuration = grace * 2 / 10
        try await ServiceGroup(configuration: configuration).run()
        announcer.finished()
    }

    /// `<service> migrate`: applies the service's migrations to its schema and exits, without the broker and without
    /// serving anything; what a deployment's migration step runs before the new version's pods start
    /// (deploy/kubernetes/base/migrate-job.yaml). The service itself migrates at start as well, under the same advisory
    /// lock, so running both, or several at once, is harmless.
    static func migrate(name: String, configuration: ServiceConfiguration, migrationsDirectory: URL?) async throws {
        var logger = Logger(label: "salesdesk.\(name)")
        logger[metadataKey: "service"] = "\(name)"
        let schema = configuration.string("postgres.schema", default: name)
        let settings = try postgresSettings(name: name, schema: schema, configuration: configuration)
        let migrations = try migrationsDirectory.map { try Migrator.load(bundleDirectory: $0) } ?? []
        let postgres = PostgresClient(configuration: settings.clientConfiguration, backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await postgres.run() }
            defer { group.cancelAll() }
            try await Migrator(client: postgres, schema: schema, migrations: migrations, logger: logger).migrate()
            logger.info("migrations applied", metadata: ["schema": "\(schema)", "known": "\(migrations.count)"])
        }
    }

    /// The PostgreSQL settings from the configuration (`postgres.url`, `.transaction.deadline.ms`, `.pool.size`).
    static func postgresSettings(name: String, schema: String, configuration: ServiceConfiguration) throws -> PostgresSettings {
        let postgresURL = try configuration.required("postgres.url")
        var settings: PostgresSettings
        do {
            settings = try PostgresSettings(url: postgresURL, schema: schema, applicationName: name)
        } catch {
            throw ConfigurationError(key: "postgres.url", reason: "\(error)")
        }
        let defaultDeadline = Int(PostgresSettings.defaultTransactionDeadline.components.seconds) * 1_000
        settings.transactionDeadline = .milliseconds(
            try configuration.int("postgres.transaction.deadline.ms", default: defaultDeadline, in: 1_000...3_600_000)
        )
        settings.maximumConnections = try configuration.int(
            "postgres.pool.size",
            default: PostgresSettings.defaultMaximumConnections,
            in: 2...500
        )
        return settings
    }

    /// Builds the application without running it.
    public static func build(
        name: String,
        configuration: ServiceConfiguration,
        defaultHTTPPort: Int,
        migrationsDirectory: URL?,
        parts makeParts: @Sendable (ServiceContext) throws -> ServiceParts
    ) throws -> some ApplicationProtocol {
        // Metrics recorded before the registry exists would go to the no-op backend and never show up.
        _ = PrometheusMetrics.registry
        let logger = {
            var logger = Logger(label: "salesdesk.\(name)")
            logger[metadataKey: "service"] = "\(name)"
            return logger
        }()
        let schema = configuration.string("postgres.schema", default: name)
        let settings = try postgresSettings(name: name, schema: schema, configuration: configuration)
        let amqpURL = try configuration.required("amqp.url")
        let port = try configuration.int("http.port", default: defaultHTTPPort, in: 1...65535)
        let host = configuration.string("http.host", default: "127.0.0.1")
        let retention = try RetentionPolicy(configuration)
        let amqp: AMQPConfiguration
        do {
            amqp = try AMQPConfiguration(url: amqpURL, connectionName: name)
        } catch {
            throw ConfigurationError(key: "amqp.url", reason: "\(error)")
        }
        let migrations = try migrationsDirectory.map { try Migrator.load(bundleDirectory: $0) } ?? []

        let postgres = PostgresClient(configuration: settings.clientConfiguration, backgroundLogger: logger)
        var publisherConfiguration = amqp
        publisherConfiguration.connectionName = "\(name)-publisher"
        var consumerConfiguration = amqp
        consumerConfiguration.connectionName = "\(name)-consumer"
        let publisher = AMQPConnection(configuration: publisherConfiguration, topology: SalesDeskTopology.exchanges, logger: logger)
        let consumer = AMQPConnection(configuration: consumerConfiguration, topology: SalesDeskTopology.exchanges, logger: logger)
        let context = ServiceContext(
            name: name,
            configuration: configuration,
            logger: logger,
            schema: schema,
            postgres: postgres,
            amqpConfiguration: amqp,
            publisher: publisher,
            consumer: consumer,
            retention: retention
        )
        let parts = try makeParts(context)

        var consumerTopology = AMQPTopology()
        var afterMigrations: [any Service] = []
        if parts.publishesEvents {
            afterMigrations.append(
                OutboxRelay(
                    client: postgres,
                    schema: schema,
                    publisher: AMQPOutboxPublisher(connection: publisher),
                    transactionDeadline: settings.transactionDeadline,
                    logger: logger
                )
            )
        }
        if let events = parts.events {
            let queue = SalesDeskTopology.eventQueue(of: name)
            consumerTopology = consumerTopology.merging(SalesDeskTopology.eventQueue(service: name, eventTypes: events.eventTypes))
            afterMigrations.append(
                EventConsumerService(
                    name: name,
                    connection: consumer,
                    queue: queue,
                    client: postgres,
                    registry: events,
                    retention: retention,
                    transactionDeadline: settings.transactionDeadline,
                    parking: ParkingQueue(exchange: SalesDeskTopology.deadLetterExchange, queue: SalesDeskTopology.deadLetterQueue(of: name)),
                    logger: logger
                )
            )
        }
        if let rpc = parts.rpc {
            let identityKey = try RPCIdentityKey(configuration)
            consumerTopology = consumerTopology.merging(SalesDeskTopology.rpcQueue(service: name))
            afterMigrations.append(
                AMQPRPCServer(connection: consumer, queue: RPC.queue(for: name), logger: logger) { delivery in
                    await rpc.handle(delivery: delivery, identityKey: identityKey, logger: logger)
                }
            )
        }
        afterMigrations.append(contentsOf: parts.services)
        afterMigrations.append(RetentionPruner(client: postgres, schema: schema, policy: retention, rules: parts.retention, logger: logger))
        afterMigrations.append(UnroutableMonitor(connection: publisher, logger: logger))
        let usesConsumer = parts.rpc != nil || parts.events != nil
        let declaredTopology = consumerTopology

        let migrated = StartupFlag()
        let startup = StartupSequence(
            name: name,
            logger: logger,
            steps: [
                {
                    if usesConsumer {
                        try await consumer.waitUntilConnected(timeout: .seconds(60))
                        try await consumer.declare(declaredTopology)
                    }
                },
                {
                    try await Migrator(client: postgres, schema: schema, migrations: migrations, logger: logger).migrate()
                    migrated.raise()
                },
            ],
            then: afterMigrations
        )

        var checks = [
            ReadinessCheck(name: "postgres") {
                (try? await withDeadline(.seconds(2)) { try await postgres.query("SELECT 1", logger: logger) }) != nil
            },
            ReadinessCheck(name: "amqp") { publisher.isConnected && (!usesConsumer || consumer.isConnected) },
            ReadinessCheck(name: "migrations") { migrated.isRaised },
        ]
        checks.append(contentsOf: parts.readiness)

        let router = Router(context: ServiceRequestContext.self)
        router.add(middleware: MetricsMiddleware())
        router.addHealthRoutes(service: name, checks: checks)
        parts.routes?(router)

        var services: [any Service] = [postgres, publisher]
        if usesConsumer { services.append(consumer) }
        services.append(startup)
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "salesdesk-\(name)"),
            services: services,
            logger: logger
        )
    }
}

/// Runs startup steps in order, each retried with backoff for up to `deadline` (dependencies may come up after
/// us in a container world), then runs the services that need them.
struct StartupSequence: Service {
    let name: String
    let logger: Logger
    let steps: [@Sendable () async throws -> Void]
    let then: [any Service]
    var deadline: Duration = .seconds(120)

    func run() async throws {
        let clock = ContinuousClock()
        for step in steps {
            let giveUp = clock.now.advanced(by: deadline)
            var delay = Duration.milliseconds(200)
            while true {
                do {
                    try await step()
                    break
                } catch {
                    guard clock.now < giveUp, !Task.isCancelled else { throw error }
                    logger.warning("startup step failed; retrying", metadata: ["error": "\(error)", "retryIn": "\(delay)"])
                    try await Task.sleep(for: delay)
                    delay = min(delay * 2, .seconds(5))
                }
            }
        }
        logger.info("\(name) started")
        guard !then.isEmpty else {
            try await gracefulShutdown()
            return
        }
        try await ServiceGroup(configuration: .init(services: then.map { .init(service: $0) }, logger: logger)).run()
    }
}

/// Logs when a drain begins and how long it took. Listed after the application in the signal-handling group, so it
/// hears the shutdown first (a group stops its services in reverse order) and the application's drain follows.
final class DrainAnnouncer: Service, Sendable {
    let grace: Duration
    let logger: Logger
    private let began = Mutex<ContinuousClock.Instant?>(nil)

    init(grace: Duration, logger: Logger) {
        self.grace = grace
        self.logger = logger
    }

    func run() async throws {
        try await gracefulShutdown()
        began.withLock { $0 = .now }
        logger.info("drain: shutdown requested, draining", metadata: ["graceSeconds": "\(grace.components.seconds)"])
    }

    func finished() {
        guard let began = began.withLock({ $0 }) else { return }
        let took = ContinuousClock.now - began
        let milliseconds = took.components.seconds * 1_000 + took.components.attoseconds / 1_000_000_000_000_000
        logger.info("drain: finished, exiting", metadata: ["tookMs": "\(milliseconds)"])
    }
}
