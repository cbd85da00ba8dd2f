/// Names shared by RPC callers (the gateway) and RPC servers (the services).
public enum RPC {
    /// AMQP header names on requests and replies besides the caller identity.
    public enum Header {
        /// Reply: the HTTP-like status, as a decimal string.
        public static let status = "x-status"
        /// Request: the client's `Idempotency-Key`.
        public static let idempotencyKey = "x-idempotency-key"
        /// Request: the URL query string without `?`.
        public static let query = "x-query"
        /// Request: the `{id}` path parameter of the route.
        public static let pathID = "x-path-id"
        /// Request and event: W3C trace context.
        public static let traceparent = "traceparent"
        /// Request: when the caller identity stops being accepted, epoch milliseconds (signed; see ADR 0005).
        public static let identityExpires = "x-identity-expires"
        /// Request: the gateway's HMAC-SHA256 over the identity, the operation, the expiry and the deadline, base64.
        public static let identitySignature = "x-identity-signature"
        /// Request: when the gateway stops waiting for the reply, epoch milliseconds; a service does no work after it.
        public static let deadline = "x-deadline"
        /// Request: the media type of a binary body (a route declared `x-body: binary`), as the client sent it.
        ///
        /// A binary body travels as the AMQP message body itself, byte for byte (no base64): AMQP bodies are opaque
        /// bytes, rabbitmq-c splits them into frames of the negotiated `frame_max` (131,072 here) and joins them again,
        /// and RabbitMQ's `max_message_size` (128 MiB by default from 3.8 on; deploy/rabbitmq sets no lower one) is far
        /// above the largest declared body (10 MiB for a visit photo). Replies take the same path back.
        public static let contentType = "x-content-type"
        /// Request: the client's `If-None-Match`, so a service can answer 304 without sending the body again.
        public static let ifNoneMatch = "x-if-none-match"
        /// Reply: a header the gateway copies to the HTTP response is sent as `x-http-<lower-case name>`; only the
        /// names in ``forwardedResponseHeaders`` are copied.
        public static let responseHeaderPrefix = "x-http-"
    }

    /// The HTTP response headers a service may set on its reply (lower case): caching and download headers. Anything
    /// else (cookies, CORS, security policy) stays the gateway's to decide.
    public static let forwardedResponseHeaders: Set<String> = [
        "etag", "cache-control", "content-disposition", "last-modified", "x-content-type-options",
    ]

    /// The direct exchange RPC requests are published to.
    public static let exchange = "sales.rpc"

    /// The queue and routing key of a service's RPC server.
    public static func queue(for service: String) -> String { "\(service).rpc" }
}

/// The operations each service answers over RPC, `<service>.<verb>`.
public enum Operation {
    public enum Customers {
        public static let service = "customers"
        public static let create = "customers.create"
        public static let get = "customers.get"
        public static let list = "customers.list"
        public static let update = "customers.update"
        public static let transfer = "customers.transfer"
        public static let history = "customers.history"
    }

    public enum Deals {
        public static let service = "deals"
        public static let createProduct = "deals.createProduct"
        public static let listProducts = "deals.listProducts"
        public static let createDeal = "deals.createDeal"
        public static let listDeals = "deals.listDeals"
        public static let getDeal = "deals.getDeal"
        public static let changeStage = "deals.changeStage"
        public static let createQuoteVersion = "deals.createQuoteVersion"
        public static let listQuoteVersions = "deals.listQuoteVersions"
        public static let getQuote = "deals.getQuote"
        public static let createContract = "deals.createContract"
        public static let getContract = "deals.getContract"
        public static let listContracts = "deals.listContracts"
        public static let submitContract = "deals.submitContract"
        public static let signContract = "deals.signContract"
    }

    public enum Approvals {
        public static let service = "approvals"
        public static let list = "approvals.list"
        public static let get = "approvals.get"
        public static let approve = "approvals.approve"
        public static let reject = "approvals.reject"
        public static let recall = "approvals.recall"
        public static let getPolicies = "approvals.getPolicies"
        public static let putPolicies = "approvals.putPolicies"
    }

    public enum Notifications {
        public static let service = "notifications"
        public static let list = "notifications.list"
    }

    public enum Reporting {
        public static let service = "reporting"
        public static let summary = "reporting.summary"
        public static let topReps = "reporting.topReps"
        public static let productLineMargins = "reporting.productLineMargins"
        public static let funnel = "reporting.funnel"
        public static let approvalTimes = "reporting.approvalTimes"
        /// Issue 11: quoted vs true margin per product line, and the expected re-purchases.
        public static let trueMargin = "reporting.trueMargin"
        public static let repurchase = "reporting.repurchase"
    }
}
