import Contracts
import Logging
import PostgresNIO

/// `deal.stage_changed` → the deal (owner, region, creation time) and the set of stages it reached, for the funnel.
/// The stages form a set, so the order in which changes arrive does not matter.
struct DealStageChangedHandler: Sendable {
    let log: ReportingRepository
    let projections: SalesReportsRepository

    func callAsFunction(_ event: DealStageChanged, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await log.record(envelope, on: connection)
        try await projections.applyStageChange(event, sequence: envelope.sequence, on: connection)
    }
}
