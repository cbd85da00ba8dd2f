import AMQP
import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceRuntime

/// Turns an HTTP call into an AMQP RPC to the owning service and its reply into the HTTP response.
///
/// Broker trouble answers fast with a problem document: 503 when the broker or the service's queue is not
/// reachable, 504 when the service did not answer within the timeout (the request then expires in the queue
/// instead of running late).
struct RPCForwarder: Sendable {
    let client: AMQPRPCClient
    let timeout: Duration
    let logger: Logger

    /// The largest request body the API accepts.
    static let maxBodyBytes = 1_048_576

    func forward(
        _ request: Request,
        context: GatewayRequestContext,
        operation: String,
        service: String,
        pathID: String? = nil,
        readsBody: Bool = false
    ) async throws -> Response {
        // Every service enforces data scope from these headers. Forwarded routes sit behind AuthMiddleware, which sets
        // the identity; one registered without it fails closed with a 401 instead of calling anonymously.
        let identityHeaders = try context.requireIdentity().headers
        var body: [UInt8] = []
        if readsBody {
            if let contentType = request.headers[.contentType], !contentType.lowercased().hasPrefix("application/json") {
                return ProblemResponse.make(
                    Problem(title: "Unsupported media type", status: 415, detail: "Send the body as application/json.")
                )
            }
            do {
                var buffer = try await request.body.collect(upTo: Self.maxBodyBytes)
                body = buffer.readBytes(length: buffer.readableBytes) ?? []
            } catch let error as HTTPError where error.status == .contentTooLarge {
                return ProblemResponse.make(.payloadTooLarge(limit: Self.maxBodyBytes))
            }
        }
        var headers = identityHeaders
        if let key = request.headers[.idempotencyKey] { headers[RPC.Header.idempotencyKey] = key }
        if let query = request.uri.query, !query.isEmpty { headers[RPC.Header.query] = query }
        if let pathID { headers[RPC.Header.pathID] = pathID }
        headers[RPC.Header.traceparent] = request.headers[.traceparent] ?? Traceparent.make()

        let message = AMQPMessage(body: body, contentType: "application/json", type: operation, headers: headers, persistent: false)
        do {
            let reply = try await client.call(message, exchange: RPC.exchange, routingKey: RPC.queue(for: service), timeout: timeout)
            let response = RPCResponse(reply: reply)
            var httpHeaders = HTTPFields()
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
                return ProblemResponse.make(.timeout("The \(service) service did not answer in time; the request was not applied late."))
            default:
                logger.warning("rpc failed", metadata: ["operation": "\(operation)", "error": "\(error)"])
                return ProblemResponse.make(.unavailable("The \(service) service is unreachable right now (\(error)); retry shortly."))
            }
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

/// W3C trace context for requests that arrive without one.
enum Traceparent {
    static func make() -> String {
        func hex(_ count: Int) -> String {
            (0..<count).map { _ in String(UInt8.random(in: 0...255), radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
        }
        return "00-\(hex(16))-\(hex(8))-01"
    }
}

extension HTTPField.Name {
    static let idempotencyKey = Self("Idempotency-Key")!
    static let traceparent = Self("traceparent")!
}
