import Contracts
public import Foundation
public import Logging
import Persistence
public import PostgresNIO
public import ServiceRuntime

/// The `reporting` service: projections built from events, answered over RPC.
public enum ReportingService {
    /// Service name, schema and queue prefix.
    public static let name = Operation.Reporting.service
    /// Health, ready and metrics port unless `HTTP_PORT` says otherwise.
    public static let defaultHTTPPort = 8085
    /// The SQL migrations shipped with the service.
    public static var migrationsDirectory: URL? { Bundle.module.url(forResource: "Migrations", withExtension: nil) }

    /// The event handlers, by event type.
    public static func eventHandlers(logger: Logger) -> EventHandlerRegistry {
        let customers = CustomerEventsHandler(repository: ReportingRepository(logger: logger))
        var registry = EventHandlerRegistry()
        registry.register(CustomerCreated.self, handler: customers.created)
        registry.register(CustomerUpdated.self, handler: customers.updated)
        registry.register(CustomerTransferred.self, handler: customers.transferred)
        return registry
    }

    /// The RPC operations.
    public static func rpcRouter(postgres: PostgresClient, logger: Logger) -> RPCRouter {
        var router = RPCRouter()
        router.on(Operation.Reporting.summary, SummaryHandler(postgres: postgres, repository: ReportingRepository(logger: logger)).callAsFunction)
        return router
    }

    /// What reporting adds to the common runtime.
    public static func parts(_ context: ServiceContext) -> ServiceParts {
        ServiceParts(
            rpc: rpcRouter(postgres: context.postgres, logger: context.logger),
            events: eventHandlers(logger: context.logger)
        )
    }
}
