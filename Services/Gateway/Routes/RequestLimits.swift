import Contracts
import HTTPTypes
import Hummingbird
import Logging
import Telemetry

/// Bounds what a caller's request line and headers may carry before any route sees them, so nothing a caller sends
/// reaches AMQP unbounded: the query string, the `Idempotency-Key` and `traceparent` travel as RPC headers, and an
/// AMQP header block larger than the broker's `frame_max` closes the gateway's RPC connection for every caller.
///
/// - A path over ``maxPathBytes`` or a query string over ``maxQueryBytes`` answers 414.
/// - A header block over ``maxHeaderBytes`` answers 431. NIO's HTTP decoder refuses a header block over 80 KiB
///   (Hummingbird's default `maxHeaderListSize`, request line included) on its own, with a bare 400 that closes the
///   connection; this limit is lower so callers normally get the problem document.
/// - An `Idempotency-Key` outside 1–255 bytes answers 400.
/// - A `traceparent` that is not W3C trace context is replaced by a fresh one.
struct RequestLimitsMiddleware<Context: RequestContext>: RouterMiddleware {
    static var maxPathBytes: Int { 2048 }
    static var maxQueryBytes: Int { 8192 }
    static var maxHeaderBytes: Int { 16384 }
    static var idempotencyKeyBytes: ClosedRange<Int> { 1...255 }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path.utf8.count > Self.maxPathBytes {
            throw Problem(title: "URI too long", status: 414, detail: "The path is longer than \(Self.maxPathBytes) bytes.")
        }
        if let query = request.uri.query, query.utf8.count > Self.maxQueryBytes {
            throw Problem(title: "URI too long", status: 414, detail: "The query string is longer than \(Self.maxQueryBytes) bytes.")
        }
        // Each field as it travels on the wire: name, ": ", value, CRLF.
        let headerBytes = request.headers.reduce(0) { $0 + $1.name.rawName.utf8.count + $1.value.utf8.count + 4 }
        if headerBytes > Self.maxHeaderBytes {
            throw Problem(
                title: "Request header fields too large",
                status: 431,
                detail: "The request headers take \(headerBytes) bytes; at most \(Self.maxHeaderBytes) are accepted."
            )
        }
        if let key = request.headers[.idempotencyKey], !Self.idempotencyKeyBytes.contains(key.utf8.count) {
            throw Problem.badRequest("Idempotency-Key must be 1–255 bytes.")
        }
        if let traceparent = request.headers[.traceparent], TraceContext(traceparent: traceparent) == nil {
            var head = request.head
            head.headerFields[.traceparent] = (TraceContext.current ?? .root()).traceparent
            return try await next(Request(head: head, body: request.body), context)
        }
        return try await next(request, context)
    }
}

/// Runs each request in a server span (``Telemetry/Spans``, issue 13) whose trace (``Contracts/TraceContext``) is a
/// child of the caller's valid `traceparent`, else a new trace. Every log line of the request carries its `trace_id`,
/// and each RPC it makes sends it on. The span is named after the route once it is known (`POST /api/v1/contracts/{id}/submit`)
/// and fails on a 5xx answer.
struct TraceMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let method = request.method.rawValue
        return try await Spans.run(
            method,
            kind: .server,
            continuing: request.headers[.traceparent],
            attributes: ["http.request.method": method, "url.path": request.uri.path]
        ) { span in
            func record(status: Int) {
                if let route = context.endpointPath {
                    span.name = "\(method) \(route)"
                    span.set("http.route", route)
                }
                span.set("http.response.status_code", status)
                if status >= 500 { span.fail("answered \(status)") }
            }
            // The gateway's own writes stamp the request's `traceparent` on their events: when spans are recorded,
            // make it the request span's, so those events' spans are children of it rather than of the caller's.
            var request = request
            if span.isTraced {
                var head = request.head
                head.headerFields[.traceparent] = span.trace.traceparent
                request = Request(head: head, body: request.body)
            }
            do {
                let response = try await next(request, context)
                record(status: Int(response.status.code))
                context.logger.debug(
                    "request",
                    metadata: ["method": "\(method)", "path": "\(request.uri.path)", "status": "\(response.status.code)"]
                )
                return response
            } catch {
                record(status: (error as? any HTTPResponseError).map { Int($0.status.code) } ?? 500)
                throw error
            }
        }
    }
}
