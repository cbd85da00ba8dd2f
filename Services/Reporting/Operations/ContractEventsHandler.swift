import Contracts
import Logging
import PostgresNIO

/// `contract.signed` → the signed contracts and their lines (revenue, cost, owner, region, signing time);
/// `contract.submitted` → the contract's owner and region, which scope the approval-time report.
struct ContractEventsHandler: Sendable {
    let log: ReportingRepository
    let projections: SalesReportsRepository
    let collections: CollectionsRepository

    func signed(_ event: ContractSigned, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await log.record(envelope, on: connection)
        try await projections.insertSignedContract(event, on: connection)
        // The lines start all open (a trigger); money events that came before the contract count now (issue 14).
        try await collections.recomputeMoney(of: event.contractID, on: connection)
    }

    func submitted(_ event: ContractSubmitted, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await log.record(envelope, on: connection)
        try await projections.upsertSubmission(event, sequence: envelope.sequence, on: connection)
    }
}
