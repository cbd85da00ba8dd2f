import Contracts
import PostgresNIO

/// `GET /api/v1/me`: the caller's own user.
struct MeHandler: Sendable {
    let postgres: PostgresClient
    let store: IdentityStore

    func callAsFunction(caller: CallerIdentity) async throws -> User {
        guard let id = RecordID(caller.userID),
            let user = try await postgres.withConnection({ try await store.users.find(id: id, on: $0) })
        else {
            throw Problem.unauthorized("The account behind this token no longer exists.")
        }
        return user
    }
}
