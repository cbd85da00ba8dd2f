import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `gateway.users.reactivate` (`POST /api/v1/users/{id}/reactivate`): a deactivated user can log in again. Publishes
/// `user.updated` with `active` among the changed fields, which every replica already applies (upsert-if-newer), so
/// no consumer needs a new event type. Reactivating an active user changes nothing. Audited.
struct ReactivateUserHandler: Sendable {
    let postgres: PostgresClient
    let store: IdentityStore
    let logger: Logger

    func callAsFunction(id: RecordID, _ request: WriteRequest) async throws -> RPCResponse {
        // This replica forgets its callers once the change has committed; the others on its NOTIFY (CallerCache).
        defer { store.callers.forgetAll() }
        return try await request.once("gateway.users.reactivate", record: id, postgres: postgres, logger: logger) { [store] connection in
            guard var user = try await store.users.find(id: id, on: connection, forUpdate: true) else {
                throw Problem.notFound("No user \(id).")
            }
            guard !user.active else { return try .json(user) }
            user.active = true
            user.version += 1
            user.updatedAt = Date()
            try await store.users.update(user, passwordHash: nil, on: connection)
            try await store.audit.record(
                actor: request.actor,
                action: "user.reactivate",
                subject: user.id.description,
                changes: .object([:]),
                on: connection
            )
            let event = UserUpdated(user: user.snapshot, changedFields: ["active"])
            try await store.publish(event, about: user, traceparent: request.traceparent, on: connection)
            return try .json(user)
        }
    }
}
