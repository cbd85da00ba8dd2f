import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1

/// A minimal HTTP client for tests, over AsyncHTTPClient.
public enum HTTP {
    /// A response: status, headers and body text.
    public struct Reply: Sendable {
        public let status: Int
        public let contentType: String?
        public let body: [UInt8]
        /// Every response header as received, in order (a repeated name appears once per field).
        public var headerFields: [(name: String, value: String)] = []
        public var text: String { String(decoding: body, as: UTF8.self) }
        /// The first value of a response header, by case-insensitive name.
        public func header(_ name: String) -> String? {
            headerFields.first { $0.name.lowercased() == name.lowercased() }?.value
        }
        /// The body as a JSON object.
        public func json() throws -> [String: Any] {
            (try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]) ?? [:]
        }
    }

    /// GET a URL.
    public static func get(_ url: URL, timeout: Duration = .seconds(10)) async throws -> Reply {
        try await send("GET", url, body: nil, headers: [:], timeout: timeout)
    }

    /// Sends a request with an optional body.
    public static func send(
        _ method: String,
        _ url: URL,
        body: [UInt8]?,
        headers: [String: String] = [:],
        timeout: Duration = .seconds(10)
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            if headers["Content-Type"] == nil { request.headers.add(name: "Content-Type", value: "application/json") }
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let seconds = timeout.components.seconds
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(seconds))
        var buffer = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return Reply(
            status: Int(response.status.code),
            contentType: response.headers.first(name: "Content-Type"),
            body: buffer.readBytes(length: buffer.readableBytes) ?? [],
            headerFields: response.headers.map { (name: $0.name, value: $0.value) }
        )
    }
}
