import Contracts
import PostgresNIO
import ServiceRuntime

/// The user projection (display names, role, region, reporting line), kept from `user.*` events, which are also
/// logged. A departed rep keeps their figures: deactivation only clears the active flag.
struct UserProjectionReplica: UserReplicaStore {
    let log: ReportingRepository
    let projections: SalesReportsRepository

    func store(_ user: UserSnapshot, from envelope: EventEnvelope, on connection: PostgresConnection) async throws {
        try await log.record(envelope, on: connection)
        try await projections.upsertUser(user, sequence: envelope.sequence, on: connection)
    }
}
