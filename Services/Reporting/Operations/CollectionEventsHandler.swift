import Contracts
import Logging
import PostgresNIO

/// The collection events of signed contracts (issue 11) → the payment plans, receipts, reversals and write-offs the
/// true margin reads. Each is also kept in the event log, so replay rebuilds them. Each rewrites the contract's
/// per-line money in the same transaction (issue 14: the daily aggregates of the true margin follow by trigger).
struct CollectionEventsHandler: Sendable {
    let log: ReportingRepository
    let collections: CollectionsRepository

    func planChanged(_ event: PaymentPlanChanged, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await log.record(envelope, on: connection)
        try await collections.applyPlan(event, sequence: envelope.sequence, on: connection)
        try await collections.recomputeMoney(of: event.party.contractID, on: connection)
    }

    func receiptRecorded(_ event: ReceiptRecorded, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await log.record(envelope, on: connection)
        try await collections.recordReceipt(event, on: connection)
        try await collections.recomputeMoney(of: event.party.contractID, on: connection)
    }

    func receiptReversed(_ event: ReceiptReversed, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await log.record(envelope, on: connection)
        try await collections.recordReversal(event, on: connection)
        try await collections.recomputeMoney(of: event.party.contractID, on: connection)
    }

    func writtenOff(_ event: InstallmentWrittenOff, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await log.record(envelope, on: connection)
        try await collections.recordWriteOff(event, on: connection)
        try await collections.recomputeMoney(of: event.party.contractID, on: connection)
    }
}
