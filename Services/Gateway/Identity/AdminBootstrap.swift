import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import ServiceRuntime

/// Creates the first admin when the gateway starts on an empty user table, so a fresh install can be logged into.
///
/// Runs after migrations. Two gateway instances may start together: the check and the insert happen under a
/// transaction-scoped advisory lock, so exactly one creates `admin` and the other sees it.
struct AdminBootstrap: Service {
    /// The admin's username.
    static let username = "admin"

    let postgres: PostgresClient
    let store: IdentityStore
    let hasher: PasswordHasher
    /// `SALESDESK_ADMIN_PASSWORD`; may be `nil` only when users already exist.
    let password: String?
    let logger: Logger
    /// Raised once the check is done, so `/ready` does not answer 200 before `admin` can log in.
    var finished: StartupFlag?

    func run() async throws {
        try await createAdminIfNoUsers()
        finished?.raise()
        // Nothing more to do, but returning early would stop the service group: wait for shutdown.
        try? await gracefulShutdown()
    }

    /// - Returns: whether this call created the admin.
    @discardableResult
    func createAdminIfNoUsers() async throws -> Bool {
        let hasUsers = try await postgres.withConnection { try await store.users.count(on: $0) > 0 }
        if hasUsers { return false }
        guard let password else {
            throw ConfigurationError(
                key: "salesdesk.admin.password",
                reason: "is required on first start (no users exist yet); it becomes the password of the user 'admin'"
            )
        }
        // Hash outside the transaction: bcrypt is slow and the lock should be short.
        let hash = try await hasher.hash(password)
        let now = Date()
        let admin = User(
            id: RecordID(),
            username: Self.username,
            displayName: "Administrator",
            role: .admin,
            region: nil,
            supervisorId: nil,
            mobile: nil,
            wecomUserId: nil,
            active: true,
            version: 1,
            createdAt: now,
            updatedAt: now
        )
        let created = try await postgres.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.admin_bootstrap'))", logger: logger)
            guard try await store.users.count(on: connection) == 0 else { return false }
            try await store.users.insert(admin, passwordHash: hash, on: connection)
            try await store.audit.record(
                actor: nil,
                action: "user.bootstrap",
                subject: admin.id.description,
                changes: .object([:]),
                on: connection
            )
            try await store.publish(UserCreated(user: admin.snapshot), about: admin, traceparent: nil, on: connection)
            return true
        }
        if created { logger.notice("created the first admin user 'admin' from SALESDESK_ADMIN_PASSWORD") }
        return created
    }
}
