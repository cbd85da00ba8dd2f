import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `gateway.users.update` (`PATCH /api/v1/users/{id}`): an admin changes a user's fields (see ``UserPatch``).
///
/// A change bumps the version and publishes `user.updated` naming the changed fields; a new password alone changes
/// no snapshot field, so it publishes nothing, but it ends the sessions the old password opened. Either is audited.
/// The last active admin cannot be demoted (409).
struct UpdateUserHandler: Sendable {
    let postgres: PostgresClient
    let store: IdentityStore
    let hasher: PasswordHasher
    let logger: Logger

    func callAsFunction(id: RecordID, _ patch: UserPatch, _ request: WriteRequest) async throws -> RPCResponse {
        // This replica forgets its callers once the change has committed; the others on its NOTIFY (CallerCache).
        defer { store.callers.forgetAll() }
        let passwordHash: String?
        if let password = patch.password {
            passwordHash = try await hasher.hash(password)
        } else {
            passwordHash = nil
        }
        return try await request.once("gateway.users.update", record: id, postgres: postgres, logger: logger) { [store] connection in
            // Only a demotion needs the admins locked; taking them before the user's row keeps one lock order.
            let admins = patch.role.map { $0 != .admin } == true ? try await store.users.lockActiveAdmins(on: connection) : []
            guard let before = try await store.users.find(id: id, on: connection, forUpdate: true) else {
                throw Problem.notFound("No user \(id).")
            }
            if let expected = patch.version, expected != before.version {
                throw Problem.conflict("The user is at version \(before.version), not \(expected); reload and retry.")
            }
            var user = patch.applied(to: before)
            if before.role == .admin, user.role != .admin, admins == [id] {
                throw Problem.conflict("\(before.username) is the last active admin; make another user an admin first.")
            }

            var errors: [Problem.FieldError] = []
            if UserRules.needsRegion(user.role), user.region == nil {
                errors.append(.init(field: "region", message: "is required for the role \(user.role.rawValue)"))
            }
            try await store.checkReferences(
                region: user.region == before.region ? nil : user.region,
                supervisorId: user.supervisorId == before.supervisorId ? nil : user.supervisorId,
                on: connection,
                into: &errors
            )
            if let supervisorId = user.supervisorId, supervisorId != before.supervisorId {
                let loops = try await store.users.isBelow(supervisorId, user: id, on: connection)
                if supervisorId == id || loops {
                    errors.append(.init(field: "supervisorId", message: "would make the reporting line a loop"))
                }
            }
            guard errors.isEmpty else { throw Problem.validation(errors) }
            if user.username.lowercased() != before.username.lowercased(),
                try await store.users.usernameTaken(user.username, except: id, on: connection)
            {
                throw Problem.conflict("The username '\(user.username)' is taken.")
            }

            let changed = User.changedFields(before, user)
            if !changed.isEmpty {
                user.version += 1
                user.updatedAt = Date()
            }
            guard !changed.isEmpty || passwordHash != nil else { return try .json(user) }
            try await store.users.update(user, passwordHash: passwordHash, on: connection)
            if passwordHash != nil {
                // A new password ends the sessions the old one opened.
                try await store.sessions.revoke(userID: id, reason: .password, on: connection)
            }
            try await store.audit.record(
                actor: request.actor,
                action: "user.update",
                subject: user.id.description,
                changes: .object([
                    "fields": .array((changed + (passwordHash == nil ? [] : ["password"])).map(JSONValue.string)),
                    "before": try JSONValue(encoding: before),
                    "after": try JSONValue(encoding: user),
                ]),
                on: connection
            )
            if !changed.isEmpty {
                let event = UserUpdated(user: user.snapshot, changedFields: changed)
                try await store.publish(event, about: user, traceparent: request.traceparent, on: connection)
            }
            return try .json(user)
        }
    }
}
