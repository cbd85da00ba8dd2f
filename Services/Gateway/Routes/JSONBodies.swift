import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceRuntime

/// Reading JSON bodies and writing JSON answers for the routes the gateway answers itself.
enum JSONBodies {
    /// The largest body the identity routes accept; their inputs are a few short strings.
    static let maxBytes = 64 * 1024

    /// The raw body, refusing a non-JSON content type (415) or an oversized body (413).
    static func bytes(of request: Request) async throws -> [UInt8] {
        if let contentType = request.headers[.contentType], !contentType.lowercased().hasPrefix("application/json") {
            throw Problem(title: "Unsupported media type", status: 415, detail: "Send the body as application/json.")
        }
        do {
            var buffer = try await request.body.collect(upTo: maxBytes)
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw Problem.payloadTooLarge(limit: maxBytes)
        }
    }

    /// Decodes the body as `T`; malformed JSON or wrong types answer 400.
    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws(Problem) -> T {
        try RPCRequest(operation: "", body: bytes).decode(T.self)
    }

    /// A JSON response.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        try response(RPCResponse.json(value, status: status.code))
    }

    /// An answer built like an RPC reply (what ``IdempotentReplies`` stores) as an HTTP response.
    static func response(_ reply: RPCResponse) -> Response {
        Response(
            status: .init(code: reply.status),
            headers: [.contentType: reply.contentType],
            body: .init(byteBuffer: ByteBuffer(bytes: reply.body))
        )
    }
}

/// One page of a list.
struct Page<Item: Encodable & Sendable>: Encodable, Sendable {
    var items: [Item]
    var nextCursor: String?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        // Always present, `null` on the last page, as the OpenAPI document says.
        try container.encode(nextCursor, forKey: .nextCursor)
    }

    private enum CodingKeys: String, CodingKey { case items, nextCursor }
}
