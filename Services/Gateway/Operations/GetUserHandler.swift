import Contracts
import PostgresNIO

/// `GET /api/v1/users/{id}`: one user, active or not.
struct GetUserHandler: Sendable {
    let postgres: PostgresClient
    let store: IdentityStore

    func callAsFunction(id: RecordID) async throws -> User {
        guard let user = try await postgres.withConnection({ try await store.users.find(id: id, on: $0) }) else {
            throw Problem.notFound("No user \(id).")
        }
        return user
    }
}
