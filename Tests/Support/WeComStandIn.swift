import AsyncHTTPClient
public import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// A stand-in for the WeCom (企业微信) group robot: a real HTTP server on a free local port that answers
/// `POST /cgi-bin/webhook/send?key=…` like WeCom does, records every request, and fails on request.
public actor WeComStandIn {
    /// How to answer the next request instead of `{"errcode":0,"errmsg":"ok"}`.
    public enum Failure: Sendable {
        case http500
        case errcode(Int)
    }

    public struct Received: Sendable {
        public var key: String?
        public var body: JSONValue
        /// Whether this request was answered with success.
        public var succeeded: Bool
    }

    public private(set) var received: [Received] = []
    private var failures: [Failure] = []
    private var probe: (@Sendable () async -> Void)?

    /// Runs `probe` while each request is being answered, before the reply leaves: what a test checks there happens
    /// while the sender waits for WeCom.
    public func whileAnswering(_ probe: @escaping @Sendable () async -> Void) { self.probe = probe }

    /// Fails the next requests, in order.
    public func fail(_ next: Failure...) { failures.append(contentsOf: next) }

    public var successes: [Received] { received.filter(\.succeeded) }

    fileprivate func answer(key: String?, body: JSONValue) async -> Failure? {
        await probe?()
        let failure = failures.isEmpty ? nil : failures.removeFirst()
        received.append(Received(key: key, body: body, succeeded: failure == nil))
        return failure
    }

    /// Creates a stand-in that answers success until told to fail.
    public init() {}

    /// Runs the stand-in for the duration of `body`, passing its base URL.
    public func serve<T: Sendable>(_ body: @Sendable (String) async throws -> T) async throws -> T {
        let port = try freePort()
        let router = Router()
        router.post("/cgi-bin/webhook/send") { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let json = (try? JSONCoding.decoder.decode(JSONValue.self, from: Data(bytes.readableBytesView))) ?? .null
            let key = request.uri.queryParameters.get("key")
            let reply: String
            switch await self.answer(key: key, body: json) {
            case .http500?: return Response(status: .internalServerError)
            case .errcode(let code)?: reply = #"{"errcode":\#(code),"errmsg":"invalid webhook url"}"#
            case nil: reply = #"{"errcode":0,"errmsg":"ok"}"#
            }
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: reply))
            )
        }
        let (started, startedContinuation) = AsyncStream<Void>.makeStream()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { _ in startedContinuation.yield() },
            logger: Logger(label: "test.wecom-stand-in")
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            defer { group.cancelAll() }
            for await _ in started { break }
            return try await body("http://127.0.0.1:\(port)")
        }
    }
}
