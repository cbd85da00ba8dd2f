import Contracts
import Logging
import PostgresNIO

/// `approval.completed` → the approval's outcome and duration in working days (as `approvals` computed them with its
/// holiday table, so reporting never disagrees with it).
struct ApprovalCompletedHandler: Sendable {
    let log: ReportingRepository
    let projections: SalesReportsRepository

    func callAsFunction(_ event: ApprovalCompleted, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await log.record(envelope, on: connection)
        try await projections.upsertApproval(event, sequence: envelope.sequence, on: connection)
    }
}
