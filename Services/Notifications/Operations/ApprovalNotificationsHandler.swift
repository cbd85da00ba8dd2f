import Contracts
import Foundation
import Logging
import PostgresNIO

/// `approval.step_assigned` → the approver's in-app notification and a WeCom push; `approval.completed` → the same
/// for the submitter.
///
/// Both only *record* the push (a `deliveries` row) in the consumer's inbox transaction; ``DeliveryService`` sends it.
/// So a redelivered event (inbox) or a replayed one (unique event, channel, recipient) never pushes twice, and a
/// slow or failing WeCom never holds up the event queue.
struct ApprovalNotificationsHandler: Sendable {
    let repository: NotificationRepository
    /// Whether a webhook is configured; without one, pushes are recorded as `skipped`.
    let wecomConfigured: Bool

    static let channel = "wecom"

    func stepAssigned(_ event: ApprovalStepAssigned, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await repository.rememberApproval(event, on: connection)
        try await DigestRepository(logger: logger).stepAssigned(event, on: connection)
        let message = WeComMessage.stepAssigned(event)
        try await repository.addNotification(
            userID: event.approverID,
            eventID: envelope.id,
            kind: ApprovalStepAssigned.eventType,
            title: "\((event.subjectType ?? .contract).displayName) \(event.contractNumber) 待您审批（\(event.step + 1)/\(event.stepCount)）",
            body: message.content,
            approvalID: event.approvalID,
            at: event.assignedAt,
            on: connection
        )
        try await repository.addDelivery(
            eventID: envelope.id,
            channel: Self.channel,
            recipient: event.approverID,
            message: message,
            skipped: !wecomConfigured,
            kind: ApprovalStepAssigned.eventType,
            at: event.assignedAt,
            on: connection
        )
    }

    func completed(_ event: ApprovalCompleted, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await DigestRepository(logger: logger).completed(event, on: connection)
        let summary = try await repository.summary(approvalID: event.approvalID, on: connection)
        let submitter = try await repository.contact(id: event.submitterID, on: connection)
        let message = WeComMessage.completed(event, summary: summary, submitter: submitter)
        try await repository.addNotification(
            userID: event.submitterID,
            eventID: envelope.id,
            kind: ApprovalCompleted.eventType,
            title: "\((event.subjectType ?? .contract).displayName) \(event.contractNumber) 审批\(WeComMessage.outcomeText(event.outcome))",
            body: message.content,
            approvalID: event.approvalID,
            at: event.completedAt,
            on: connection
        )
        try await repository.addDelivery(
            eventID: envelope.id,
            channel: Self.channel,
            recipient: event.submitterID,
            message: message,
            skipped: !wecomConfigured,
            kind: ApprovalCompleted.eventType,
            at: event.completedAt,
            on: connection
        )
    }
}
