import Contracts
import Logging
import PostgresNIO

/// `visit.checked_in` and `visit.checked_out`: both carry the whole visit, so both log the event and upsert the
/// visit projection; the inbox skips a redelivery, and an older `sequence` than the one kept changes nothing.
struct VisitEventsHandler: Sendable {
    let log: ReportingRepository
    let projections: VisitReportsRepository

    func checkedIn(_ event: VisitCheckedIn, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await log.record(envelope, on: connection)
        try await projections.upsert(event.visit, sequence: envelope.sequence, on: connection)
    }

    func checkedOut(_ event: VisitCheckedOut, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await log.record(envelope, on: connection)
        try await projections.upsert(event.visit, sequence: envelope.sequence, on: connection)
    }
}
