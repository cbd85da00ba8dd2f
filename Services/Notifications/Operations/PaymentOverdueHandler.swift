import Contracts
import Foundation
import Logging
import PostgresNIO

/// `payment.overdue` → an in-app notification (kind `payment_overdue`) and a WeCom push for the contract's owner and,
/// once the installment is more than 15 days late (threshold 16), for the owner's supervisor as the org replica knows
/// them.
///
/// deals publishes the event once per installment per threshold; here the unique (event, user) and
/// (event, channel, recipient) keys make a redelivery or a replay add nothing.
struct PaymentOverdueHandler: Sendable {
    let repository: NotificationRepository
    /// Whether a webhook is configured; without one, pushes are recorded as `skipped`.
    let wecomConfigured: Bool

    static let kind = "payment_overdue"
    /// From this many days late the supervisor hears of it too.
    static let supervisorThreshold = 16

    func callAsFunction(_ event: PaymentOverdue, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await DigestRepository(logger: logger).overdue(event, on: connection)
        let owner = try await repository.contact(id: event.party.ownerID, on: connection)
        var recipients = [event.party.ownerID]
        if event.thresholdDays >= Self.supervisorThreshold,
            let supervisor = try await repository.supervisor(of: event.party.ownerID, on: connection),
            supervisor != event.party.ownerID
        {
            recipients.append(supervisor)
        }
        for recipient in recipients {
            let isOwner = recipient == event.party.ownerID
            let contact = isOwner ? owner : (try await repository.contact(id: recipient, on: connection))
            // The supervisor's message names whose installment it is.
            let ownerName: String? = isOwner ? nil : owner?.displayName ?? event.party.ownerID
            try await repository.addNotification(
                userID: recipient,
                eventID: envelope.id,
                kind: Self.kind,
                title: WeComMessage.paymentOverdueTitle(event),
                body: WeComMessage.paymentOverdueLine(event, ownerName: ownerName),
                approvalID: nil,
                at: event.at,
                on: connection
            )
            try await repository.addDelivery(
                eventID: envelope.id,
                channel: ApprovalNotificationsHandler.channel,
                recipient: recipient,
                message: WeComMessage.paymentOverdue(event, ownerName: ownerName, recipient: contact),
                skipped: !wecomConfigured,
                kind: Self.kind,
                at: event.at,
                region: event.party.region,
                daysOverdue: event.daysOverdue,
                on: connection
            )
        }
    }
}

extension WeComMessage {
    /// `回款逾期`, or `回款逾期超过 15 天` from the supervisor's threshold on.
    static func paymentOverdueTitle(_ event: PaymentOverdue) -> String {
        event.thresholdDays >= PaymentOverdueHandler.supervisorThreshold ? "回款逾期超过 15 天" : "回款逾期"
    }

    /// `回款逾期：宁波精工 合同 HT-2026-0001 第2期 发货款 ¥60,000.00 已逾期 16 天`, naming the owner for their supervisor
    /// (`（负责人 张伟）`).
    static func paymentOverdueLine(_ event: PaymentOverdue, ownerName: String?) -> String {
        var parts = ["回款逾期：\(event.party.customerName)"]
        if let number = event.contractNumber { parts.append("合同 \(number)") }
        if let sequence = event.sequence { parts.append("第\(sequence)期") }
        parts.append(event.label)
        parts.append("¥\(CNY.format(event.outstandingFen)) 已逾期 \(event.daysOverdue) 天")
        let line = parts.joined(separator: " ")
        guard let ownerName else { return line }
        return line + "（负责人 \(ownerName)）"
    }

    /// The push telling the owner (or their supervisor) an installment is overdue.
    static func paymentOverdue(_ event: PaymentOverdue, ownerName: String?, recipient: Contact?) -> WeComMessage {
        var lines: [(String, String)] = [("客户", event.party.customerName)]
        if let number = event.contractNumber { lines.append(("合同", number)) }
        lines.append(("期次", event.sequence.map { "第\($0)期 \(event.label)" } ?? event.label))
        lines.append(("应收日期", event.dueOn))
        lines.append(("未回款", "¥\(CNY.format(event.outstandingFen))"))
        lines.append(("逾期", "\(event.daysOverdue) 天"))
        if let ownerName { lines.append(("负责人", ownerName)) }
        return WeComMessage(
            title: paymentOverdueTitle(event),
            lines: lines,
            closing: "请 \(neutralized(recipient?.displayName ?? event.party.ownerID)) 跟进回款。",
            mobile: recipient?.mobile
        )
    }
}
