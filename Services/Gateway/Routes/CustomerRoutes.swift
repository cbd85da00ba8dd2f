import Contracts
import Hummingbird

/// `/api/v1/customers`: forwarded to the customers service.
struct CustomerRoutes {
    let forwarder: RPCForwarder

    func add<Context: RequestContext>(to group: RouterGroup<Context>) {
        let service = Operation.Customers.service
        group.post("customers") { request, context in
            try await forwarder.forward(request, context: context, operation: Operation.Customers.create, service: service, readsBody: true)
        }
        group.get("customers") { request, context in
            try await forwarder.forward(request, context: context, operation: Operation.Customers.list, service: service)
        }
        // Registered before `customers/:id` so the constant path is never read as an id.
        group.post("customers/transfer") { request, context in
            try await forwarder.forward(request, context: context, operation: Operation.Customers.transfer, service: service, readsBody: true)
        }
        group.get("customers/:id") { request, context in
            try await forwarder.forward(
                request,
                context: context,
                operation: Operation.Customers.get,
                service: service,
                pathID: context.parameters.get("id")
            )
        }
        group.patch("customers/:id") { request, context in
            try await forwarder.forward(
                request,
                context: context,
                operation: Operation.Customers.update,
                service: service,
                pathID: context.parameters.get("id"),
                readsBody: true
            )
        }
        group.get("customers/:id/history") { request, context in
            try await forwarder.forward(
                request,
                context: context,
                operation: Operation.Customers.history,
                service: service,
                pathID: context.parameters.get("id")
            )
        }
    }
}

/// `/api/v1/reports/*`: forwarded to the reporting service.
struct ReportRoutes {
    let forwarder: RPCForwarder

    func add<Context: RequestContext>(to group: RouterGroup<Context>) {
        group.get("reports/summary") { request, context in
            try await forwarder.forward(request, context: context, operation: Operation.Reporting.summary, service: Operation.Reporting.service)
        }
    }
}
