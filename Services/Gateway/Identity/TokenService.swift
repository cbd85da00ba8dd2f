import Contracts
import Crypto
import Foundation
import JWTKit

/// The claims of an access token. The role and region are informative only: ``AuthMiddleware`` reloads the
/// user on every request, so a change or a deactivation applies at once.
struct AccessClaims: JWTPayload, Equatable {
    var sub: SubjectClaim
    var role: String
    var region: String?
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var jti: IDClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

/// Signs and verifies access tokens (HS256 JWTs) and makes refresh tokens.
struct TokenService: Sendable {
    /// How long an access token is valid.
    static let accessTokenLifetime: TimeInterval = 15 * 60
    /// How long a refresh token is valid; each use replaces it with a new one.
    static let refreshTokenLifetime: TimeInterval = 30 * 24 * 3600
    /// The shortest JWT secret accepted: HS256 with fewer than 32 bytes of key is brute-forceable.
    static let minimumSecretLength = 32

    // Adding a key to the collection is actor-isolated (async) while the gateway's parts are built synchronously:
    // the collection is prepared in a task that every use awaits.
    private let prepared: Task<JWTKeyCollection, Never>
    private var keys: JWTKeyCollection { get async { await prepared.value } }

    /// - Parameter secret: the HS256 key (`JWT_SECRET`), at least ``minimumSecretLength`` characters.
    init(secret: String) {
        prepared = Task {
            let keys = JWTKeyCollection()
            await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
            return keys
        }
    }

    /// A signed access token for the user.
    func accessToken(userID: String, role: Role, region: String?, now: Date = Date()) async throws -> String {
        let claims = AccessClaims(
            sub: .init(value: userID),
            role: role.rawValue,
            region: region,
            exp: .init(value: now.addingTimeInterval(Self.accessTokenLifetime)),
            iat: .init(value: now),
            jti: .init(value: UUID().uuidString)
        )
        return try await keys.sign(claims)
    }

    /// Signs arbitrary claims (tests forge expired or tampered tokens with it).
    func sign(_ claims: AccessClaims) async throws -> String {
        try await keys.sign(claims)
    }

    /// The claims of a token whose signature, algorithm and expiry check out; `nil` otherwise.
    ///
    /// The key collection holds only the HS256 key, so a token claiming `alg: none` or any other algorithm fails
    /// the signature check.
    func verify(_ token: String) async -> AccessClaims? {
        try? await keys.verify(token, as: AccessClaims.self)
    }

    /// A new refresh token: 32 random bytes, base64url.
    static func makeRefreshToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Base64URL.encode(bytes)
    }

    /// What the database stores for a refresh token: its SHA-256, hex.
    static func storedHash(ofRefreshToken token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
