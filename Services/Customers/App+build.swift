import Contracts
public import Foundation
public import Logging
public import PostgresNIO
public import ServiceRuntime

/// The `customers` service: customer master data, answered over RPC, changes published as events.
public enum CustomersService {
    /// Service name, schema and queue prefix.
    public static let name = Operation.Customers.service
    /// Health, ready and metrics port unless `HTTP_PORT` says otherwise.
    public static let defaultHTTPPort = 8081
    /// The SQL migrations shipped with the service.
    public static var migrationsDirectory: URL? { Bundle.module.url(forResource: "Migrations", withExtension: nil) }

    /// The service's operations, wired to its repository.
    public static func rpcRouter(postgres: PostgresClient, logger: Logger) -> RPCRouter {
        let repository = PostgresCustomerRepository(logger: logger)
        var router = RPCRouter()
        router.on(Operation.Customers.create, CreateCustomerHandler(postgres: postgres, repository: repository, logger: logger).callAsFunction)
        router.on(Operation.Customers.get, GetCustomerHandler(postgres: postgres, repository: repository, logger: logger).callAsFunction)
        router.on(Operation.Customers.list, ListCustomersHandler(postgres: postgres, repository: repository, logger: logger).callAsFunction)
        router.on(Operation.Customers.update, UpdateCustomerHandler(postgres: postgres, repository: repository, logger: logger).callAsFunction)
        return router
    }

    /// What the customers service adds to the common runtime.
    public static func parts(_ context: ServiceContext) -> ServiceParts {
        ServiceParts(rpc: rpcRouter(postgres: context.postgres, logger: context.logger), publishesEvents: true)
    }

    /// The customer id of the route, or a 404 when it is not a UUID (no such customer can exist).
    static func customerID(_ request: RPCRequest) throws(Problem) -> UUID {
        guard let text = request.pathID, let id = UUID(uuidString: text) else {
            throw Problem.notFound("No customer \(request.pathID ?? "").")
        }
        return id
    }
}
