import Contracts
import Logging
import Persistence
import PostgresNIO

/// The gateway's repositories, one per aggregate, built once and shared by the handlers.
struct IdentityStore: Sendable {
    let users: UserRepository
    let regions: RegionRepository
    let sessions: SessionRepository
    let loginFailures: LoginFailureRepository
    let audit: AuditRepository
    /// The callers the auth middleware read, forgotten when users change (``CallerCache``).
    let callers: CallerCache
    let logger: Logger

    init(logger: Logger) {
        users = UserRepository(logger: logger)
        regions = RegionRepository(logger: logger)
        sessions = SessionRepository(logger: logger)
        loginFailures = LoginFailureRepository(logger: logger)
        audit = AuditRepository(logger: logger)
        callers = CallerCache()
        self.logger = logger
    }
}

extension IdentityStore {
    /// Puts an event about a user in the outbox, on the caller's transaction; the user's version is its sequence.
    func publish(_ event: some DomainEvent, about user: User, traceparent: String?, on connection: PostgresConnection) async throws {
        let envelope = try EventEnvelope(
            event,
            source: GatewayService.name,
            subject: user.id.description,
            sequence: user.version,
            traceparent: traceparent
        )
        try await Outbox.append(envelope, on: connection, logger: logger)
    }

    /// Adds field errors when a region does not exist or a supervisor is not an existing, active user.
    func checkReferences(
        region: String?,
        supervisorId: RecordID?,
        on connection: PostgresConnection,
        into errors: inout [Problem.FieldError]
    ) async throws {
        if let region, errors.allSatisfy({ $0.field != "region" }), try await !regions.exists(region, on: connection) {
            errors.append(.init(field: "region", message: "no region '\(region)'; create it with POST /api/v1/regions"))
        }
        if let supervisorId {
            let supervisor = try await users.find(id: supervisorId, on: connection)
            if supervisor?.active != true {
                errors.append(.init(field: "supervisorId", message: "must be an existing, active user"))
            }
        }
    }
}
