import Foundation
import HTTPTypes
import Hummingbird

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Who the client is when the gateway sits behind a load balancer (docker-compose's `gateway-lb`, a Kubernetes
/// ingress): the rule for the address that login lockout and the public routes' rate limit count by.
///
/// The socket's peer is the client unless it is one of the trusted proxies (`TRUSTED_PROXIES`: addresses and CIDR
/// ranges, IPv4 or IPv6, comma-separated; none by default). From a trusted peer, `X-Forwarded-For` is read from the
/// right: each proxy appends the address it received the request from, so the first address that is not itself a
/// trusted proxy is the client. Whatever a client writes into the header arrives to the left of that and is never
/// believed; a request from an untrusted peer has its header ignored altogether.
struct TrustedProxies: Sendable, Equatable {
    /// One address range: the address's bytes (4 or 16) and how many leading bits must match.
    struct Range: Sendable, Equatable {
        var bytes: [UInt8]
        var prefix: Int

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            var bits = prefix
            for (index, byte) in bytes.enumerated() where bits > 0 {
                let mask: UInt8 = bits >= 8 ? 0xFF : ~(0xFF >> UInt8(bits))
                if address[index] & mask != byte & mask { return false }
                bits -= 8
            }
            return true
        }
    }

    var ranges: [Range]

    /// No proxy is trusted: the peer is always the client.
    static let none = TrustedProxies(ranges: [])

    /// Parses `10.0.0.0/8, 172.16.0.0/12, ::1`; `nil` names the first entry that is not an address or range.
    init(parsing text: String) throws(InvalidEntry) {
        var ranges: [Range] = []
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let parts = entry.split(separator: "/", maxSplits: 1).map(String.init)
            guard let bytes = Self.bytes(of: parts[0]) else { throw InvalidEntry(entry: entry) }
            let prefix = parts.count == 2 ? Int(parts[1]) : bytes.count * 8
            guard let prefix, (0...(bytes.count * 8)).contains(prefix) else { throw InvalidEntry(entry: entry) }
            ranges.append(Range(bytes: bytes, prefix: prefix))
        }
        self.ranges = ranges
    }

    private init(ranges: [Range]) { self.ranges = ranges }

    /// An entry of `TRUSTED_PROXIES` that is not an address or a range.
    struct InvalidEntry: Error, Equatable {
        var entry: String
    }

    /// Whether `address` is one of the trusted proxies.
    func trusts(_ address: String) -> Bool {
        guard let bytes = Self.bytes(of: address) else { return false }
        return ranges.contains { $0.contains(bytes) }
    }

    /// The client's address: `peer` unless it is trusted, else the right-most `X-Forwarded-For` entry that is not a
    /// trusted proxy (the left-most one when all are; `peer` when the header is absent or malformed).
    func client(peer: String?, forwardedFor headers: [String]) -> String? {
        guard let peer, trusts(peer) else { return peer }
        let chain = headers.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        guard !chain.isEmpty, chain.allSatisfy({ Self.bytes(of: $0) != nil }) else { return peer }
        return chain.last { !trusts($0) } ?? chain.first
    }

    /// The bytes of an IPv4 or IPv6 address in text, `nil` when it is neither.
    static func bytes(of text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }
}

/// Sets ``GatewayRequestContext/forwardedClient`` by ``TrustedProxies``; first in every `/api/v1` group.
struct ForwardedClientMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    static let header = HTTPField.Name("X-Forwarded-For")!

    let proxies: TrustedProxies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if !proxies.ranges.isEmpty {
            context.forwardedClient = proxies.client(peer: context.remoteAddress?.ipAddress, forwardedFor: request.headers[values: Self.header])
        }
        return try await next(request, context)
    }
}
