import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// An OTLP/HTTP trace receiver for tests (issue 13): a real HTTP server on a free local port that takes
/// `POST /v1/traces` in OTLP's JSON encoding (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`), as an OpenTelemetry collector
/// does, and keeps every span it was sent.
public actor OTLPReceiver {
    /// One exported span, as far as tests look at it.
    public struct ReceivedSpan: Sendable, Equatable {
        /// The resource's `service.name`.
        public var service: String
        /// 32 lower-case hex digits.
        public var traceID: String
        /// 16 lower-case hex digits.
        public var spanID: String
        /// The parent's span id, `nil` for a root span.
        public var parentSpanID: String?
        public var name: String
        /// OTLP's `SpanKind`: 1 internal, 2 server, 3 client, 4 producer, 5 consumer.
        public var kind: Int
        /// Text and number attributes, numbers as their decimal text.
        public var attributes: [String: String]
        /// OTLP's status code: 0 unset, 1 ok, 2 error.
        public var statusCode: Int
    }

    /// The OTLP span kinds.
    public enum Kind {
        public static let server = 2
        public static let client = 3
        public static let producer = 4
        public static let consumer = 5
    }

    public private(set) var spans: [ReceivedSpan] = []
    /// Export requests that were not OTLP JSON.
    public private(set) var refused = 0

    /// Creates a receiver that has received nothing.
    public init() {}

    /// The spans of one trace.
    public func spans(ofTrace traceID: String) -> [ReceivedSpan] {
        spans.filter { $0.traceID == traceID }
    }

    fileprivate func receive(_ body: Data) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            refused += 1
            return false
        }
        spans.append(contentsOf: Self.decode(object))
        return true
    }

    /// The spans of an `ExportTraceServiceRequest` in OTLP JSON. Ids are hex in OTLP's JSON encoding and base64 in
    /// protobuf's canonical JSON mapping (which swift-otel writes); both are read.
    static func decode(_ request: [String: Any]) -> [ReceivedSpan] {
        var received: [ReceivedSpan] = []
        for resourceSpans in request["resourceSpans"] as? [[String: Any]] ?? [] {
            let resource = attributes((resourceSpans["resource"] as? [String: Any])?["attributes"])
            for scopeSpans in resourceSpans["scopeSpans"] as? [[String: Any]] ?? [] {
                for span in scopeSpans["spans"] as? [[String: Any]] ?? [] {
                    received.append(
                        ReceivedSpan(
                            service: resource["service.name"] ?? "",
                            traceID: hex(span["traceId"]) ?? "",
                            spanID: hex(span["spanId"]) ?? "",
                            parentSpanID: hex(span["parentSpanId"]),
                            name: span["name"] as? String ?? "",
                            kind: number(span["kind"]) ?? 0,
                            attributes: attributes(span["attributes"]),
                            statusCode: number((span["status"] as? [String: Any])?["code"]) ?? 0
                        )
                    )
                }
            }
        }
        return received
    }

    private static func attributes(_ list: Any?) -> [String: String] {
        var attributes: [String: String] = [:]
        for attribute in list as? [[String: Any]] ?? [] {
            guard let key = attribute["key"] as? String, let value = attribute["value"] as? [String: Any] else { continue }
            if let text = value["stringValue"] as? String {
                attributes[key] = text
            } else if let number = value["intValue"] {
                attributes[key] = "\(number)"
            } else if let flag = value["boolValue"] as? Bool {
                attributes[key] = "\(flag)"
            }
        }
        return attributes
    }

    private static func number(_ value: Any?) -> Int? {
        switch value {
        case let number as Int: number
        case let text as String: Int(text)
        default: nil
        }
    }

    /// An id as lower-case hex, `nil` when absent or empty.
    private static func hex(_ value: Any?) -> String? {
        guard let text = value as? String, !text.isEmpty else { return nil }
        if text.count == 16 || text.count == 32, text.allSatisfy(\.isHexDigit) { return text.lowercased() }
        guard let bytes = Data(base64Encoded: text), !bytes.isEmpty else { return nil }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// Runs the receiver for the duration of `body`, passing its base URL (for `OTEL_EXPORTER_OTLP_ENDPOINT`).
    public func serve<T: Sendable>(_ body: @Sendable (String) async throws -> T) async throws -> T {
        let port = try freePort()
        let router = Router()
        router.post("/v1/traces") { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 16 << 20)
            guard await self.receive(Data(bytes.readableBytesView)) else {
                return Response(status: .unsupportedMediaType)
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: "{}")))
        }
        let (started, startedContinuation) = AsyncStream<Void>.makeStream()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { _ in startedContinuation.yield() },
            logger: Logger(label: "test.otlp-receiver")
        )
        // Stopped gracefully, not cancelled: the services' exporters keep their connections alive, and cancelling the
        // server while a connection it accepted is still queued traps in NIO ("Deinited NIOAsyncWriter without calling
        // finish()").
        let server = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "test.otlp-receiver")))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            for await _ in started { break }
            let result: Result<T, any Error>
            do {
                result = .success(try await body("http://127.0.0.1:\(port)"))
            } catch {
                result = .failure(error)
            }
            await server.triggerGracefulShutdown()
            try? await group.waitForAll()
            return try result.get()
        }
    }
}
