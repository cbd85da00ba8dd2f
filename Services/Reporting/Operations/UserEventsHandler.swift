import Contracts
import Logging
import PostgresNIO

/// `user.created`, `user.updated`, `user.deactivated` → the user projection (display names, role, region, reporting
/// line). Each carries the whole user, so all upsert; the `sequence` (the user's version) makes a late one a no-op.
struct UserEventsHandler: Sendable {
    let log: ReportingRepository
    let projections: SalesReportsRepository

    func created(_ event: UserCreated, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await log.record(envelope, on: connection)
        try await projections.upsertUser(event.user, sequence: envelope.sequence, on: connection)
    }

    func updated(_ event: UserUpdated, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await log.record(envelope, on: connection)
        try await projections.upsertUser(event.user, sequence: envelope.sequence, on: connection)
    }

    func deactivated(_ event: UserDeactivated, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await log.record(envelope, on: connection)
        var user = event.user
        // The event's meaning wins over a snapshot that might still say active; a departed rep keeps their figures.
        user.active = false
        try await projections.upsertUser(user, sequence: envelope.sequence, on: connection)
    }
}
