import AsyncHTTPClient
public import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// A stand-in for WeCom (企业微信): a real HTTP server on a free local port that answers like WeCom does. The group
/// robot's `POST /cgi-bin/webhook/send?key=…` records every request and fails on request; OAuth2 sign-in answers
/// `/connect/oauth2/authorize`, `/cgi-bin/gettoken` and `/cgi-bin/auth/getuserinfo`; a self-built app's
/// `POST /cgi-bin/message/send?access_token=…` records messages to one person, refuses unknown or expired tokens
/// (errcode 42001) and, as WeCom does for a request with `enable_duplicate_check` 1, answers success to a repeat of
/// the same request JSON within `duplicate_check_interval` (default 1800 s) without delivering it again.
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

    /// Answers the next `count` robot requests with errcode 45009 ("api freq out of limit"), as a robot past its
    /// 20 messages a minute does.
    public func throttle(first count: Int) { failures.append(contentsOf: Array(repeating: .errcode(45009), count: count)) }

    /// The self-built app's messages (`key` is the access token they carried), accepted ones only.
    public private(set) var appMessages: [Received] = []
    /// How many times `gettoken` handed out a token.
    public private(set) var tokensIssued = 0

    /// Makes every access token handed out so far expired, as WeCom does after `expires_in`.
    public func expireAccessTokens() { accessTokens.removeAll() }

    /// Repeats WeCom's duplicate check answered with success and did not deliver.
    public private(set) var appDuplicatesDropped = 0
    /// When each request JSON asking for the duplicate check was last delivered.
    private var delivered: [(body: JSONValue, at: Date)] = []

    fileprivate func appMessage(accessToken: String?, body: JSONValue) -> Bool {
        guard let accessToken, accessTokens.contains(accessToken) else { return false }
        // The check compares the request JSON apart from the token, which rides in the URL.
        if body["enable_duplicate_check"] == .integer(1) {
            let interval = Double(body["duplicate_check_interval"]?.integerValue ?? 1_800)
            let now = Date()
            if delivered.contains(where: { $0.body == body && now.timeIntervalSince($0.at) < interval }) {
                appDuplicatesDropped += 1
                return true
            }
            delivered.append((body, now))
        }
        appMessages.append(Received(key: accessToken, body: body, succeeded: true))
        return true
    }

    public var successes: [Received] { received.filter(\.succeeded) }

    /// The probe, for an app message already recorded (its reply not yet sent).
    fileprivate func whileAnsweringApp() async { await probe?() }

    fileprivate func answer(key: String?, body: JSONValue) async -> Failure? {
        await probe?()
        let failure = failures.isEmpty ? nil : failures.removeFirst()
        received.append(Received(key: key, body: body, succeeded: failure == nil))
        return failure
    }

    // MARK: OAuth2 sign-in (企业微信网页授权) as a self-built app sees it

    public static let corpID = "ww-stand-in"
    public static let corpSecret = "stand-in-secret"
    /// Who is using WeCom when its authorize page is opened (`nil`: an outsider, who gets an `openid`).
    private var member: String?
    private var codes: [String: String?] = [:]
    private var accessTokens: Set<String> = []

    /// Makes `userID` the WeCom member who opens the authorize page next.
    public func signIn(as userID: String?) { member = userID }

    /// A one-time authorization code for `userID`, as WeCom hands the browser after its authorize page.
    public func code(for userID: String?) -> String {
        let code = "code-\(UUID().uuidString.prefix(8))"
        codes[code] = .some(userID)
        return code
    }

    fileprivate func codeForCurrentMember() -> String { code(for: member) }

    fileprivate func accessToken(corpID: String?, secret: String?) -> String? {
        guard corpID == Self.corpID, secret == Self.corpSecret else { return nil }
        let token = "token-\(UUID().uuidString.prefix(8))"
        accessTokens.insert(token)
        tokensIssued += 1
        return token
    }

    /// The member behind a code, once; `.none` for an unknown or used code, `.some(nil)` for an outsider.
    fileprivate func redeem(code: String?, accessToken: String?) -> String?? {
        guard let accessToken, accessTokens.contains(accessToken), let code, let member = codes.removeValue(forKey: code) else { return .none }
        return .some(member)
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
            case .errcode(45009)?: reply = #"{"errcode":45009,"errmsg":"api freq out of limit"}"#
            case .errcode(let code)?: reply = #"{"errcode":\#(code),"errmsg":"invalid webhook url"}"#
            case nil: reply = #"{"errcode":0,"errmsg":"ok"}"#
            }
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: reply))
            )
        }
        router.post("/cgi-bin/message/send") { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let json = (try? JSONCoding.decoder.decode(JSONValue.self, from: Data(bytes.readableBytesView))) ?? .null
            guard await self.appMessage(accessToken: request.uri.queryParameters.get("access_token"), body: json) else {
                return Self.json(#"{"errcode":42001,"errmsg":"access_token expired"}"#)
            }
            await self.whileAnsweringApp()
            return Self.json(#"{"errcode":0,"errmsg":"ok","invaliduser":""}"#)
        }
        router.get("/cgi-bin/gettoken") { request, _ -> Response in
            let query = request.uri.queryParameters
            guard let token = await self.accessToken(corpID: query["corpid"].map(String.init), secret: query["corpsecret"].map(String.init)) else {
                return Self.json(#"{"errcode":40001,"errmsg":"invalid credential"}"#)
            }
            return Self.json(#"{"errcode":0,"errmsg":"ok","access_token":"\#(token)","expires_in":7200}"#)
        }
        router.get("/cgi-bin/auth/getuserinfo") { request, _ -> Response in
            let query = request.uri.queryParameters
            switch await self.redeem(code: query["code"].map(String.init), accessToken: query["access_token"].map(String.init)) {
            case .none: return Self.json(#"{"errcode":40029,"errmsg":"invalid code"}"#)
            case .some(nil): return Self.json(#"{"errcode":0,"errmsg":"ok","openid":"outsider"}"#)
            case .some(let userID?): return Self.json(#"{"errcode":0,"errmsg":"ok","userid":"\#(userID)"}"#)
            }
        }
        // The authorize page: straight back to redirect_uri with a code for the current member, as WeCom does for a
        // silent (snsapi_base) authorization inside its app.
        router.get("/connect/oauth2/authorize") { request, _ -> Response in
            let query = request.uri.queryParameters
            let back = query["redirect_uri"].map(String.init)?.removingPercentEncoding ?? "/"
            let state = query["state"].map(String.init) ?? ""
            let code = await self.codeForCurrentMember()
            return Response(status: .found, headers: [.location: "\(back)?code=\(code)&state=\(state)"])
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

    private static func json(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
