import Contracts
import Logging
import PostgresNIO

/// The approval-step events → the step projection of SLA analytics (issue 12): `approval.requested` gives the tier
/// (the roles of the steps), `approval.step_assigned` starts a holder's row (a reassignment ends the previous
/// holder's as moved), `approval.step_decided` ends the last holder's with the decision. Each is also logged, so replay
/// rebuilds the projection.
struct ApprovalStepEventsHandler: Sendable {
    let log: ReportingRepository
    let steps: ApprovalSLARepository

    func requested(_ event: ApprovalRequested, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await log.record(envelope, on: connection)
        try await steps.recordRequest(event, on: connection)
    }

    func assigned(_ event: ApprovalStepAssigned, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await log.record(envelope, on: connection)
        try await steps.recordAssignment(event, on: connection)
    }

    func decided(_ event: ApprovalStepDecided, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await log.record(envelope, on: connection)
        try await steps.recordDecision(event, on: connection)
    }
}
