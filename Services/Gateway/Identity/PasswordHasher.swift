import HummingbirdBcrypt
import NIOPosix

/// bcrypt hashing and checking, run on NIO's blocking thread pool: one hash at cost 10 takes ~50–100 ms of CPU,
/// which would stall every other request on an event loop or the cooperative pool.
struct PasswordHasher: Sendable {
    /// The bcrypt cost factor (10 in production; tests lower it to stay fast).
    let cost: UInt8
    /// A hash of a fixed password at ``cost``, checked when the username is unknown so a miss costs as long as a
    /// wrong password and timing does not reveal which usernames exist. bcrypt's work follows the cost stored in
    /// the hash, so the decoy must have the real one.
    let decoyHash: String

    /// Hashes the decoy once, at start (one hash's time).
    init(cost: UInt8) {
        self.cost = cost
        decoyHash = Bcrypt.hash("salesdesk-decoy-password", cost: cost)
    }

    func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, hash: String?) async throws -> Bool {
        let stored = hash ?? decoyHash
        let matches = try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: stored) }
        return hash != nil && matches
    }
}
