import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `gateway.users.deactivate` (`POST /api/v1/users/{id}/deactivate`): the user can no longer log in, their sessions
/// end, and `user.deactivated` is published. Deactivating an inactive user changes nothing; the last active admin
/// cannot be deactivated (409), even by an admin whose own deactivation is committing at the same moment.
struct DeactivateUserHandler: Sendable {
    let postgres: PostgresClient
    let store: IdentityStore
    let logger: Logger

    func callAsFunction(id: RecordID, _ request: WriteRequest) async throws -> RPCResponse {
        // This replica forgets its callers once the change has committed; the others on its NOTIFY (CallerCache).
        defer { store.callers.forgetAll() }
        guard request.caller.userID != id.description else {
            throw Problem.conflict("An admin cannot deactivate themselves; ask another admin.")
        }
        return try await request.once("gateway.users.deactivate", record: id, postgres: postgres, logger: logger) { [store] connection in
            let admins = try await store.users.lockActiveAdmins(on: connection)
            guard var user = try await store.users.find(id: id, on: connection, forUpdate: true) else {
                throw Problem.notFound("No user \(id).")
            }
            guard user.active else { return try .json(user) }
            if admins == [id] {
                throw Problem.conflict("\(user.username) is the last active admin; make another user an admin first.")
            }
            user.active = false
            user.version += 1
            user.updatedAt = Date()
            try await store.users.update(user, passwordHash: nil, on: connection)
            try await store.sessions.revoke(userID: id, reason: .deactivated, on: connection)
            try await store.audit.record(
                actor: request.actor,
                action: "user.deactivate",
                subject: user.id.description,
                changes: .object([:]),
                on: connection
            )
            try await store.publish(UserDeactivated(user: user.snapshot), about: user, traceparent: request.traceparent, on: connection)
            return try .json(user)
        }
    }
}
