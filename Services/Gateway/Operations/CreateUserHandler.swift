import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `gateway.users.create` (`POST /api/v1/users`): an admin adds a user. The user, the audit line and `user.created`
/// are written in one transaction.
struct CreateUserHandler: Sendable {
    let postgres: PostgresClient
    let store: IdentityStore
    let hasher: PasswordHasher
    let logger: Logger

    func callAsFunction(_ input: NewUser, _ request: WriteRequest) async throws -> RPCResponse {
        // This replica forgets its callers once the change has committed; the others on its NOTIFY (CallerCache).
        defer { store.callers.forgetAll() }
        let user = try UserRules.user(from: input, id: RecordID(), at: Date())
        // Hash outside the transaction: bcrypt is slow.
        let passwordHash = try await hasher.hash(input.password)
        return try await request.once("gateway.users.create", postgres: postgres, logger: logger) { [store] connection in
            var errors: [Problem.FieldError] = []
            try await store.checkReferences(region: user.region, supervisorId: user.supervisorId, on: connection, into: &errors)
            guard errors.isEmpty else { throw Problem.validation(errors) }
            // The unique index is the real guard against a race; this check gives the common case a clear 409.
            if try await store.users.usernameTaken(user.username, on: connection) {
                throw Problem.conflict("The username '\(user.username)' is taken.")
            }
            try await store.users.insert(user, passwordHash: passwordHash, on: connection)
            try await store.audit.record(
                actor: request.actor,
                action: "user.create",
                subject: user.id.description,
                changes: try JSONValue(encoding: user),
                on: connection
            )
            try await store.publish(UserCreated(user: user.snapshot), about: user, traceparent: request.traceparent, on: connection)
            return try .json(user, status: 201)
        }
    }
}
