public import AMQP
import Approvals
public import ArgumentParser
import Contracts
import Customers
import Deals
public import Foundation
import Gateway
public import Logging
import Notifications
public import Persistence
public import PostgresNIO
import Reporting
public import ServiceRuntime

/// A SalesDesk service as the operator's tool knows it: its schema, its migrations and its queues.
public struct ServiceEntry: Sendable, Equatable {
    /// The service's name: its schema and its queues' prefix.
    public var name: String
    /// Its bundled migrations (`nil` when it ships none).
    public var migrationsDirectory: URL?

    /// The service's migrations, sorted by id.
    public func migrations() throws -> [Migration] {
        try migrationsDirectory.map { try Migrator.load(bundleDirectory: $0) } ?? []
    }

    /// Its event queue, `<service>.events`.
    public var eventQueue: String { SalesDeskTopology.eventQueue(of: name) }
    /// Its parking queue, `<service>.events.dead`.
    public var deadLetterQueue: String { SalesDeskTopology.deadLetterQueue(of: name) }
    /// Its RPC queue, `<service>.rpc`.
    public var rpcQueue: String { RPC.queue(for: name) }

    /// Every service, in the order the system starts them.
    public static let all: [ServiceEntry] = [
        ServiceEntry(name: CustomersService.name, migrationsDirectory: CustomersService.migrationsDirectory),
        ServiceEntry(name: DealsService.name, migrationsDirectory: DealsService.migrationsDirectory),
        ServiceEntry(name: ApprovalsService.name, migrationsDirectory: ApprovalsService.migrationsDirectory),
        ServiceEntry(name: NotificationsService.name, migrationsDirectory: NotificationsService.migrationsDirectory),
        ServiceEntry(name: ReportingService.name, migrationsDirectory: ReportingService.migrationsDirectory),
        ServiceEntry(name: GatewayService.name, migrationsDirectory: GatewayService.migrationsDirectory),
    ]

    /// The named service.
    /// - Throws: a `ValidationError` naming the known services.
    public static func named(_ name: String) throws -> ServiceEntry {
        guard let entry = all.first(where: { $0.name == name }) else {
            throw ValidationError("unknown service '\(name)'; one of: \(all.map(\.name).joined(separator: ", "))")
        }
        return entry
    }

    /// The named services, or all of them when `names` is empty.
    public static func selected(_ names: [String]) throws -> [ServiceEntry] {
        names.isEmpty ? all : try names.map(named)
    }
}

/// How the tool reaches PostgreSQL: the same `POSTGRES_URL` as the services, but with a role that owns every
/// service's schema (or a superuser).
public struct PostgresOptions: ParsableArguments, Sendable {
    @Option(
        name: .customLong("postgres-url"),
        help: ArgumentHelp(
            "postgres://user:password@host:port/database with a role owning every service schema.",
            discussion: "Default: the environment variable POSTGRES_URL."
        )
    )
    public var url: String?

    public init() {}

    /// Options naming a URL, as `--postgres-url URL` does (an `@Option` is only readable once parsed).
    public static func url(_ url: String) throws -> PostgresOptions { try parse(["--postgres-url", url]) }

    /// The URL from the option or `POSTGRES_URL`.
    public func resolvedURL() throws -> String {
        if let url { return url }
        if let url = ProcessInfo.processInfo.environment["POSTGRES_URL"], !url.isEmpty { return url }
        throw ValidationError("no PostgreSQL URL: pass --postgres-url or set POSTGRES_URL")
    }

    /// Runs `body` with a running client whose `search_path` is `schema`.
    public func withClient<T: Sendable>(
        schema: String = "public",
        logger: Logger = AdminLog.logger,
        _ body: @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        let settings = try PostgresSettings(url: try resolvedURL(), schema: schema, applicationName: "salesdesk-admin")
        // The pool's own chatter (a lease queued before `run()` has started) is not the operator's business.
        var poolLogger = logger
        poolLogger.logLevel = .error
        let client = PostgresClient(configuration: settings.clientConfiguration, backgroundLogger: poolLogger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }
}

/// How the tool reaches RabbitMQ: the same `AMQP_URL` as the services, with a user that may read and write every
/// service's queues (the deployment's `salesdesk` user).
public struct BrokerOptions: ParsableArguments, Sendable {
    @Option(
        name: .customLong("amqp-url"),
        help: ArgumentHelp(
            "amqp://user:password@host:port/vhost with a user allowed on every service queue.",
            discussion: "Default: the environment variable AMQP_URL."
        )
    )
    public var url: String?

    public init() {}

    /// Options naming a URL, as `--amqp-url URL` does (an `@Option` is only readable once parsed).
    public static func url(_ url: String) throws -> BrokerOptions { try parse(["--amqp-url", url]) }

    /// The URL from the option or `AMQP_URL`.
    public func resolvedURL() throws -> String {
        if let url { return url }
        if let url = ProcessInfo.processInfo.environment["AMQP_URL"], !url.isEmpty { return url }
        throw ValidationError("no RabbitMQ URL: pass --amqp-url or set AMQP_URL")
    }

    /// Runs `body` with a connected connection.
    public func withConnection<T: Sendable>(
        logger: Logger = AdminLog.logger,
        _ body: @Sendable (AMQPConnection) async throws -> T
    ) async throws -> T {
        let configuration = try AMQPConfiguration(url: try resolvedURL(), connectionName: "salesdesk-admin")
        let connection = AMQPConnection(configuration: configuration, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await connection.run() }
            defer { group.cancelAll() }
            try await connection.waitUntilConnected(timeout: .seconds(15))
            return try await body(connection)
        }
    }
}

/// The tool's logger: warnings and worse only, on standard error, so its own output stays readable.
public enum AdminLog {
    /// A logger at `warning`.
    public static var logger: Logger {
        var logger = Logger(label: "salesdesk-admin")
        logger.logLevel = .warning
        return logger
    }
}
