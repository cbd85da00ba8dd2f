import Contracts
import Foundation
import Logging
import PostgresNIO

/// `approval.completed` → the contract's status: approved → approved, rejected → rejected, recalled → draft.
///
/// The consumer's inbox makes a redelivery a no-op; an outcome for a contract that is not pending (a late duplicate
/// from an earlier round, or an unknown contract) is logged and ignored, so delivery order cannot corrupt a contract.
struct ApprovalCompletedHandler: Sendable {
    let store: DealsStore

    func callAsFunction(_ event: ApprovalCompleted, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        // Subjects other than contracts (issue 12, ADR 0011); an absent subject type is a contract.
        switch event.subjectType ?? .contract {
        case .contract: break
        case .expenseClaim:
            try await ExpenseClaimHandlers.apply(event, claims: ExpenseClaimRepository(logger: logger), on: connection, logger: logger)
            return
        case .discount:
            try await Self.applyDiscount(event, discounts: store.discounts, on: connection, logger: logger)
            return
        }
        guard let id = RecordID(event.contractID), var contract = try await store.contracts.find(id: id, on: connection, forUpdate: true)
        else {
            logger.warning("approval outcome for an unknown contract, ignoring it", metadata: ["contract": "\(event.contractID)"])
            return
        }
        guard let status = ContractRules.status(after: event.outcome, from: contract.status) else {
            logger.info(
                "approval outcome for a contract that is not pending, ignoring it",
                metadata: ["contract": "\(event.contractID)", "status": "\(contract.status.rawValue)", "outcome": "\(event.outcome.rawValue)"]
            )
            return
        }
        contract.status = status
        contract.version += 1
        contract.decidedAt = event.completedAt
        contract.decisionComment = event.comment
        contract.updatedAt = Date()
        try await store.contracts.updateStatus(contract, on: connection)
    }

    /// `approval.completed` for a discount → the quote version's discount approval: approved, rejected or recalled. An
    /// outcome for a version that is not pending (a late duplicate, an unknown version) is logged and ignored.
    static func applyDiscount(
        _ event: ApprovalCompleted,
        discounts: DiscountRepository,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        let quoteID = event.subjectID ?? event.contractID
        guard let id = RecordID(quoteID), var discount = try await discounts.find(quoteID: id, on: connection, forUpdate: true) else {
            logger.warning("approval outcome for an unknown quote discount, ignoring it", metadata: ["quote": "\(quoteID)"])
            return
        }
        guard let status = DiscountRules.status(after: event.outcome, from: discount.status) else {
            logger.info(
                "approval outcome for a quote discount that is not pending, ignoring it",
                metadata: ["quote": "\(quoteID)", "status": "\(discount.status.rawValue)", "outcome": "\(event.outcome.rawValue)"]
            )
            return
        }
        discount.status = status
        discount.approvalID = event.approvalID
        discount.decidedAt = event.completedAt
        discount.decisionComment = event.comment
        discount.updatedAt = Date()
        try await discounts.updateStatus(discount, on: connection)
    }
}
