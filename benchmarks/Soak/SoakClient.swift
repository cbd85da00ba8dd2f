import Foundation
import TestSupport

/// Someone signed in on the gateway.
public struct SoakUser: Sendable {
    public var name: String
    public var id: String
    public var token: String
}

/// Speaks HTTP to the gateway as the soak's users, counting every request in ``SoakStats``. Writes are retried with the
/// same Idempotency-Key until answered 2xx, as a well-behaved client does: a write that failed during a fault may or may
/// not have been applied, and the key makes the retry safe.
struct SoakClient: Sendable {
    let gatewayURL: String
    let stats: SoakStats

    /// One request; `nil` when no answer came.
    func send(_ method: String, _ path: String, as user: SoakUser, body: [UInt8]? = nil, key: String? = nil) async -> HTTP.Reply? {
        var headers = ["Authorization": "Bearer \(user.token)"]
        if let key { headers["Idempotency-Key"] = key }
        let reply = try? await HTTP.send(method, URL(string: gatewayURL + path)!, body: body, headers: headers, timeout: .seconds(15))
        stats.record(status: reply?.status)
        return reply
    }

    /// A read: the JSON object when answered 200.
    func read(_ path: String, as user: SoakUser) async -> [String: Any]? {
        guard let reply = await send("GET", path, as: user), reply.status == 200 else { return nil }
        return try? reply.json()
    }

    /// Statuses a retry may turn into a success: no answer, the gateway's 502/503/504 while a service or the broker is
    /// away, a 500 from a database connection cut mid-request, and 429.
    static let retryable: Set<Int> = [0, 429, 500, 502, 503, 504]

    /// A write retried with the same key until it is answered 2xx; its JSON body then, or `nil` when it was refused
    /// (a 4xx) or still failing after `patience`.
    func write(
        _ method: String,
        _ path: String,
        as user: SoakUser,
        json: [String: Any]? = nil,
        key: String,
        patience: Duration = .seconds(240)
    ) async -> [String: Any]? {
        let body = json.flatMap { try? JSONSerialization.data(withJSONObject: $0) }.map { [UInt8]($0) }
        let giveUp = ContinuousClock.now + patience
        var last = ""
        while ContinuousClock.now < giveUp {
            let reply = await send(method, path, as: user, body: body, key: key)
            let status = reply?.status ?? 0
            if (200..<300).contains(status) { return (try? reply?.json()) ?? [:] }
            last = "\(status) \(reply?.text.prefix(300) ?? "no answer")"
            guard Self.retryable.contains(status) else { break }
            try? await Task.sleep(for: .milliseconds(300))
        }
        stats.refused("\(user.name) \(method) \(path): \(last)")
        return nil
    }
}
