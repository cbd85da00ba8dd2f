public import Contracts
import Foundation
public import Logging
public import PostgresNIO
import ServiceRuntime

/// The account rescues an operator runs from the command line (`salesdesk-admin create-admin | reset-password |
/// unlock`, issue 13), with the same rules, audit and events as the API's user operations, for when nobody can log in.
///
/// Each runs in one transaction on a client whose `search_path` is the gateway's schema; the audit trail records a
/// `nil` actor with `"via": "salesdesk-admin"`.
public struct OperatorAccounts: Sendable {
    private let postgres: PostgresClient
    private let store: IdentityStore
    private let hasher: PasswordHasher
    private let logger: Logger

    /// Creates the rescues.
    /// - Parameters:
    ///   - postgres: a running client on the gateway's schema.
    ///   - bcryptCost: the cost of new password hashes (10 in production, as the gateway's `auth.bcrypt.cost`).
    ///   - logger: where the writes log.
    public init(postgres: PostgresClient, bcryptCost: UInt8 = 10, logger: Logger) {
        self.postgres = postgres
        self.store = IdentityStore(logger: logger)
        self.hasher = PasswordHasher(cost: bcryptCost)
        self.logger = logger
    }

    /// Creates an active admin and publishes `user.created`.
    /// - Returns: the new user's id.
    /// - Throws: ``Contracts/Problem`` (422) for a bad username or password, 409 when the username is taken.
    public func createAdmin(username: String, password: String, displayName: String) async throws -> RecordID {
        var errors: [Problem.FieldError] = []
        UserRules.checkUsername(username, into: &errors)
        UserRules.checkDisplayName(displayName, into: &errors)
        UserRules.checkPassword(password, into: &errors)
        if !errors.isEmpty { throw Problem.validation(errors) }
        let hash = try await hasher.hash(password)
        let now = Date()
        let admin = User(
            id: RecordID(),
            username: username,
            displayName: displayName,
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
        try await postgres.withTransaction(logger: logger) { [store] connection in
            guard try await !store.users.usernameTaken(username, on: connection) else {
                throw Problem.conflict("The username \(username) is taken.")
            }
            try await store.users.insert(admin, passwordHash: hash, on: connection)
            try await store.audit.record(
                actor: nil,
                action: "user.create",
                subject: admin.id.description,
                changes: .object(["role": .string("admin"), "via": .string("salesdesk-admin")]),
                on: connection
            )
            try await store.publish(UserCreated(user: admin.snapshot), about: admin, traceparent: nil, on: connection)
        }
        return admin.id
    }

    /// Sets a user's password, ends the sessions the old one opened and forgets the failed logins against the
    /// username (someone who forgot a password has usually locked it too).
    /// - Throws: ``Contracts/Problem`` 404 for an unknown username, 422 for a bad password.
    public func resetPassword(username: String, password: String) async throws {
        var errors: [Problem.FieldError] = []
        UserRules.checkPassword(password, into: &errors)
        if !errors.isEmpty { throw Problem.validation(errors) }
        let hash = try await hasher.hash(password)
        try await postgres.withTransaction(logger: logger) { [store] connection in
            var user = try await user(named: username, on: connection)
            user.updatedAt = Date()
            try await store.users.update(user, passwordHash: hash, on: connection)
            try await store.sessions.revoke(userID: user.id, reason: .password, on: connection)
            let cleared = try await store.loginFailures.clear(username: user.username, on: connection)
            try await store.audit.record(
                actor: nil,
                action: "user.update",
                subject: user.id.description,
                changes: .object([
                    "fields": .array([.string("password")]),
                    "failuresCleared": .number(Double(cleared)),
                    "via": .string("salesdesk-admin"),
                ]),
                on: connection
            )
        }
    }

    /// Forgets the failed logins counted against a username, so its lock ends at once (as `POST /users/{id}/unlock`).
    /// - Returns: how many failures were forgotten.
    /// - Throws: ``Contracts/Problem`` 404 for an unknown username.
    public func unlock(username: String) async throws -> Int {
        try await postgres.withTransaction(logger: logger) { [store] connection in
            let user = try await user(named: username, on: connection)
            let cleared = try await store.loginFailures.clear(username: user.username, on: connection)
            try await store.audit.record(
                actor: nil,
                action: "user.unlock",
                subject: user.id.description,
                changes: .object(["failuresCleared": .number(Double(cleared)), "via": .string("salesdesk-admin")]),
                on: connection
            )
            return cleared
        }
    }

    private func user(named username: String, on connection: PostgresConnection) async throws -> User {
        let rows = try await connection.query("SELECT id FROM users WHERE lower(username) = lower(\(username))", logger: logger)
        var id: RecordID?
        for try await value in rows.decode(RecordID.self) { id = value }
        guard let id, let user = try await store.users.find(id: id, on: connection, forUpdate: true) else {
            throw Problem.notFound("No user \(username).")
        }
        return user
    }
}
