import Contracts
import Logging
import PostgresNIO

/// `approval.completed` of a contract → the approval's outcome and duration in working days (as `approvals` computed
/// them with its holiday table, so reporting never disagrees with it).
struct ApprovalCompletedHandler: Sendable {
    let log: ReportingRepository
    let projections: SalesReportsRepository

    func callAsFunction(_ event: ApprovalCompleted, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await log.record(envelope, on: connection)
        // Approval time is the contracts' KPI (issue 12: 5.2 days → 2) and links to contracts: an expense claim's or a
        // discount's approval (ADR 0011) is logged but not counted in it.
        guard (event.subjectType ?? .contract) == .contract else { return }
        try await projections.upsertApproval(event, sequence: envelope.sequence, on: connection)
    }
}
