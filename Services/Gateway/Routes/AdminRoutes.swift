import Contracts
import Foundation
import Hummingbird
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `/api/v1/users` and `/api/v1/regions`: the admin API. Every change to a user publishes `user.created`,
/// `user.updated` or `user.deactivated` through the outbox, in the transaction that makes it, and is audited.
struct AdminRoutes: Sendable {
    let postgres: PostgresClient
    let repository: IdentityRepository
    let hasher: PasswordHasher
    let logger: Logger

    struct NewUser: Decodable {
        var username: String
        var displayName: String
        var password: String
        var role: String
        var region: String?
        var supervisorId: String?
        var mobile: String?
        var wecomUserId: String?
    }

    struct NewRegion: Decodable {
        var code: String
        var name: String
    }

    func add(to group: RouterGroup<GatewayRequestContext>) {
        group.post("users") { request, context in try await createUser(request, context: context) }
        group.get("users") { request, context in try await listUsers(request, context: context) }
        group.get("users/:id") { _, context in
            _ = try context.requireAdmin()
            let id = try userID(context)
            guard let user = try await postgres.withConnection({ try await repository.user(id: id, on: $0) }) else {
                throw Problem.notFound("No user \(id).")
            }
            return try JSONBodies.response(user)
        }
        group.patch("users/:id") { request, context in try await updateUser(request, context: context) }
        group.post("users/:id/deactivate") { request, context in try await deactivateUser(request, context: context) }
        group.post("regions") { request, context in try await createRegion(request, context: context) }
        group.get("regions") { _, context in
            _ = try context.requireAdmin()
            let regions = try await postgres.withConnection { try await repository.regions(on: $0) }
            return try JSONBodies.response(Page(items: regions, nextCursor: nil))
        }
    }

    private func userID(_ context: GatewayRequestContext) throws(Problem) -> UUID {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else {
            throw Problem.notFound("No such user.")
        }
        return id
    }

    /// Runs a write once per `Idempotency-Key` (see ``IdempotentReplies``), inside one transaction.
    private func idempotently(
        _ operation: String,
        request: Request,
        body: [UInt8],
        identity: CallerIdentity,
        write: @escaping @Sendable (PostgresConnection) async throws -> RPCResponse
    ) async throws -> Response {
        var headers: [String: String] = [:]
        if let key = request.headers[.idempotencyKey] { headers[RPC.Header.idempotencyKey] = key }
        let rpcRequest = RPCRequest(operation: operation, body: body, identity: identity, headers: headers)
        let reply = try await postgres.withTransaction(logger: logger) { connection in
            try await IdempotentReplies.run(rpcRequest, on: connection, logger: logger) { try await write(connection) }
        }
        return JSONBodies.response(reply)
    }

    /// Checks that a region exists and a supervisor exists and is active; adds field errors otherwise.
    private func checkReferences(
        region: String?,
        supervisorId: UUID?,
        on connection: PostgresConnection,
        into errors: inout [Problem.FieldError]
    ) async throws {
        if let region, errors.allSatisfy({ $0.field != "region" }), try await !repository.regionExists(region, on: connection) {
            errors.append(.init(field: "region", message: "no region '\(region)'; create it with POST /api/v1/regions"))
        }
        if let supervisorId {
            let supervisor = try await repository.user(id: supervisorId, on: connection)
            if supervisor?.active != true {
                errors.append(.init(field: "supervisorId", message: "must be an existing, active user"))
            }
        }
    }

    private func parseSupervisor(_ text: String?, into errors: inout [Problem.FieldError]) -> UUID? {
        guard let text else { return nil }
        guard let id = UUID(uuidString: text) else {
            errors.append(.init(field: "supervisorId", message: "must be a user id (UUID)"))
            return nil
        }
        return id
    }

    func createUser(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let identity = try context.requireAdmin()
        let body = try await JSONBodies.bytes(of: request)
        let input = try JSONBodies.decode(NewUser.self, from: body)
        var errors: [Problem.FieldError] = []
        UserRules.checkUsername(input.username, into: &errors)
        UserRules.checkDisplayName(input.displayName, into: &errors)
        UserRules.checkPassword(input.password, into: &errors)
        UserRules.checkMobile(input.mobile, into: &errors)
        UserRules.checkWecomUserId(input.wecomUserId, into: &errors)
        let role = UserRules.checkRole(input.role, into: &errors)
        if let region = input.region { UserRules.checkRegionCode(region, into: &errors) }
        if let role, UserRules.needsRegion(role), input.region == nil {
            errors.append(.init(field: "region", message: "is required for the role \(role.rawValue)"))
        }
        let supervisorId = parseSupervisor(input.supervisorId, into: &errors)
        guard errors.isEmpty, let role else { throw Problem.validation(errors) }
        let passwordHash = try await hasher.hash(input.password)
        let now = Date()
        let user = User(
            id: UUID(),
            username: input.username,
            displayName: input.displayName.trimmingCharacters(in: .whitespacesAndNewlines),
            role: role,
            region: input.region,
            supervisorId: supervisorId,
            mobile: input.mobile,
            wecomUserId: input.wecomUserId,
            active: true,
            version: 1,
            createdAt: now,
            updatedAt: now
        )
        let repository = self.repository
        let logger = self.logger
        return try await idempotently("gateway.users.create", request: request, body: body, identity: identity) { connection in
            var errors: [Problem.FieldError] = []
            try await checkReferences(region: user.region, supervisorId: user.supervisorId, on: connection, into: &errors)
            guard errors.isEmpty else { throw Problem.validation(errors) }
            // The unique index is the real guard against a race; this check gives the common case a clear 409.
            if try await repository.usernameTaken(user.username, on: connection) {
                throw Problem.conflict("The username '\(user.username)' is taken.")
            }
            try await repository.insert(user, passwordHash: passwordHash, on: connection)
            try await repository.audit(
                actor: UUID(uuidString: identity.userID),
                action: "user.create",
                subject: user.snapshot.id,
                changes: try JSONValue(encoding: user),
                on: connection
            )
            let event = try EventEnvelope(
                UserCreated(user: user.snapshot),
                source: GatewayService.name,
                subject: user.snapshot.id,
                sequence: user.version,
                traceparent: request.headers[.traceparent]
            )
            try await Outbox.append(event, on: connection, logger: logger)
            return try .json(user, status: 201)
        }
    }

    func listUsers(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        _ = try context.requireAdmin()
        let query = request.uri.queryParameters
        let limitText = query["limit"].map(String.init) ?? "50"
        guard let limit = Int(limitText), (1...200).contains(limit) else {
            throw Problem.validation([.init(field: "limit", message: "must be a whole number from 1 to 200")])
        }
        let cursor = query["cursor"].map(String.init)
        let users = try await postgres.withConnection { connection in
            try await repository.list(after: cursor, limit: limit + 1, on: connection)
        }
        let page = Array(users.prefix(limit))
        let next = users.count > limit ? page.last?.username.lowercased() : nil
        return try JSONBodies.response(Page(items: page, nextCursor: next))
    }

    func updateUser(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let identity = try context.requireAdmin()
        let id = try userID(context)
        let body = try await JSONBodies.bytes(of: request)
        guard case .object(let patch) = try JSONBodies.decode(JSONValue.self, from: body) else {
            throw Problem.badRequest("The body must be a JSON object.")
        }
        let allowed: Set = ["username", "displayName", "password", "role", "region", "supervisorId", "mobile", "wecomUserId", "version"]
        var errors = patch.keys.filter { !allowed.contains($0) }.sorted().map {
            Problem.FieldError(field: $0, message: "cannot be changed here (deactivate with POST /api/v1/users/{id}/deactivate)")
        }
        func text(_ field: String, nullable: Bool) -> String?? {
            switch patch[field] {
            case nil: return .none
            case .null?:
                if !nullable { errors.append(.init(field: field, message: "cannot be null")) }
                return .some(nil)
            case .string(let value)?: return .some(value)
            default:
                errors.append(.init(field: field, message: "must be a string"))
                return .none
            }
        }
        let username = text("username", nullable: false)
        let displayName = text("displayName", nullable: false)
        let password = text("password", nullable: false)
        let roleName = text("role", nullable: false)
        let region = text("region", nullable: true)
        let supervisorText = text("supervisorId", nullable: true)
        let mobile = text("mobile", nullable: true)
        let wecomUserId = text("wecomUserId", nullable: true)
        let expectedVersion: Int64? = if case .number(let number)? = patch["version"] { Int64(exactly: number) } else { nil }
        if let value = username ?? nil { UserRules.checkUsername(value, into: &errors) }
        if let value = displayName ?? nil { UserRules.checkDisplayName(value, into: &errors) }
        if let value = password ?? nil { UserRules.checkPassword(value, into: &errors) }
        if let value = mobile ?? nil { UserRules.checkMobile(value, into: &errors) }
        if let value = wecomUserId ?? nil { UserRules.checkWecomUserId(value, into: &errors) }
        if let value = region ?? nil { UserRules.checkRegionCode(value, into: &errors) }
        let role = (roleName ?? nil).flatMap { UserRules.checkRole($0, into: &errors) }
        let supervisor: UUID?? = supervisorText.map { parseSupervisor($0, into: &errors) }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        let passwordHash = try await (password ?? nil).asyncMap { try await hasher.hash($0) }
        let repository = self.repository
        let logger = self.logger
        let errorsSoFar = errors

        return try await idempotently("gateway.users.update", request: request, body: body, identity: identity) { connection in
            guard var user = try await repository.user(id: id, on: connection, forUpdate: true) else {
                throw Problem.notFound("No user \(id).")
            }
            if let expectedVersion, expectedVersion != user.version {
                throw Problem.conflict("The user is at version \(user.version), not \(expectedVersion); reload and retry.")
            }
            let before = user
            if let value = username ?? nil { user.username = value }
            if let value = displayName ?? nil { user.displayName = value.trimmingCharacters(in: .whitespacesAndNewlines) }
            if let role { user.role = role }
            if let region { user.region = region }
            if let supervisor { user.supervisorId = supervisor }
            if let mobile { user.mobile = mobile }
            if let wecomUserId { user.wecomUserId = wecomUserId }

            var errors = errorsSoFar
            if UserRules.needsRegion(user.role), user.region == nil {
                errors.append(.init(field: "region", message: "is required for the role \(user.role.rawValue)"))
            }
            try await checkReferences(
                region: user.region == before.region ? nil : user.region,
                supervisorId: user.supervisorId == before.supervisorId ? nil : user.supervisorId,
                on: connection,
                into: &errors
            )
            if let supervisorId = user.supervisorId, supervisorId != before.supervisorId {
                let loops = try await repository.isBelow(supervisorId, user: id, on: connection)
                if supervisorId == id || loops {
                    errors.append(.init(field: "supervisorId", message: "would make the reporting line a loop"))
                }
            }
            guard errors.isEmpty else { throw Problem.validation(errors) }
            if user.username.lowercased() != before.username.lowercased(),
                try await repository.usernameTaken(user.username, except: id, on: connection)
            {
                throw Problem.conflict("The username '\(user.username)' is taken.")
            }

            let changed = Self.changedFields(before, user)
            if !changed.isEmpty {
                user.version += 1
                user.updatedAt = Date()
            }
            guard !changed.isEmpty || passwordHash != nil else { return try .json(user) }
            try await repository.update(user, passwordHash: passwordHash, on: connection)
            if passwordHash != nil {
                // A new password ends the sessions the old one opened.
                try await repository.revokeRefreshTokens(userID: id, on: connection)
            }
            try await repository.audit(
                actor: UUID(uuidString: identity.userID),
                action: "user.update",
                subject: user.snapshot.id,
                changes: .object([
                    "fields": .array((changed + (passwordHash == nil ? [] : ["password"])).map(JSONValue.string)),
                    "before": try JSONValue(encoding: before),
                    "after": try JSONValue(encoding: user),
                ]),
                on: connection
            )
            if !changed.isEmpty {
                let event = try EventEnvelope(
                    UserUpdated(user: user.snapshot, changedFields: changed),
                    source: GatewayService.name,
                    subject: user.snapshot.id,
                    sequence: user.version,
                    traceparent: request.headers[.traceparent]
                )
                try await Outbox.append(event, on: connection, logger: logger)
            }
            return try .json(user)
        }
    }

    /// The snapshot fields that differ, by their API names.
    static func changedFields(_ before: User, _ after: User) -> [String] {
        var fields: [String] = []
        if before.username != after.username { fields.append("username") }
        if before.displayName != after.displayName { fields.append("displayName") }
        if before.role != after.role { fields.append("role") }
        if before.region != after.region { fields.append("region") }
        if before.supervisorId != after.supervisorId { fields.append("supervisorId") }
        if before.mobile != after.mobile { fields.append("mobile") }
        if before.wecomUserId != after.wecomUserId { fields.append("wecomUserId") }
        return fields
    }

    func deactivateUser(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let identity = try context.requireAdmin()
        let id = try userID(context)
        guard identity.userID != id.uuidString.lowercased() else {
            throw Problem.conflict("An admin cannot deactivate themselves; ask another admin.")
        }
        let repository = self.repository
        let logger = self.logger
        return try await idempotently("gateway.users.deactivate", request: request, body: [], identity: identity) { connection in
            guard var user = try await repository.user(id: id, on: connection, forUpdate: true) else {
                throw Problem.notFound("No user \(id).")
            }
            guard user.active else { return try .json(user) }
            user.active = false
            user.version += 1
            user.updatedAt = Date()
            try await repository.update(user, passwordHash: nil, on: connection)
            try await repository.revokeRefreshTokens(userID: id, on: connection)
            try await repository.audit(
                actor: UUID(uuidString: identity.userID),
                action: "user.deactivate",
                subject: user.snapshot.id,
                changes: .object([:]),
                on: connection
            )
            let event = try EventEnvelope(
                UserDeactivated(user: user.snapshot),
                source: GatewayService.name,
                subject: user.snapshot.id,
                sequence: user.version,
                traceparent: request.headers[.traceparent]
            )
            try await Outbox.append(event, on: connection, logger: logger)
            return try .json(user)
        }
    }

    func createRegion(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let identity = try context.requireAdmin()
        let body = try await JSONBodies.bytes(of: request)
        let input = try JSONBodies.decode(NewRegion.self, from: body)
        var errors: [Problem.FieldError] = []
        UserRules.checkRegionCode(input.code, field: "code", into: &errors)
        let name = input.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.count > 100 { errors.append(.init(field: "name", message: "must be 1–100 characters")) }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        let region = Region(code: input.code, name: name, createdAt: Date())
        let repository = self.repository
        return try await idempotently("gateway.regions.create", request: request, body: body, identity: identity) { connection in
            guard try await repository.insert(region, on: connection) else {
                throw Problem.conflict("The region '\(region.code)' exists.")
            }
            try await repository.audit(
                actor: UUID(uuidString: identity.userID),
                action: "region.create",
                subject: "region:\(region.code)",
                changes: try JSONValue(encoding: region),
                on: connection
            )
            return try .json(region, status: 201)
        }
    }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
