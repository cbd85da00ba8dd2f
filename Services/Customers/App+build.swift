import Contracts
public import Foundation
public import Logging
import Persistence
public import PostgresNIO
public import ServiceRuntime

/// The `customers` service: customer master data, answered over RPC, changes published as events.
public enum CustomersService: MessagingService {
    public static let name = Operation.Customers.service
    public static let defaultHTTPPort = 8081
    public static var migrationsDirectory: URL? { Bundle.module.url(forResource: "Migrations", withExtension: nil) }

    /// The service's operations, wired to its repositories.
    public static func rpcRouter(postgres: PostgresClient, logger: Logger) -> RPCRouter {
        let repository = PostgresCustomerRepository(logger: logger)
        let users = OrgReplica(logger: logger)
        var router = RPCRouter()
        router.on(
            Operation.Customers.create,
            CreateCustomerHandler(postgres: postgres, repository: repository, users: users, logger: logger).callAsFunction
        )
        router.on(Operation.Customers.get, GetCustomerHandler(postgres: postgres, repository: repository, logger: logger).callAsFunction)
        router.on(Operation.Customers.list, ListCustomersHandler(postgres: postgres, repository: repository, logger: logger).callAsFunction)
        router.on(Operation.Customers.update, UpdateCustomerHandler(postgres: postgres, repository: repository, logger: logger).callAsFunction)
        router.on(
            Operation.Customers.transfer,
            TransferCustomersHandler(postgres: postgres, repository: repository, users: users, logger: logger).callAsFunction
        )
        router.on(
            ArchiveCustomerHandler.archive,
            ArchiveCustomerHandler(postgres: postgres, repository: repository, archiving: true, logger: logger).callAsFunction
        )
        router.on(
            ArchiveCustomerHandler.restore,
            ArchiveCustomerHandler(postgres: postgres, repository: repository, archiving: false, logger: logger).callAsFunction
        )
        router.on(
            Operation.Customers.history,
            CustomerHistoryHandler(postgres: postgres, repository: repository, logger: logger).callAsFunction
        )
        return router
    }

    /// The event handlers, by event type: the org replica that owner rules consult.
    public static func eventHandlers(logger: Logger) -> EventHandlerRegistry {
        var registry = EventHandlerRegistry()
        registry.registerOrgReplica(OrgReplica(logger: logger))
        return registry
    }

    public static let publishesEvents = true

    /// The scope of a caller about to change customers (403 for a read-only role).
    static func writeScope(_ request: RPCRequest) throws(Problem) -> DataScope {
        try request.writeScope(of: "customers")
    }
}
