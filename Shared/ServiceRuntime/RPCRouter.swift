public import AMQP
public import Contracts
public import Foundation
public import Logging
import Persistence
import PostgresNIO
import Telemetry

/// An RPC request as a service's operation handler sees it.
public struct RPCRequest: Sendable {
    /// The operation, e.g. `customers.create`.
    public let operation: String
    /// The JSON body.
    public let body: [UInt8]
    /// The caller, when the gateway sent identity headers.
    public let identity: CallerIdentity?
    /// All AMQP headers of the request.
    public let headers: [String: String]

    /// Creates a request (the router does this from an AMQP delivery; tests call it directly).
    public init(operation: String, body: [UInt8] = [], identity: CallerIdentity? = nil, headers: [String: String] = [:]) {
        self.operation = operation
        self.body = body
        self.identity = identity
        self.headers = headers
    }

    /// The client's `Idempotency-Key`, if any.
    public var idempotencyKey: String? { headers[RPC.Header.idempotencyKey] }

    /// When the caller stops waiting (``Contracts/RPC/Header/deadline``), if it sent one.
    public var deadline: Date? {
        headers[RPC.Header.deadline].flatMap(Int64.init).map { Date(timeIntervalSince1970: Double($0) / 1000) }
    }

    /// The media type of a binary body (``Contracts/RPC/Header/contentType``), if the client sent one.
    public var contentType: String? { headers[RPC.Header.contentType] }

    /// The client's `If-None-Match` (``Contracts/RPC/Header/ifNoneMatch``), if any.
    public var ifNoneMatch: String? { headers[RPC.Header.ifNoneMatch] }

    /// The `{id}` path parameter of the route, if any.
    public var pathID: String? { headers[RPC.Header.pathID] }

    /// The URL query parameters (the last value wins for a repeated name), decoded by ``QueryString``.
    public var query: [String: String] {
        guard let text = headers[RPC.Header.query], !text.isEmpty else { return [:] }
        return QueryString.parse(text)
    }

    /// The caller, or a 401 problem when the request carries no identity.
    public func requireIdentity() throws(Problem) -> CallerIdentity {
        guard let identity else { throw Problem.unauthorized("The request carries no caller identity.") }
        return identity
    }

    /// Decodes the JSON body; malformed JSON or a wrong type is a 400 problem that names the field (see ``JSONBody``).
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws(Problem) -> T {
        try JSONBody.decode(T.self, from: body)
    }
}

/// The answer to an RPC request: an HTTP-like status and a JSON, problem or binary body.
public struct RPCResponse: Sendable {
    public var status: Int
    public var body: [UInt8]
    public var contentType: String
    /// HTTP response headers for the gateway to copy, by lower-case name; only
    /// ``Contracts/RPC/forwardedResponseHeaders`` travel (caching and download headers).
    public var headers: [String: String]

    /// Creates a response.
    public init(status: Int, body: [UInt8], contentType: String = "application/json", headers: [String: String] = [:]) {
        self.status = status
        self.body = body
        self.contentType = contentType
        self.headers = headers
    }

    /// A JSON response.
    public static func json(_ value: some Encodable, status: Int = 200) throws -> RPCResponse {
        RPCResponse(status: status, body: Array(try JSONCoding.encoder.encode(value)))
    }

    /// A problem response.
    public static func problem(_ problem: Problem) -> RPCResponse {
        let body = (try? JSONCoding.encoder.encode(problem)).map(Array.init) ?? Array("{\"title\":\"Internal error\",\"status\":500}".utf8)
        return RPCResponse(status: problem.status, body: body, contentType: Problem.contentType)
    }

    /// Reads a reply message (the gateway side).
    public init(reply: AMQPMessage) {
        self.status = reply.headers[RPC.Header.status].flatMap(Int.init) ?? 500
        self.body = reply.body
        self.contentType = reply.contentType ?? "application/json"
        var headers: [String: String] = [:]
        for (name, value) in reply.headers where name.hasPrefix(RPC.Header.responseHeaderPrefix) {
            let httpName = String(name.dropFirst(RPC.Header.responseHeaderPrefix.count))
            if RPC.forwardedResponseHeaders.contains(httpName) { headers[httpName] = value }
        }
        self.headers = headers
    }

    /// The response as a reply message (the service side).
    public var replyMessage: AMQPMessage {
        var replyHeaders = [RPC.Header.status: String(status)]
        for (name, value) in headers where RPC.forwardedResponseHeaders.contains(name.lowercased()) {
            replyHeaders[RPC.Header.responseHeaderPrefix + name.lowercased()] = value
        }
        return AMQPMessage(body: body, contentType: contentType, headers: replyHeaders, persistent: false)
    }
}

/// An operation handler.
public typealias RPCHandler = @Sendable (RPCRequest) async throws -> RPCResponse

/// Maps operation names to handlers and turns every outcome into a reply: a thrown ``Problem`` becomes its
/// document, anything else a logged 500 that leaks no internals.
public struct RPCRouter: Sendable {
    private var handlers: [String: RPCHandler] = [:]

    /// Creates an empty router.
    public init() {}

    /// Registers the handler of an operation.
    public mutating func on(_ operation: String, _ handler: @escaping RPCHandler) {
        handlers[operation] = handler
    }

    /// The registered operation names.
    public var operations: [String] { handlers.keys.sorted() }

    /// Runs the handler for a request.
    public func handle(_ request: RPCRequest, logger: Logger) async -> RPCResponse {
        guard let handler = handlers[request.operation] else {
            return .problem(.notFound("Unknown operation \(request.operation)."))
        }
        // Text with a NUL character cannot reach PostgreSQL (it refuses it in text); say so instead of failing there.
        if let query = request.headers[RPC.Header.query], query.range(of: "%00", options: .caseInsensitive) != nil {
            return .problem(.validation([.init(field: "query", message: "parameters must not contain the NUL character (%00)")]))
        }
        do {
            return try await handler(request)
        } catch {
            return .problem(Problem(error, operation: request.operation, logger: logger))
        }
    }

    /// Runs the handler for an AMQP delivery and returns the reply message.
    ///
    /// The caller identity must carry the gateway's valid, unexpired signature (``SignedIdentity``): anything else is a
    /// logged 401 and no handler runs. A request whose deadline (``Contracts/RPC/Header/deadline``) has passed is
    /// answered 504 without running either: the gateway has already answered 504 and the write must not happen later.
    /// One still running ``watchdogGrace`` after its deadline is abandoned and answered 504.
    /// - Parameters:
    ///   - delivery: the request as the RPC server received it.
    ///   - identityKey: the key shared with the gateway.
    ///   - now: the current time.
    ///   - logger: where refusals and failures are logged.
    public func handle(delivery: AMQPDelivery, identityKey: RPCIdentityKey, now: Date = Date(), logger: Logger) async -> AMQPMessage {
        // The request continues the caller's trace in a server span: its log lines and the events it writes carry the
        // trace id, and the span's parent is the caller's client span.
        let operation = delivery.message.type ?? ""
        return await Spans.run(
            operation,
            kind: .server,
            continuing: delivery.message.headers[RPC.Header.traceparent],
            attributes: RPCSpans.attributes(operation: operation)
        ) { span in
            let reply = await handleTraced(delivery: delivery, identityKey: identityKey, now: now, logger: logger)
            let status = reply.headers[RPC.Header.status] ?? ""
            RPCSpans.record(status: Int(status), on: span)
            logger.debug("rpc handled", metadata: ["operation": "\(operation)", "status": "\(status)"])
            return reply
        }
    }

    private func handleTraced(delivery: AMQPDelivery, identityKey: RPCIdentityKey, now: Date, logger: Logger) async -> AMQPMessage {
        let message = delivery.message
        let operation = message.type ?? ""
        let identity: CallerIdentity
        do {
            identity = try SignedIdentity.verify(message.headers, operation: operation, now: now, key: identityKey)
        } catch {
            logger.warning(
                "rpc refused",
                metadata: [
                    "operation": "\(operation)", "reason": "\(error)",
                    "claimedUser": "\(message.headers[CallerIdentity.Header.userID] ?? "")",
                ]
            )
            return RPCResponse.problem(.unauthorized("The request carries no valid caller identity.")).replyMessage
        }
        // Handlers stamp the request's `traceparent` on the events they write: when spans are recorded, make it this
        // hop's (the server span's), so the events' spans are children of it rather than of the caller's.
        var headers = message.headers
        if let span = TraceSpan.current, span.isTraced { headers[RPC.Header.traceparent] = span.trace.traceparent }
        let request = RPCRequest(operation: operation, body: message.body, identity: identity, headers: headers)
        if let deadline = request.deadline, deadline <= now {
            logger.warning("rpc dropped after its deadline", metadata: ["operation": "\(operation)"])
            return RPCResponse.problem(.timeout("The request arrived after its deadline and was not applied.")).replyMessage
        }
        // The watchdog: an operation still running this long after its deadline is abandoned and answered 504, so a
        // connection that stopped answering (a read has no transaction deadline of its own) cannot hold the consumer.
        let budget = request.deadline.map { Duration.milliseconds(Int64(max(0, $0.timeIntervalSince(now)) * 1000)) }
        do {
            return try await withDeadline((budget ?? PostgresSettings.defaultTransactionDeadline) + Self.watchdogGrace) {
                await self.handle(request, logger: logger)
            }.replyMessage
        } catch {
            logger.error("rpc abandoned after its deadline", metadata: ["operation": "\(operation)"])
            return RPCResponse.problem(.timeout("The service could not finish the request in time; retry it.")).replyMessage
        }
    }

    /// How long past its deadline an operation may run before ``handle(delivery:identityKey:now:logger:)`` gives up
    /// on it. A write's own bounds (its `statement_timeout`, the check before COMMIT) end it first; this only frees a
    /// consumer that something below stopped answering.
    public static let watchdogGrace: Duration = .seconds(5)
}

extension Problem {
    /// The problem document an error answers with: a ``Contracts/Problem`` as it is (also when a transaction wrapped it),
    /// a statement cancelled at its time limit as 504, a lost database connection as 503, anything else as a logged 500.
    public init(_ error: any Error, operation: String, logger: Logger) {
        switch error {
        case let problem as Problem:
            self = problem
            return
        case let transaction as PostgresTransactionError:
            if let inner = transaction.closureError ?? transaction.beginError ?? transaction.commitError {
                self.init(inner, operation: operation, logger: logger)
                return
            }
        case let psql as PSQLError where psql.serverInfo?[.sqlState] == "57014":
            // query_canceled: the statement ran out of its time (the caller's deadline, or statement_timeout); the
            // transaction is rolled back, so nothing was applied.
            logger.warning("statement cancelled at its time limit", metadata: ["operation": "\(operation)"])
            self = .timeout("The operation did not finish in time and was not applied; retry it.")
            return
        case is ConnectionLost, is DeadlineExceeded:
            logger.warning("database unavailable", metadata: ["operation": "\(operation)", "error": "\(error)"])
            self = .unavailable("The database is unavailable; retry shortly.")
            return
        case let psql as PSQLError where psql.serverInfo == nil:
            logger.warning("database unavailable", metadata: ["operation": "\(operation)", "error": "\(psql.code)"])
            self = .unavailable("The database is unavailable; retry shortly.")
            return
        default:
            break
        }
        logger.error("operation failed", metadata: ["operation": "\(operation)", "error": "\(String(reflecting: error))"])
        self = .internalError()
    }

}
