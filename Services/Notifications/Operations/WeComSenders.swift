import AsyncHTTPClient
import Contracts
import Foundation
import NIOCore
import NIOHTTP1

/// What one push came to.
enum PushOutcome: Equatable {
    case sent
    /// errcode 45009 (api freq out of limit): not a failed attempt; the robot is paused and the same row goes later.
    case throttled(String)
    /// HTTP 5xx, a timeout or connection error, or another non-zero `errcode`: worth another attempt.
    case retry(String)
    /// Any other HTTP status (4xx: a wrong URL or key) will not heal by itself.
    case permanent(String)

    /// WeCom's "api freq out of limit".
    static let frequencyLimitErrcode = 45009
}

/// A WeCom API reply: `errcode` 0 is success.
private struct WeComReply: Decodable {
    var errcode: Int
    var errmsg: String?
    var accessToken: String?
    var expiresIn: Int?

    enum CodingKeys: String, CodingKey {
        case errcode, errmsg
        case accessToken = "access_token"
        case expiresIn = "expires_in"
    }
}

/// One HTTP exchange with WeCom: the status and the decoded reply (`nil` when the body is not a WeCom reply).
private func exchange(
    _ url: String,
    method: HTTPMethod,
    body: String?,
    timeout: Duration,
    client: HTTPClient
) async throws -> (status: Int, reply: WeComReply?) {
    var request = HTTPClientRequest(url: url)
    request.method = method
    if let body {
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
    }
    let nanoseconds = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
    let response = try await client.execute(request, timeout: .nanoseconds(nanoseconds))
    let bytes = try await response.body.collect(upTo: 64 * 1024)
    return (Int(response.status.code), try? JSONDecoder().decode(WeComReply.self, from: Data(bytes.readableBytesView)))
}

/// Where the WeCom group robots live: `POST <baseURL>/cgi-bin/webhook/send?key=<key>`, one robot by default and one
/// per region where configured (``WeComRobots``).
public struct WeComWebhook: Sendable {
    public var baseURL: String
    /// The default robot's key.
    public var key: String
    /// Region code → that region's robot key.
    public var regionKeys: [String: String]
    /// How long one push may take before it counts as failed (and is retried).
    public var timeout: Duration

    public init(baseURL: String, key: String, regionKeys: [String: String] = [:], timeout: Duration = .seconds(5)) {
        self.baseURL = baseURL
        self.key = key
        self.regionKeys = regionKeys
        self.timeout = timeout
    }

    /// The robots, default and per region.
    public var robots: WeComRobots { WeComRobots(defaultKey: key, regionKeys: regionKeys) }

    func url(key: String) -> String {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        let key = key.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+"))) ?? key
        return "\(base)/cgi-bin/webhook/send?key=\(key)"
    }

    /// Pushes a robot message (``WeComMessage`` JSON) to the robot with `key`.
    func send(_ payload: String, key: String, client: HTTPClient) async -> PushOutcome {
        do {
            let (status, reply) = try await exchange(url(key: key), method: .POST, body: payload, timeout: timeout, client: client)
            if status >= 500 { return .retry("HTTP \(status)") }
            guard (200..<300).contains(status) else { return .permanent("HTTP \(status)") }
            guard let reply else { return .retry("HTTP \(status) with a body that is not a webhook reply") }
            switch reply.errcode {
            case 0: return .sent
            case PushOutcome.frequencyLimitErrcode: return .throttled("errcode 45009: \(reply.errmsg ?? "")")
            default: return .retry("errcode \(reply.errcode): \(reply.errmsg ?? "")")
            }
        } catch {
            return .retry("\(error)")
        }
    }
}

/// A WeCom self-built app (自建应用) that messages one person: `GET /cgi-bin/gettoken?corpid=…&corpsecret=…` for an
/// access token, kept until shortly before it expires and fetched again when WeCom calls it invalid or expired
/// (errcode 40014, 42001), then `POST /cgi-bin/message/send?access_token=…` with `touser` = the user's WeCom id.
///
/// Configured by `wecom.corp.id`, `wecom.agent.id`, `wecom.app.secret` (`WECOM_CORP_ID`, `WECOM_AGENT_ID`,
/// `WECOM_APP_SECRET`) and `wecom.api.url` (`https://qyapi.weixin.qq.com`; a stand-in's address in tests).
public struct WeComApp: Sendable {
    public var apiURL: String
    public var corpID: String
    public var agentID: Int
    public var secret: String
    public var timeout: Duration
    /// Shared by every copy of this value, so that one sender fetches one token.
    let tokens = AccessTokenCache()

    public init(apiURL: String, corpID: String, agentID: Int, secret: String, timeout: Duration = .seconds(5)) {
        self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        self.corpID = corpID
        self.agentID = agentID
        self.secret = secret
        self.timeout = timeout
    }

    /// The cached access token.
    actor AccessTokenCache {
        var token: String?
        var expiresAt = Date.distantPast

        func current(at now: Date) -> String? { now < expiresAt ? token : nil }

        func store(_ token: String, expiresIn seconds: Int, at now: Date) {
            self.token = token
            // Refreshed five minutes early (or at half-life for short tokens), so a push never carries a dying token.
            expiresAt = now.addingTimeInterval(Double(seconds) - min(300, Double(seconds) / 2))
        }

        func invalidate(_ token: String) { if self.token == token { self.token = nil } }

        /// The fetch in flight, which pushes side by side wait for instead of each fetching a token of its own.
        private var fetching: Task<Result<String, PushFailure>, Never>?

        /// Runs `fetch`, or joins the one already running.
        func once(_ fetch: @escaping @Sendable () async -> Result<String, PushFailure>) async -> Result<String, PushFailure> {
            if let fetching { return await fetching.value }
            let task = Task { await fetch() }
            fetching = task
            let result = await task.value
            fetching = nil
            return result
        }
    }

    /// A valid token: the cached one, or a fresh one from `gettoken` (one fetch at a time, shared by whoever waits).
    private func token(now: Date, client: HTTPClient) async -> Result<String, PushFailure> {
        if let token = await tokens.current(at: now) { return .success(token) }
        return await tokens.once { [self] in
            if let token = await tokens.current(at: now) { return .success(token) }
            return await fetchToken(now: now, client: client)
        }
    }

    /// A fresh token from `gettoken`, cached.
    private func fetchToken(now: Date, client: HTTPClient) async -> Result<String, PushFailure> {
        let query = "corpid=\(Self.escaped(corpID))&corpsecret=\(Self.escaped(secret))"
        do {
            let (status, reply) = try await exchange("\(apiURL)/cgi-bin/gettoken?\(query)", method: .GET, body: nil, timeout: timeout, client: client)
            guard (200..<300).contains(status), let reply else { return .failure(PushFailure("gettoken: HTTP \(status)")) }
            guard reply.errcode == 0, let token = reply.accessToken else {
                return .failure(PushFailure("gettoken: errcode \(reply.errcode): \(reply.errmsg ?? "")"))
            }
            await tokens.store(token, expiresIn: reply.expiresIn ?? 7200, at: now)
            return .success(token)
        } catch {
            return .failure(PushFailure("gettoken: \(error)"))
        }
    }

    struct PushFailure: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// How long WeCom drops a repeat of the same request: its default, 30 minutes, outlasts a delivery's lease (a
    /// minute) and its whole retry schedule (under 9 minutes), and still lets a reminder of the same words through on
    /// a later day.
    static let duplicateCheckSeconds: Int64 = 1_800

    /// The app message for one user from a robot message: same type and content; the robot's @-mention is moot.
    ///
    /// **Exactly once.** The request asks WeCom to drop a repeat (`enable_duplicate_check`: the same request JSON within
    /// ``duplicateCheckSeconds`` reaches the person once). The body is the same bytes on every attempt of a delivery
    /// (sorted keys, no time or attempt in it), so a push made but never recorded — the sender killed between the
    /// push and its record, or WeCom answering after the timeout — is pushed again when its lease runs out and WeCom
    /// drops it. The group robot's API has no such check; its pushes keep that window (``DeliveryService``).
    func body(_ payload: String, to userID: String) throws -> String {
        let message = try JSONCoding.decoder.decode(WeComMessage.self, from: Data(payload.utf8))
        var body: [String: JSONValue] = [
            "touser": .string(userID), "agentid": .integer(Int64(agentID)), "msgtype": .string(message.msgtype),
            "enable_duplicate_check": .integer(1), "duplicate_check_interval": .integer(Self.duplicateCheckSeconds),
        ]
        if message.msgtype == "markdown" {
            body["markdown"] = .object(["content": .string(message.content)])
        } else {
            body["msgtype"] = .string("text")
            body["text"] = .object(["content": .string(message.content)])
        }
        return String(decoding: try JSONCoding.encoder.encode(JSONValue.object(body)), as: UTF8.self)
    }

    /// Sends a robot message (``WeComMessage`` JSON) to one user through the app.
    func send(_ payload: String, to userID: String, now: Date, client: HTTPClient) async -> PushOutcome {
        let body: String
        do { body = try self.body(payload, to: userID) } catch { return .permanent("not a WeCom message: \(error)") }
        // A token WeCom calls invalid or expired is dropped and fetched again once, within the same attempt.
        for _ in 0..<2 {
            let token: String
            switch await self.token(now: now, client: client) {
            case .success(let value): token = value
            case .failure(let failure): return .retry(failure.reason)
            }
            do {
                let url = "\(apiURL)/cgi-bin/message/send?access_token=\(Self.escaped(token))"
                let (status, reply) = try await exchange(url, method: .POST, body: body, timeout: timeout, client: client)
                if status >= 500 { return .retry("HTTP \(status)") }
                guard (200..<300).contains(status) else { return .permanent("HTTP \(status)") }
                guard let reply else { return .retry("HTTP \(status) with a body that is not a WeCom reply") }
                switch reply.errcode {
                case 0: return .sent
                case 40014, 42001:
                    await tokens.invalidate(token)
                    continue
                case PushOutcome.frequencyLimitErrcode: return .throttled("errcode 45009: \(reply.errmsg ?? "")")
                default: return .retry("errcode \(reply.errcode): \(reply.errmsg ?? "")")
                }
            } catch {
                return .retry("\(error)")
            }
        }
        return .retry("the access token was refused twice")
    }

    private static func escaped(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+"))) ?? text
    }
}
