import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceRuntime

/// Reading JSON bodies and writing JSON answers at the HTTP edge.
enum JSONBodies {
    /// The largest body the identity routes accept; their inputs are a few short strings.
    static let maxBytes = 64 * 1024

    /// The raw body, refusing a non-JSON content type (415) or a body over `limit` bytes (413).
    static func bytes(of request: Request, limit: Int = maxBytes) async throws -> [UInt8] {
        if let contentType = request.headers[.contentType], !contentType.lowercased().hasPrefix("application/json") {
            throw Problem(title: "Unsupported media type", status: 415, detail: "Send the body as application/json.")
        }
        return try await rawBytes(of: request, limit: limit)
    }

    /// The raw body of any media type (a route declared `x-body: binary`), refusing one over `limit` bytes (413).
    static func rawBytes(of request: Request, limit: Int) async throws -> [UInt8] {
        do {
            var buffer = try await request.body.collect(upTo: limit)
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw Problem.payloadTooLarge(limit: limit)
        }
    }

    /// The body decoded as `T`, or a 400 problem naming the field (see ``ServiceRuntime/JSONBody``).
    static func decode<T: Decodable>(_ type: T.Type = T.self, from request: Request) async throws -> T {
        try JSONBody.decode(T.self, from: try await bytes(of: request))
    }

    /// A JSON response.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        try response(RPCResponse.json(value, status: status.code))
    }

    /// A reply as ``ServiceRuntime/IdempotentReplies`` stores it, as an HTTP response.
    static func response(_ reply: RPCResponse) -> Response {
        Response(
            status: .init(code: reply.status),
            headers: [.contentType: reply.contentType],
            body: .init(byteBuffer: ByteBuffer(bytes: reply.body))
        )
    }
}
