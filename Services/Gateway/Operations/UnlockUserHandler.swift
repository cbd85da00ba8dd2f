import Contracts
import Logging
import PostgresNIO
import ServiceRuntime

/// `gateway.users.unlock` (`POST /api/v1/users/{id}/unlock`): forgets the failed logins counted against the user's
/// username, from every address, so the lock on the username ends at once (ADR 0003). An address over its own limit
/// stays locked: that lock is the address's, not the user's. Audited with the number of failures forgotten.
struct UnlockUserHandler: Sendable {
    let postgres: PostgresClient
    let store: IdentityStore
    let logger: Logger

    func callAsFunction(id: RecordID, _ request: WriteRequest) async throws -> RPCResponse {
        try await request.once("gateway.users.unlock", record: id, postgres: postgres, logger: logger) { [store] connection in
            guard let user = try await store.users.find(id: id, on: connection) else {
                throw Problem.notFound("No user \(id).")
            }
            let cleared = try await store.loginFailures.clear(username: user.username, on: connection)
            try await store.audit.record(
                actor: request.actor,
                action: "user.unlock",
                subject: user.id.description,
                changes: .object(["failuresCleared": .number(Double(cleared))]),
                on: connection
            )
            return try .json(user)
        }
    }
}
