import Contracts
import Hummingbird

/// `/api/v1/customers`: forwarded to the customers service.
struct CustomerRoutes {
    let forwarder: RPCForwarder

    func add(to group: RouterGroup<GatewayRequestContext>) {
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

/// `/api/v1/reports/*`: forwarded to the reporting service, which applies the caller's data scope.
struct ReportRoutes {
    let forwarder: RPCForwarder

    func add(to group: RouterGroup<GatewayRequestContext>) {
        let service = Operation.Reporting.service
        let reports: [(path: String, operation: String)] = [
            ("reports/summary", Operation.Reporting.summary),
            ("reports/top-reps", Operation.Reporting.topReps),
            ("reports/product-line-margins", Operation.Reporting.productLineMargins),
            ("reports/funnel", Operation.Reporting.funnel),
            ("reports/approval-times", Operation.Reporting.approvalTimes),
        ]
        for report in reports {
            group.get(RouterPath(report.path)) { request, context in
                try await forwarder.forward(request, context: context, operation: report.operation, service: service)
            }
        }
    }
}
