public import Contracts
import Crypto
public import Foundation

/// The event types a webhook endpoint may subscribe to: the business facts other systems (ERP, BI, finance) act on.
///
/// Each is bound to the notifications queue and checked against its owning service (``Contracts/DomainEvent/source``).
/// Left out on purpose: `user.*` and `region.*` (the org chart and logins), `visit.*` (GPS positions and photos),
/// approval steps (who decides what, before the outcome), and the internal reminders and digests.
public enum WebhookEventTypes {
    /// The subscribable event types and their publishers.
    public static let all: [(type: String, source: String)] = [
        entry(CustomerCreated.self), entry(CustomersImported.self), entry(CustomerUpdated.self), entry(CustomerArchived.self),
        entry(CustomerRestored.self),
        entry(CustomerMerged.self), entry(CustomerTransferred.self),
        entry(DealStageChanged.self), entry(DealUpdated.self),
        entry(ProductUpdated.self), entry(ProductRetired.self),
        entry(ContractSubmitted.self), entry(ContractSigned.self), entry(ApprovalCompleted.self),
        entry(ShipmentRecorded.self), entry(PaymentPlanChanged.self), entry(ReceiptRecorded.self), entry(ReceiptReversed.self),
        entry(InstallmentWrittenOff.self), entry(PaymentOverdue.self), entry(ServiceRequestSubmitted.self),
        // Issue 12: approval requests of subjects other than contracts.
        entry(ExpenseClaimSubmitted.self), entry(QuoteDiscountApprovalRequested.self),
    ]

    /// The subscribable types, sorted.
    public static var names: [String] { all.map(\.type).sorted() }

    private static func entry<Event: DomainEvent>(_ event: Event.Type) -> (type: String, source: String) {
        (Event.eventType, Event.source)
    }
}

/// Which URLs may receive webhooks.
///
/// `https` to a public host. Refused, unless the host is listed in `allowedHosts` (configuration `webhook.allow.hosts`,
/// env `WEBHOOK_ALLOW_HOSTS`, comma-separated): plain `http`, `localhost`, and IP literals that are loopback, private
/// (RFC 1918, fc00::/7), link-local (169.254/16 — cloud metadata — and fe80::/10), CGNAT (100.64/10) or unspecified.
/// A listed host may also use `http` (a receiver on 127.0.0.1 in tests, or inside a private network).
/// Host names are not resolved here: a public name that resolves to a private address is the operator's DNS to keep.
public struct WebhookURLPolicy: Sendable, Equatable {
    /// Hosts (lower-case) allowed even though private or loopback, over `http` too.
    public var allowedHosts: Set<String>

    /// Creates the policy.
    public init(allowedHosts: Set<String> = []) {
        self.allowedHosts = Set(allowedHosts.map { $0.lowercased() })
    }

    /// The policy from the comma-separated `webhook.allow.hosts` value.
    public init(allowHostsSetting: String?) {
        let hosts = (allowHostsSetting ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        self.init(allowedHosts: Set(hosts))
    }

    /// Why `text` may not receive webhooks, or `nil` when it may.
    public func refusal(of text: String) -> String? {
        guard text.count <= 2_000 else { return "must be at most 2000 characters" }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let rawHost = components.host, !rawHost.isEmpty
        else { return "must be an absolute http(s) URL" }
        guard components.user == nil, components.password == nil else { return "must not carry a user or password" }
        guard components.fragment == nil else { return "must not have a fragment" }
        let host = rawHost.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let allowed = allowedHosts.contains(host)
        switch scheme {
        case "https": break
        case "http" where allowed: break
        case "http": return "must use https (http only for hosts in WEBHOOK_ALLOW_HOSTS)"
        default: return "must be an absolute http(s) URL"
        }
        if !allowed && Self.isInternal(host) {
            return "must not point at a loopback, private or link-local address (allow it with WEBHOOK_ALLOW_HOSTS)"
        }
        return nil
    }

    /// Whether a host is `localhost` or an IP literal of an internal range.
    static func isInternal(_ host: String) -> Bool {
        if host == "localhost" || host.hasSuffix(".localhost") { return true }
        if let v4 = ipv4(host) {
            let (a, b) = (v4[0], v4[1])
            return a == 0 || a == 10 || a == 127 || (a == 169 && b == 254) || (a == 172 && (16...31).contains(b))
                || (a == 192 && b == 168) || (a == 100 && (64...127).contains(b))
        }
        if host.contains(":") {
            if host == "::" || host == "::1" { return true }
            if host.hasPrefix("fc") || host.hasPrefix("fd") || host.hasPrefix("fe8") || host.hasPrefix("fe9") || host.hasPrefix("fea")
                || host.hasPrefix("feb")
            {
                return true
            }
            // IPv4-mapped (::ffff:10.0.0.1) and anything else unusual: refuse rather than parse every form.
            return host.hasPrefix("::")
        }
        // A bare number (http://2130706433/) or a dotted form with fewer parts is an address in disguise.
        return host.allSatisfy { $0.isNumber || $0 == "." || $0 == "x" } && host.first?.isNumber == true
    }

    private static func ipv4(_ host: String) -> [Int]? {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        let numbers = parts.compactMap { Int($0) }
        guard numbers.count == 4, numbers.allSatisfy({ (0...255).contains($0) }) else { return nil }
        return numbers
    }
}

/// The body and signature of a webhook delivery, as README.md "Webhooks" documents them.
///
/// Body: `{"id": <event id>, "type": <event type>, "occurredAt": <RFC 3339>, "data": <the event's data>}` (keys sorted).
/// Header `SalesDesk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, where the key is the
/// secret's UTF-8 bytes and `<body>` the exact bytes sent. Each attempt is signed afresh with its own `t`.
public enum WebhookSignature {
    /// The signature header.
    public static let header = "SalesDesk-Signature"
    /// The event id header: the same on every attempt and replay of one event, for de-duplication.
    public static let eventIDHeader = "SalesDesk-Event-Id"
    /// The event type header.
    public static let eventTypeHeader = "SalesDesk-Event-Type"
    /// The delivery id header (a replay has its own).
    public static let deliveryIDHeader = "SalesDesk-Delivery-Id"

    /// The `SalesDesk-Signature` value for `body` sent at `timestamp`.
    public static func sign(body: [UInt8], secret: String, timestamp: Int64) -> String {
        "t=\(timestamp),v1=\(hmacHex(body: body, secret: secret, timestamp: timestamp))"
    }

    /// The lower-case hex HMAC-SHA256 of `"<timestamp>.<body>"` under the secret.
    public static func hmacHex(body: [UInt8], secret: String, timestamp: Int64) -> String {
        let signed = Array("\(timestamp).".utf8) + body
        let code = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Array(secret.utf8)))
        return code.map { String(format: "%02x", $0) }.joined()
    }

    /// A new secret: `whsec_` and 32 random bytes in hex.
    public static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return "whsec_" + (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// The JSON body for an event: id, type, occurredAt and data, keys sorted.
    public static func body(for envelope: EventEnvelope) throws -> String {
        struct Body: Encodable {
            var id: String
            var type: String
            var occurredAt: Date
            var data: JSONValue
        }
        let body = Body(id: envelope.id.uuidString.lowercased(), type: envelope.type, occurredAt: envelope.time, data: envelope.data)
        return String(decoding: try JSONCoding.encoder.encode(body), as: UTF8.self)
    }
}

/// When a failed delivery is tried again: `base × 2^(attempt−1)`, capped at an hour, with "equal jitter" (a random
/// point in the upper half) so endpoints that failed together do not all come back in the same second.
public struct WebhookBackoff: Sendable {
    public var base: Duration
    public var cap: Duration

    public init(base: Duration, cap: Duration = .seconds(3_600)) {
        self.base = base
        self.cap = cap
    }

    /// The pause after failed attempt number `attempt` (1-based); `jitter` in 0…1.
    public func delay(afterAttempt attempt: Int, jitter: Double = Double.random(in: 0...1)) -> Duration {
        let full = min(base * (1 << min(max(attempt - 1, 0), 20)), cap)
        return full / 2 + full / 2 * min(max(jitter, 0), 1)
    }
}
