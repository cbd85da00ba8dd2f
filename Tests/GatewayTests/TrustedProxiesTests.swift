import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Gateway

/// Who the client is behind a load balancer (``TrustedProxies``): the address login lockout and the public rate limit
/// count by.
@Suite("Trusted proxies and the client's address")
struct TrustedProxiesTests {
    static let proxies = try! TrustedProxies(parsing: "10.0.0.0/8, 172.16.0.0/12, 127.0.0.1, fd00::/8")

    @Test("addresses and CIDR ranges, IPv4 and IPv6, are trusted exactly as written; a bad entry is named")
    func parsing() throws {
        #expect(Self.proxies.trusts("10.200.3.4") && Self.proxies.trusts("172.31.255.255") && Self.proxies.trusts("127.0.0.1"))
        #expect(!Self.proxies.trusts("172.32.0.1") && !Self.proxies.trusts("127.0.0.2") && !Self.proxies.trusts("11.0.0.1"))
        #expect(Self.proxies.trusts("fd12:3456::1") && !Self.proxies.trusts("fe80::1") && !Self.proxies.trusts("not an address"))
        #expect(try TrustedProxies(parsing: "").ranges.isEmpty)
        #expect(try TrustedProxies(parsing: "0.0.0.0/0").trusts("203.0.113.7"))
        #expect(throws: TrustedProxies.InvalidEntry(entry: "10.0.0.0/33")) { try TrustedProxies(parsing: "127.0.0.1, 10.0.0.0/33") }
        #expect(throws: TrustedProxies.InvalidEntry(entry: "gateway-lb")) { try TrustedProxies(parsing: "gateway-lb") }
    }

    @Test("from a trusted peer, the right-most untrusted X-Forwarded-For entry is the client; what a client forges is never believed")
    func client() {
        let proxies = Self.proxies
        // No proxy: the peer.
        #expect(proxies.client(peer: "203.0.113.7", forwardedFor: ["198.51.100.1"]) == "203.0.113.7")
        // One load balancer: the address it saw.
        #expect(proxies.client(peer: "10.0.0.5", forwardedFor: ["203.0.113.7"]) == "203.0.113.7")
        // A client that writes its own header: the load balancer appends the real address, which is what counts.
        #expect(proxies.client(peer: "10.0.0.5", forwardedFor: ["1.2.3.4, 203.0.113.7"]) == "203.0.113.7")
        #expect(proxies.client(peer: "10.0.0.5", forwardedFor: ["1.2.3.4", "203.0.113.7"]) == "203.0.113.7")
        // Two proxies in a row (CDN → ingress): skip both.
        #expect(proxies.client(peer: "10.0.0.5", forwardedFor: ["203.0.113.7, 172.16.0.9"]) == "203.0.113.7")
        // Only proxies in the chain: the first of them.
        #expect(proxies.client(peer: "10.0.0.5", forwardedFor: ["172.16.0.9, 10.1.1.1"]) == "172.16.0.9")
        // No header or a malformed one: the peer.
        #expect(proxies.client(peer: "10.0.0.5", forwardedFor: []) == "10.0.0.5")
        #expect(proxies.client(peer: "10.0.0.5", forwardedFor: ["203.0.113.7, <script>"]) == "10.0.0.5")
        #expect(TrustedProxies.none.client(peer: "10.0.0.5", forwardedFor: ["203.0.113.7"]) == "10.0.0.5")
    }

    /// A public request "from" `address` (as the load balancer's header says), with a token of its own, so that only
    /// the per-address count can refuse it.
    static func get(_ client: any TestClientProtocol, as address: String) async throws -> Int {
        let token = String(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(32))
        return try await client.call(.get, "/api/v1/public/portal/\(token)", headers: [ForwardedClientMiddleware.header: address]).status
    }

    @Test("behind a trusted proxy each forwarded client has its own public rate limit; without it, the header changes nothing")
    func rateLimitPerForwardedClient() async throws {
        let environment = ["PUBLIC_RATE_LIMIT_PER_MINUTE": "2", "TRUSTED_PROXIES": "127.0.0.1"]
        let behindProxy = try await GatewayHarness.with(environment: environment, mode: .live) { _, client in
            // Two clients behind the proxy, two requests each, none limited; the first one's third is.
            var statuses: [Int] = []
            for address in ["203.0.113.7", "198.51.100.1"] {
                for _ in 0..<2 { statuses.append(try await Self.get(client, as: address)) }
            }
            statuses.append(try await Self.get(client, as: "203.0.113.7"))
            return statuses
        }
        #expect(behindProxy.prefix(4).allSatisfy { $0 != 429 } && behindProxy.last == 429, "\(behindProxy)")
        let untrusted = try await GatewayHarness.with(environment: ["PUBLIC_RATE_LIMIT_PER_MINUTE": "2"], mode: .live) { _, client in
            // Not trusted: every request is the peer's (127.0.0.1), whatever the header says.
            var statuses: [Int] = []
            for address in ["203.0.113.7", "198.51.100.1", "192.0.2.1"] { statuses.append(try await Self.get(client, as: address)) }
            return statuses
        }
        #expect(untrusted.prefix(2).allSatisfy { $0 != 429 } && untrusted.last == 429, "\(untrusted)")
    }
}
