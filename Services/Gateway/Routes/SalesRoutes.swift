import Contracts
import Hummingbird

/// `/api/v1/products`, `deals`, `quotes` and `contracts`: forwarded to the deals service.
struct DealRoutes {
    let forwarder: RPCForwarder

    func add(to group: RouterGroup<GatewayRequestContext>) {
        let service = Operation.Deals.service
        let forwarder = forwarder
        /// A route on one record: its `{id}` travels as the path id.
        func byID(_ operation: String, readsBody: Bool = false) -> @Sendable (Request, GatewayRequestContext) async throws -> Response {
            { request, context in
                try await forwarder.forward(
                    request,
                    context: context,
                    operation: operation,
                    service: service,
                    pathID: context.parameters.get("id"),
                    readsBody: readsBody
                )
            }
        }

        group.post("products") { request, context in
            try await forwarder.forward(request, context: context, operation: Operation.Deals.createProduct, service: service, readsBody: true)
        }
        group.get("products") { request, context in
            try await forwarder.forward(request, context: context, operation: Operation.Deals.listProducts, service: service)
        }

        group.post("deals") { request, context in
            try await forwarder.forward(request, context: context, operation: Operation.Deals.createDeal, service: service, readsBody: true)
        }
        group.get("deals") { request, context in
            try await forwarder.forward(request, context: context, operation: Operation.Deals.listDeals, service: service)
        }
        group.get("deals/:id", use: byID(Operation.Deals.getDeal))
        group.get("deals/:id/history", use: byID("deals.getDealHistory"))
        group.post("deals/:id/stage", use: byID(Operation.Deals.changeStage, readsBody: true))
        group.post("deals/:id/quotes", use: byID(Operation.Deals.createQuoteVersion, readsBody: true))
        group.get("deals/:id/quotes", use: byID(Operation.Deals.listQuoteVersions))

        group.get("quotes/:id", use: byID(Operation.Deals.getQuote))

        group.post("contracts") { request, context in
            try await forwarder.forward(request, context: context, operation: Operation.Deals.createContract, service: service, readsBody: true)
        }
        group.get("contracts") { request, context in
            try await forwarder.forward(request, context: context, operation: Operation.Deals.listContracts, service: service)
        }
        group.get("contracts/:id", use: byID(Operation.Deals.getContract))
        group.post("contracts/:id/submit", use: byID(Operation.Deals.submitContract))
        group.post("contracts/:id/sign", use: byID(Operation.Deals.signContract))
    }
}

/// `/api/v1/approvals` and `approval-policies`: forwarded to the approvals service.
struct ApprovalRoutes {
    let forwarder: RPCForwarder

    func add(to group: RouterGroup<GatewayRequestContext>) {
        let service = Operation.Approvals.service
        let forwarder = forwarder
        group.get("approvals") { request, context in
            try await forwarder.forward(request, context: context, operation: Operation.Approvals.list, service: service)
        }
        group.get("approvals/:id") { request, context in
            try await forwarder.forward(
                request,
                context: context,
                operation: Operation.Approvals.get,
                service: service,
                pathID: context.parameters.get("id")
            )
        }
        // Approve and recall take an optional `{comment}`; reject requires it.
        for (verb, operation) in [
            ("approve", Operation.Approvals.approve), ("reject", Operation.Approvals.reject), ("recall", Operation.Approvals.recall),
        ] {
            group.post(RouterPath("approvals/:id/\(verb)")) { request, context in
                try await forwarder.forward(
                    request,
                    context: context,
                    operation: operation,
                    service: service,
                    pathID: context.parameters.get("id"),
                    readsBody: true
                )
            }
        }
        group.get("approval-policies") { request, context in
            try await forwarder.forward(request, context: context, operation: Operation.Approvals.getPolicies, service: service)
        }
        group.put("approval-policies") { request, context in
            try await forwarder.forward(request, context: context, operation: Operation.Approvals.putPolicies, service: service, readsBody: true)
        }
    }
}

/// `/api/v1/notifications`: the caller's in-app inbox, from the notifications service.
struct NotificationRoutes {
    let forwarder: RPCForwarder

    func add(to group: RouterGroup<GatewayRequestContext>) {
        group.get("notifications") { request, context in
            try await forwarder.forward(
                request,
                context: context,
                operation: Operation.Notifications.list,
                service: Operation.Notifications.service
            )
        }
    }
}
