import Contracts
import Foundation
import Logging
import PostgresNIO

/// `repurchase.reminder` → the customer's owner gets an in-app notification (kind `repurchase_reminder`) and a WeCom
/// push @-mentioning them: the customer, the product line and the expected date (复购/续约提醒).
///
/// Like the other pushes, the push is only recorded here (a `deliveries` row, sent by ``DeliveryService``) in the
/// consumer's inbox transaction; the unique (event, user) and (event, channel, recipient) keys make a replay add nothing.
struct RepurchaseReminderHandler: Sendable {
    let repository: NotificationRepository
    /// Whether a webhook is configured; without one, pushes are recorded as `skipped`.
    let wecomConfigured: Bool

    static let kind = "repurchase_reminder"

    func callAsFunction(_ event: RepurchaseReminder, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        let owner = try await repository.contact(id: event.ownerID, on: connection)
        try await repository.addNotification(
            userID: event.ownerID,
            eventID: envelope.id,
            kind: Self.kind,
            title: WeComMessage.repurchaseTitle(event),
            body: WeComMessage.repurchaseLine(event),
            approvalID: nil,
            at: event.occurrence,
            on: connection
        )
        try await repository.addDelivery(
            eventID: envelope.id,
            channel: ApprovalNotificationsHandler.channel,
            recipient: event.ownerID,
            message: WeComMessage.repurchase(event, owner: owner),
            skipped: !wecomConfigured,
            kind: Self.kind,
            at: event.occurrence,
            region: event.region,
            on: connection
        )
    }
}

extension WeComMessage {
    /// `复购提醒：宁波精工 · M8 螺栓`, `复购逾期：…`, `续约提醒：…`.
    static func repurchaseTitle(_ event: RepurchaseReminder) -> String {
        let label: String
        switch event.kind {
        case .upcoming: label = "复购提醒"
        case .overdue: label = "复购逾期"
        case .renewal: label = "续约提醒"
        }
        return "\(label)：\(event.customerName) · \(event.productLine)"
    }

    /// One line for the in-app list.
    static func repurchaseLine(_ event: RepurchaseReminder) -> String {
        switch event.kind {
        case .upcoming:
            return "预计 \(event.expectedOn) 再次下单（通常每 \(event.medianGapDays ?? 0) 天一单，上次 \(event.lastPurchaseOn)）"
        case .overdue:
            return "预计 \(event.expectedOn) 的订单尚未到来，也没有进行中的商机（上次 \(event.lastPurchaseOn)）"
        case .renewal:
            return "合同 \(event.contractNumber ?? "") 将于 \(event.expectedOn) 到期，请联系续约"
        }
    }

    /// The push to the customer's owner.
    static func repurchase(_ event: RepurchaseReminder, owner: Contact?) -> WeComMessage {
        var lines: [(String, String)] = [("客户", event.customerName), ("产品线", event.productLine)]
        switch event.kind {
        case .upcoming, .overdue:
            lines.append(("预计下单", event.expectedOn))
            lines.append(("上次下单", event.lastPurchaseOn))
            if let gap = event.medianGapDays { lines.append(("通常间隔", "\(gap) 天")) }
        case .renewal:
            lines.append(("合同", event.contractNumber ?? ""))
            lines.append(("到期日", event.expectedOn))
        }
        return WeComMessage(
            title: neutralized(repurchaseTitle(event)),
            lines: lines,
            closing: "请 \(neutralized(owner?.displayName ?? event.ownerID)) 跟进。",
            mobile: owner?.mobile
        )
    }
}
