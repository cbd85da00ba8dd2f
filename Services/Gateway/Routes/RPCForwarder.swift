import AMQP
import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceRuntime
import Yams

/// Turns an HTTP call into an AMQP RPC to the owning service and its reply into the HTTP response.
///
/// Broker trouble answers fast with a problem document: 503 when the broker or the service's queue is not
/// reachable, 504 when the service did not answer within the timeout (the request then expires in the queue
/// instead of running late).
struct RPCForwarder: Sendable {
    let client: AMQPRPCClient
    let timeout: Duration
    /// Signs the caller identity of every request; services refuse identities without a valid signature.
    let identityKey: RPCIdentityKey
    let logger: Logger

    /// How long after the deadline a signed identity stays valid: room for clocks that disagree between hosts.
    static let clockSkewAllowance: TimeInterval = 10

    /// The largest request body a route accepts unless the document declares another (`x-body-max-bytes`).
    static let maxBodyBytes = 1_048_576

    /// Forwards one HTTP call: the caller's identity, `Idempotency-Key`, `If-None-Match`, query, path id, trace context
    /// and (when the route reads one) the body travel to the route's service; its reply becomes the response.
    func forward(_ request: Request, context: GatewayRequestContext, route: ForwardedRoute) async throws -> Response {
        // A route registered without AuthMiddleware fails closed with a 401 before its body is read.
        _ = try context.requireIdentity()
        var headers: [String: String] = [:]
        let body: [UInt8]
        var contentType = "application/json"
        switch route.body {
        case .none:
            body = []
        case .json:
            body = try await JSONBodies.bytes(of: request, limit: route.maxBodyBytes)
        case .binary(let mediaTypes):
            let mediaType = try ForwardedRoute.binaryMediaType(of: request, accepted: mediaTypes)
            body = try await JSONBodies.rawBytes(of: request, limit: route.maxBodyBytes)
            if let mediaType { headers[RPC.Header.contentType] = mediaType }
            contentType = mediaType ?? "application/octet-stream"
        }
        let operation = route.operation
        let service = route.service
        do {
            let response = try await call(
                operation,
                query: request.uri.query,
                body: body,
                contentType: contentType,
                headers: headers,
                request: request,
                context: context
            )
            var httpHeaders = HTTPFields()
            // RPCResponse(reply:) keeps only the caching and download headers a service may set.
            for (name, value) in response.headers.sorted(by: { $0.key < $1.key }) {
                if let field = HTTPField.Name(name) { httpHeaders[field] = value }
            }
            // 304 Not Modified carries no body (RFC 9110 §15.4.5), only the validators and caching headers.
            guard response.status != 304 else { return Response(status: .notModified, headers: httpHeaders) }
            httpHeaders[.contentType] = response.contentType
            return Response(
                status: .init(code: response.status),
                headers: httpHeaders,
                body: .init(byteBuffer: ByteBuffer(bytes: response.body))
            )
        } catch let error as AMQPError {
            switch error {
            case .timeout:
                logger.warning("rpc timed out", metadata: ["operation": "\(operation)"])
                // The service drops a request once its deadline passes, but one that began in time may commit in the last
                // instant before the reply is lost: say so, and point to the Idempotency-Key that makes a retry safe.
                return ProblemResponse.make(
                    .timeout(
                        "The \(service) service did not answer in time. A write may have been applied just before the deadline; "
                            + "retry with the same Idempotency-Key to get its result without applying it twice."
                    )
                )
            default:
                logger.warning("rpc failed", metadata: ["operation": "\(operation)", "error": "\(error)"])
                return ProblemResponse.make(.unavailable("The \(service) service is unreachable right now (\(error)); retry shortly."))
            }
        }
    }
}

extension RPCForwarder {
    /// Calls `operation` as the request's caller: its identity (signed, with the deadline of ``timeout``),
    /// `Idempotency-Key`, `If-None-Match`, path id and trace context travel with the given query string, body and
    /// headers. Forwarded routes and the spreadsheet export (``SheetExport``, page by page) call through here.
    /// - Returns: the service's reply, whatever its status.
    /// - Throws: ``AMQP/AMQPError`` when the broker or the service does not answer; a 401 problem without an identity.
    func call(
        _ operation: String,
        query: String?,
        body: [UInt8],
        contentType: String = "application/json",
        headers extra: [String: String] = [:],
        request: Request,
        context: GatewayRequestContext
    ) async throws -> RPCResponse {
        // Every service enforces data scope from these headers. Forwarded routes sit behind AuthMiddleware, which sets
        // the identity; one registered without it fails closed with a 401 instead of calling anonymously.
        var headers = try context.requireIdentity().headers.merging(extra) { identity, _ in identity }
        if let key = request.headers[.idempotencyKey] { headers[RPC.Header.idempotencyKey] = key }
        if let etags = request.headers[.ifNoneMatch] { headers[RPC.Header.ifNoneMatch] = etags }
        if let query, !query.isEmpty { headers[RPC.Header.query] = query }
        if let pathID = context.parameters.get("id") { headers[RPC.Header.pathID] = pathID }
        // The request's trace (TraceMiddleware), so the service's work and the events it writes continue it; the call's
        // client span (tracedCall) sits between the two.
        headers[RPC.Header.traceparent] = (TraceContext.current ?? .continuing(request.headers[.traceparent])).traceparent
        let (seconds, attoseconds) = timeout.components
        let deadline = Date().addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
        headers[RPC.Header.deadline] = String(Int64((deadline.timeIntervalSince1970 * 1000).rounded(.down)))
        SignedIdentity.sign(&headers, operation: operation, expires: deadline.addingTimeInterval(Self.clockSkewAllowance), key: identityKey)
        let message = AMQPMessage(body: body, contentType: contentType, type: operation, headers: headers, persistent: false)
        let service = String(operation.prefix { $0 != "." })
        let reply = try await client.tracedCall(message, exchange: RPC.exchange, routingKey: RPC.queue(for: service), timeout: timeout)
        return RPCResponse(reply: reply)
    }
}

/// One HTTP route the gateway forwards as an RPC to the service that owns the data. A `:id` in the path travels
/// as the path id (``Contracts/RPC/Header/pathID``).
///
/// The routes come from the API document: every operation with an `x-rpc` extension is one (see
/// ``routes(in:)``), so a forwarded endpoint is declared once, in `openapi.yaml`.
struct ForwardedRoute: Sendable {
    let method: HTTPRequest.Method
    /// The path under `/api/v1`, in Hummingbird's syntax (`deals/:id/quotes`).
    let path: String
    /// The RPC operation, `<service>.<verb>`.
    let operation: String
    /// What the route reads from the request body and sends on.
    let body: Body
    /// The largest body the route accepts (413 beyond it): ``RPCForwarder/maxBodyBytes`` unless the document declares
    /// `x-body-max-bytes`.
    let maxBodyBytes: Int
    /// Whether the route needs no login (`security: []` in the document): the customer's self-service page. Such a
    /// route is served without ``AuthMiddleware``, behind ``PublicRateLimitMiddleware``, and calls its operation as
    /// ``Contracts/CallerIdentity/publicVisitor``.
    var isPublic = false
    /// Whether the route streams a spreadsheet file built from the operation's pages (`x-export: sheet`, see
    /// ``SheetExport``) instead of answering the operation's reply.
    var exportsSheet = false

    /// What a route does with the request body.
    enum Body: Sendable, Equatable {
        /// Nothing is read or sent.
        case none
        /// A JSON body (`application/json`, else 415), sent as it is for the service to decode.
        case json
        /// Raw bytes (`x-body: binary`): a photo, an import file. The request's media type must be one of the
        /// document's `requestBody.content` types (415 otherwise; a request without one is sent without one) and
        /// travels as ``Contracts/RPC/Header/contentType``; the bytes are the AMQP body as they came, since the
        /// service decides what they are by their content, not their label.
        case binary(mediaTypes: Set<String>)
    }

    init(_ method: HTTPRequest.Method, _ path: String, _ operation: String, body: Body = .none, maxBodyBytes: Int = RPCForwarder.maxBodyBytes) {
        self.method = method
        self.path = path
        self.operation = operation
        self.body = body
        self.maxBodyBytes = maxBodyBytes
    }

    /// Whether the route reads a body and sends it.
    var readsBody: Bool { body != .none }

    /// The largest `x-body-max-bytes` a document may declare: the whole body is held in memory and sent as one AMQP
    /// message.
    static let largestDeclarableBody = 64 * 1_048_576

    /// The media type (lower case, without parameters) of a binary request body, `nil` when the request names none.
    /// - Throws: a 415 ``Contracts/Problem`` when it names one the route does not accept.
    static func binaryMediaType(of request: Request, accepted: Set<String>) throws(Problem) -> String? {
        guard let header = request.headers[.contentType] else { return nil }
        let mediaType = String(header.prefix { $0 != ";" }).trimmingCharacters(in: .whitespaces).lowercased()
        guard accepted.contains(mediaType) else {
            throw Problem(
                title: "Unsupported media type",
                status: 415,
                detail: "Send the body as one of: \(accepted.sorted().joined(separator: ", "))."
            )
        }
        return mediaType
    }

    /// The service that answers: operations are named `<service>.<verb>`, and the service's queue is named after it.
    var service: String { String(operation.prefix { $0 != "." }) }

    /// The forwarded routes the API document declares: each operation under `/api/v1/` with an `x-rpc: <operation>`,
    /// its `{id}` as Hummingbird's `:id`, reading the body when the operation has a `requestBody`: JSON, or raw bytes
    /// of the `requestBody.content` types when the operation says `x-body: binary`. `x-body-max-bytes: <n>` raises
    /// or lowers the route's body limit (default ``RPCForwarder/maxBodyBytes``).
    /// - Throws: ``DocumentError`` when the document does not parse, an `x-rpc` is not `<service>.<verb>`, or an
    ///   `x-body`/`x-body-max-bytes` is not one the gateway can honour.
    static func routes(in document: String) throws -> [ForwardedRoute] {
        guard let root = try Yams.load(yaml: document) as? [String: Any], let paths = root["paths"] as? [String: Any] else {
            throw DocumentError(reason: "the document has no paths")
        }
        var routes: [ForwardedRoute] = []
        for (path, item) in paths {
            guard let item = item as? [String: Any] else { continue }
            for (name, method) in [("get", HTTPRequest.Method.get), ("post", .post), ("put", .put), ("patch", .patch), ("delete", .delete)] {
                guard let operation = item[name] as? [String: Any], let rpc = operation["x-rpc"] as? String else { continue }
                let parts = rpc.split(separator: ".")
                guard path.hasPrefix("/api/v1/"), parts.count == 2, parts.allSatisfy({ !$0.isEmpty }) else {
                    throw DocumentError(reason: "\(name.uppercased()) \(path): x-rpc '\(rpc)' must be <service>.<verb> under /api/v1/")
                }
                let route = path.dropFirst("/api/v1/".count).replacingOccurrences(of: "{id}", with: ":id")
                let named = "\(name.uppercased()) \(path)"
                let requestBody = operation["requestBody"] as? [String: Any]
                var body: Body = requestBody == nil ? .none : .json
                let kind: String? = operation["x-body"].map { $0 as? String ?? "\($0)" }
                switch kind {
                case nil, "json"?: break
                case "binary"?:
                    let mediaTypes = Set(((requestBody?["content"] as? [String: Any]) ?? [:]).keys.map { $0.lowercased() })
                    guard !mediaTypes.isEmpty else {
                        throw DocumentError(reason: "\(named): x-body: binary needs a requestBody with its media types")
                    }
                    body = .binary(mediaTypes: mediaTypes)
                default:
                    throw DocumentError(reason: "\(named): x-body must be json or binary")
                }
                var limit = RPCForwarder.maxBodyBytes
                if let declared = operation["x-body-max-bytes"] {
                    guard let bytes = declared as? Int, (1...largestDeclarableBody).contains(bytes), body != .none else {
                        throw DocumentError(reason: "\(named): x-body-max-bytes must be 1…\(largestDeclarableBody) on an operation with a body")
                    }
                    limit = bytes
                }
                var forwarded = ForwardedRoute(method, route, rpc, body: body, maxBodyBytes: limit)
                switch operation["x-export"] {
                case nil: break
                case "sheet" as String: forwarded.exportsSheet = true
                default: throw DocumentError(reason: "\(named): x-export must be sheet")
                }
                forwarded.isPublic = (operation["security"] as? [Any])?.isEmpty == true
                routes.append(forwarded)
            }
        }
        return routes.sorted { ($0.path, $0.method.rawValue) < ($1.path, $1.method.rawValue) }
    }

    /// The API document cannot give the routes.
    struct DocumentError: Error, CustomStringConvertible {
        var reason: String
        var description: String { "openapi.yaml: \(reason)" }
    }

    /// Registers `routes` on `group`, each answered by `forward`.
    ///
    /// The order of the routes does not matter: Hummingbird's trie router tries a constant segment before a
    /// `:parameter`, so `customers/transfer` is never read as `customers/:id`.
    static func add(
        _ routes: [ForwardedRoute],
        to group: RouterGroup<GatewayRequestContext>,
        forward: @escaping @Sendable (ForwardedRoute, Request, GatewayRequestContext) async throws -> Response
    ) {
        for route in routes {
            group.on(RouterPath(route.path), method: route.method) { request, context in
                try await forward(route, request, context)
            }
        }
    }
}

extension RPCForwarder {
    /// Registers the public `routes` on `group` (which must sit behind ``PublicRateLimitMiddleware``): each calls its
    /// operation as ``Contracts/CallerIdentity/publicVisitor``, whose signature holds for that operation alone.
    func addPublic(_ routes: [ForwardedRoute], to group: RouterGroup<GatewayRequestContext>) {
        ForwardedRoute.add(routes.filter(\.isPublic), to: group) { route, request, context in
            var visitor = context
            visitor.identity = .publicVisitor
            return try await forward(request, context: visitor, route: route)
        }
    }

    /// Registers `routes` on `group` (which must sit behind ``AuthMiddleware``), forwarded by this forwarder.
    func add(_ routes: [ForwardedRoute], to group: RouterGroup<GatewayRequestContext>) {
        let export = SheetExport(forwarder: self)
        ForwardedRoute.add(routes, to: group) { route, request, context in
            route.exportsSheet
                ? try await export.export(request, context: context, route: route)
                : try await forward(request, context: context, route: route)
        }
    }
}

/// A problem document as an HTTP response.
enum ProblemResponse {
    static func make(_ problem: Problem) -> Response {
        let body = (try? JSONCoding.encoder.encode(problem)).map { Array($0) } ?? []
        return Response(
            status: .init(code: problem.status),
            headers: [.contentType: Problem.contentType],
            body: .init(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}

extension HTTPField.Name {
    static let idempotencyKey = Self("Idempotency-Key")!
    static let traceparent = Self("traceparent")!
}
