import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `gateway.users.deactivate` (`POST /api/v1/users/{id}/deactivate`): the user can no longer log in, their sessions
/// end, and `user.deactivated` is published. Deactivating an inactive user changes nothing.
struct DeactivateUserHandler: Sendable {
    let postgres: PostgresClient
    let store: IdentityStore
    let logger: Logger

    func callAsFunction(id: RecordID, _ request: WriteRequest) async throws -> RPCResponse {
        guard request.caller.userID != id.description else {
            throw Problem.conflict("An admin cannot deactivate themselves; ask another admin.")
        }
        return try await request.once("gateway.users.deactivate", postgres: postgres, logger: logger) { [store] connection in
            guard var user = try await store.users.find(id: id, on: connection, forUpdate: true) else {
                throw Problem.notFound("No user \(id).")
            }
            guard user.active else { return try .json(user) }
            user.active = false
            user.version += 1
            user.updatedAt = Date()
            try await store.users.update(user, passwordHash: nil, on: connection)
            try await store.sessions.revoke(userID: id, on: connection)
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
