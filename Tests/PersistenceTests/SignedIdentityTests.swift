import Contracts
import Foundation
import ServiceRuntime
import Testing

/// The gateway's signature over the caller identity in RPC headers, as a service checks it.
@Suite("Signed caller identity")
struct SignedIdentityTests {
    static let key = try! RPCIdentityKey(secret: String(repeating: "a", count: 32))
    static let otherKey = try! RPCIdentityKey(secret: String(repeating: "b", count: 32))
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let supervisor = CallerIdentity(userID: "sup-1", role: .supervisor, region: "east-china", team: ["rep-1", "rep-2"])

    /// Headers as the gateway sends them, valid for 30 s after ``now``.
    static func signed(_ identity: CallerIdentity = supervisor, operation: String = Operation.Customers.list) -> [String: String] {
        var headers = identity.headers
        headers[RPC.Header.deadline] = String(Int64(now.timeIntervalSince1970 * 1000) + 20_000)
        SignedIdentity.sign(&headers, operation: operation, expires: now.addingTimeInterval(30), key: key)
        return headers
    }

    func verify(
        _ headers: [String: String],
        operation: String = Operation.Customers.list,
        at time: Date = now,
        key: RPCIdentityKey = key
    )
        -> Result<CallerIdentity, SignedIdentity.Refusal>
    {
        Result { () throws(SignedIdentity.Refusal) in try SignedIdentity.verify(headers, operation: operation, now: time, key: key) }
    }

    @Test("a signed identity verifies as the identity the gateway signed")
    func roundTrip() {
        #expect(verify(Self.signed()) == .success(Self.supervisor))
        let rep = CallerIdentity(userID: "rep-1", role: .rep)
        #expect(verify(Self.signed(rep)) == .success(rep))
    }

    @Test("identity headers without a signature are refused")
    func unsigned() {
        #expect(verify(Self.supervisor.headers) == .failure(.unsigned))
        var noExpiry = Self.signed()
        noExpiry[RPC.Header.identityExpires] = nil
        #expect(verify(noExpiry) == .failure(.unsigned))
        #expect(verify([:]) == .failure(.unsigned))
    }

    @Test(
        "changing any signed header breaks the signature",
        arguments: [
            (CallerIdentity.Header.role, "admin"), (CallerIdentity.Header.userID, "gm"), (CallerIdentity.Header.region, "north-china"),
            (CallerIdentity.Header.team, "rep-1,rep-2,rep-north"), (RPC.Header.identityExpires, "9999999999999"),
            (RPC.Header.deadline, "9999999999999"),
        ]
    )
    func tampered(header: String, value: String) {
        var headers = Self.signed()
        headers[header] = value
        #expect(verify(headers) == .failure(.badSignature))
    }

    @Test("adding or removing an identity header breaks the signature")
    func addedOrRemoved() {
        var added = Self.signed(CallerIdentity(userID: "rep-1", role: .rep))
        added[CallerIdentity.Header.team] = "rep-2"
        #expect(verify(added) == .failure(.badSignature))
        var removed = Self.signed()
        removed[CallerIdentity.Header.region] = nil
        #expect(verify(removed) == .failure(.badSignature))
    }

    @Test("a signature for one operation does not admit another")
    func otherOperation() {
        #expect(verify(Self.signed(operation: Operation.Customers.list), operation: Operation.Customers.transfer) == .failure(.badSignature))
    }

    @Test("a signature made with another key is refused")
    func wrongKey() {
        #expect(verify(Self.signed(), key: Self.otherKey) == .failure(.badSignature))
        var garbage = Self.signed()
        garbage[RPC.Header.identitySignature] = "not base64!"
        #expect(verify(garbage) == .failure(.badSignature))
    }

    @Test("an identity is refused once its expiry has passed")
    func expired() {
        #expect(verify(Self.signed(), at: Self.now.addingTimeInterval(29)) == .success(Self.supervisor))
        #expect(verify(Self.signed(), at: Self.now.addingTimeInterval(30)) == .failure(.expired))
        #expect(verify(Self.signed(), at: Self.now.addingTimeInterval(3600)) == .failure(.expired))
    }

    @Test("a signed identity with an unknown role is refused")
    func malformed() {
        var headers = Self.supervisor.headers
        headers[CallerIdentity.Header.role] = "emperor"
        SignedIdentity.sign(&headers, operation: Operation.Customers.list, expires: Self.now.addingTimeInterval(30), key: Self.key)
        #expect(verify(headers) == .failure(.malformedIdentity))
    }

    @Test("a missing or short RPC_IDENTITY_KEY is a configuration error naming it")
    func configuration() {
        for environment in [[:], ["RPC_IDENTITY_KEY": "short"]] {
            #expect {
                try RPCIdentityKey(ServiceConfiguration(environment: environment))
            } throws: {
                "\($0)".contains("RPC_IDENTITY_KEY")
            }
        }
        #expect(throws: Never.self) { try RPCIdentityKey(ServiceConfiguration(environment: ["RPC_IDENTITY_KEY": String(repeating: "x", count: 32)])) }
    }
}
