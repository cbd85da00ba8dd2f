public import Foundation
public import Logging
public import Persistence
public import PostgresNIO

/// What a SalesDesk service declares about itself; ``ServiceApp`` composes the rest (PostgreSQL, AMQP, migrations,
/// outbox relay, consumers, the HTTP port) the same way for every service.
public protocol SalesDeskService {
    /// The service's name: also its schema, its queues' prefix and its RPC operations' prefix.
    static var name: String { get }
    /// The port of `/health`, `/ready` and `/metrics` (the gateway's is also the API) unless `HTTP_PORT` says otherwise.
    static var defaultHTTPPort: Int { get }
    /// The SQL migrations shipped with the service: the `Migrations` folder of its bundle.
    static var migrationsDirectory: URL? { get }
    /// What the service adds to the common runtime.
    static func parts(_ context: ServiceContext) throws -> ServiceParts
}

extension SalesDeskService {
    /// Reads configuration from the environment, builds the service and runs it until a signal arrives; the
    /// executable's `@main` calls only this.
    public static func main() async {
        await ServiceApp.main(name: name, defaultHTTPPort: defaultHTTPPort, migrationsDirectory: migrationsDirectory, parts: parts)
    }
}

/// A service that answers RPC operations and consumes events, and needs nothing else from the runtime.
public protocol MessagingService: SalesDeskService {
    /// The service's operations, wired to its repositories.
    static func rpcRouter(postgres: PostgresClient, logger: Logger) -> RPCRouter
    /// The event handlers, by event type.
    static func eventHandlers(logger: Logger) -> EventHandlerRegistry
    /// Whether the service writes events to its outbox (then the outbox relay runs).
    static var publishesEvents: Bool { get }
    /// The service's own tables to prune, beyond the kit's; none unless the service says so.
    static func retentionRules(_ policy: RetentionPolicy) -> [RetentionRule]
}

extension MessagingService {
    /// Its operations, its event handlers, its retention rules and, when it publishes events, the outbox relay.
    public static func parts(_ context: ServiceContext) -> ServiceParts {
        ServiceParts(
            rpc: rpcRouter(postgres: context.postgres, logger: context.logger),
            events: eventHandlers(logger: context.logger),
            publishesEvents: publishesEvents,
            retention: retentionRules(context.retention)
        )
    }

    /// No tables of its own to prune.
    public static func retentionRules(_ policy: RetentionPolicy) -> [RetentionRule] { [] }
}
