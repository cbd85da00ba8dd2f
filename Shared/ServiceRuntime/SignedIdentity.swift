public import Contracts
import Crypto
public import Foundation

/// The key the gateway signs caller identities with and every service checks them with
/// (configuration `rpc.identity.key`, env `RPC_IDENTITY_KEY`).
public struct RPCIdentityKey: Sendable {
    /// The configuration key.
    public static let configurationKey = "rpc.identity.key"
    /// The shortest secret accepted, in UTF-8 bytes (as for `jwt.secret`).
    public static let minimumLength = 32

    let key: SymmetricKey

    /// Uses `secret` as the HMAC key.
    /// - Throws: ``ConfigurationError`` naming `rpc.identity.key` when the secret is shorter than ``minimumLength``.
    public init(secret: String) throws(ConfigurationError) {
        guard secret.utf8.count >= Self.minimumLength else {
            throw ConfigurationError(
                key: Self.configurationKey,
                reason: "must be at least \(Self.minimumLength) characters (e.g. `openssl rand -hex 32`)"
            )
        }
        key = SymmetricKey(data: Array(secret.utf8))
    }

    /// Reads the required key from configuration.
    /// - Throws: ``ConfigurationError`` naming `rpc.identity.key` when it is missing or too short.
    public init(_ configuration: ServiceConfiguration) throws(ConfigurationError) {
        try self.init(secret: try configuration.required(Self.configurationKey))
    }
}

/// The caller identity in RPC headers, signed by the gateway and checked by every service.
///
/// The signature is HMAC-SHA256 over the operation and the raw values of ``signedHeaders`` (each marked present or
/// absent, length-prefixed, so no two header sets share a signed text). Any broker client can publish to a
/// service's RPC queue; without the key it cannot name a caller, and a captured request cannot be re-aimed at
/// another operation, given another role or deadline, or replayed after its expiry. See ADR 0005.
public enum SignedIdentity {
    /// The headers the signature covers: the identity, its expiry and the request's deadline.
    public static let signedHeaders = [
        CallerIdentity.Header.userID,
        CallerIdentity.Header.role,
        CallerIdentity.Header.region,
        CallerIdentity.Header.team,
        RPC.Header.identityExpires,
        RPC.Header.deadline,
    ]

    /// Why a request's identity is refused.
    public enum Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        /// No signature or no expiry header.
        case unsigned
        /// The signature does not match the headers, the operation or the key.
        case badSignature
        /// The expiry has passed.
        case expired
        /// The signature is valid but the user id or role is missing or unknown.
        case malformedIdentity

        public var description: String {
            switch self {
            case .unsigned: "unsigned caller identity"
            case .badSignature: "bad caller identity signature"
            case .expired: "expired caller identity"
            case .malformedIdentity: "malformed caller identity"
            }
        }
    }

    /// Adds the expiry and the signature to `headers`, which already hold the identity (and deadline, if any).
    /// - Parameters:
    ///   - headers: the request headers; gains ``Contracts/RPC/Header/identityExpires`` and
    ///     ``Contracts/RPC/Header/identitySignature``.
    ///   - operation: the operation the request calls.
    ///   - expires: when a service stops accepting the identity.
    ///   - key: the shared key.
    public static func sign(_ headers: inout [String: String], operation: String, expires: Date, key: RPCIdentityKey) {
        headers[RPC.Header.identityExpires] = String(Int64((expires.timeIntervalSince1970 * 1000).rounded(.up)))
        let code = HMAC<SHA256>.authenticationCode(for: signedText(headers, operation: operation), using: key.key)
        headers[RPC.Header.identitySignature] = Data(code).base64EncodedString()
    }

    /// Checks the signature and expiry of a request's identity and returns the identity.
    /// - Parameters:
    ///   - headers: the request headers.
    ///   - operation: the operation the request calls (its AMQP `type`).
    ///   - now: the current time.
    ///   - key: the shared key.
    /// - Throws: ``Refusal`` when the identity is unsigned, badly signed, expired or malformed.
    public static func verify(
        _ headers: [String: String],
        operation: String,
        now: Date = Date(),
        key: RPCIdentityKey
    ) throws(Refusal) -> CallerIdentity {
        guard let signature = headers[RPC.Header.identitySignature], let expires = headers[RPC.Header.identityExpires] else {
            throw .unsigned
        }
        guard let code = Data(base64Encoded: signature),
            HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: signedText(headers, operation: operation), using: key.key)
        else { throw .badSignature }
        // Only a signed expiry is read, so its value is the gateway's.
        guard let expiresMS = Int64(expires), Double(expiresMS) / 1000 > now.timeIntervalSince1970 else { throw .expired }
        guard let identity = CallerIdentity(headers: headers) else { throw .malformedIdentity }
        return identity
    }

    /// The text the HMAC covers.
    static func signedText(_ headers: [String: String], operation: String) -> Data {
        var text = Data("salesdesk-rpc-identity-v1".utf8)
        func append(_ field: String?) {
            guard let field else {
                text.append(contentsOf: Array("-;".utf8))
                return
            }
            text.append(contentsOf: Array("\(field.utf8.count):".utf8))
            text.append(contentsOf: Array(field.utf8))
            text.append(contentsOf: Array(";".utf8))
        }
        append(operation)
        for name in signedHeaders { append(headers[name]) }
        return text
    }
}
