import Contracts
import HTTPTypes

/// `/api/v1/customers`: forwarded to the customers service.
enum CustomersRoutes {
    static let table: [ForwardedRoute] = [
        .init(.post, "customers", Operation.Customers.create, readsBody: true),
        .init(.get, "customers", Operation.Customers.list),
        .init(.post, "customers/transfer", Operation.Customers.transfer, readsBody: true),
        .init(.get, "customers/:id", Operation.Customers.get),
        .init(.patch, "customers/:id", Operation.Customers.update, readsBody: true),
        .init(.get, "customers/:id/history", Operation.Customers.history),
    ]
}
