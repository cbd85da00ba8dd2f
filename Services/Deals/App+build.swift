import Contracts
public import Foundation
public import Logging
import Persistence
public import ServiceRuntime

/// The `deals` service: the pipeline, quotes, contracts and payments. So far it keeps the customer replica
/// its data scope will need; the pipeline arrives with issue 4.
public enum DealsService {
    /// Service name, schema and queue prefix.
    public static let name = "deals"
    /// Health, ready and metrics port unless `HTTP_PORT` says otherwise.
    public static let defaultHTTPPort = 8082
    /// The SQL migrations shipped with the service.
    public static var migrationsDirectory: URL? { Bundle.module.url(forResource: "Migrations", withExtension: nil) }

    /// The event handlers, by event type.
    public static func eventHandlers(logger: Logger) -> EventHandlerRegistry {
        let replica = CustomerReplicaHandler(repository: CustomerReplicaRepository(logger: logger))
        var registry = EventHandlerRegistry()
        registry.register(CustomerCreated.self, handler: replica.created)
        registry.register(CustomerUpdated.self, handler: replica.updated)
        return registry
    }

    /// What deals adds to the common runtime.
    public static func parts(_ context: ServiceContext) -> ServiceParts {
        ServiceParts(events: eventHandlers(logger: context.logger))
    }
}
