import Contracts
import Foundation
import Logging
import PostgresNIO

/// `completeness.weekly_digest` → for each manager in it, an in-app notification (kind `completeness_digest`) and a
/// WeCom push @-mentioning them, naming their three reps with the lowest data completeness.
///
/// Like the approval pushes, the push is only recorded here (a `deliveries` row, sent by ``DeliveryService``), in the
/// consumer's inbox transaction; the unique (event, user) and (event, channel, recipient) keys make a replay add
/// nothing.
struct CompletenessDigestHandler: Sendable {
    let repository: NotificationRepository
    /// Whether a webhook is configured; without one, pushes are recorded as `skipped`.
    let wecomConfigured: Bool

    static let kind = "completeness_digest"

    func callAsFunction(_ event: CompletenessWeeklyDigest, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws
    {
        for manager in event.managers where !manager.reps.isEmpty {
            let contact = try await repository.contact(id: manager.managerID, on: connection)
            let message = WeComMessage.completenessDigest(manager, targetBp: event.targetBp, manager: contact)
            try await repository.addNotification(
                userID: manager.managerID,
                eventID: envelope.id,
                kind: Self.kind,
                title: WeComMessage.completenessDigestTitle(manager),
                body: WeComMessage.completenessDigestLine(manager, targetBp: event.targetBp),
                approvalID: nil,
                at: event.occurrence,
                on: connection
            )
            try await repository.addDelivery(
                eventID: envelope.id,
                channel: ApprovalNotificationsHandler.channel,
                recipient: manager.managerID,
                message: message,
                skipped: !wecomConfigured,
                kind: Self.kind,
                at: event.occurrence,
                on: connection
            )
        }
    }
}

extension WeComMessage {
    /// `本周数据完整率最低的 3 位销售`.
    static func completenessDigestTitle(_ digest: CompletenessWeeklyDigest.ManagerDigest) -> String {
        "本周数据完整率最低的 \(digest.reps.count) 位销售"
    }

    /// `本周数据完整率最低的 3 位销售: 张三 72.50%, 李四 80.00%, 王五 91.25%（目标 95.00%）`.
    static func completenessDigestLine(_ digest: CompletenessWeeklyDigest.ManagerDigest, targetBp: Int64) -> String {
        let reps = digest.reps.map { "\($0.repName) \(Ratio.percentText(basisPoints: $0.averageBp))%" }.joined(separator: ", ")
        return "\(completenessDigestTitle(digest)): \(reps)（目标 \(Ratio.percentText(basisPoints: targetBp))%）"
    }

    /// The push telling a manager which of their reps keep the least complete customer records.
    static func completenessDigest(_ digest: CompletenessWeeklyDigest.ManagerDigest, targetBp: Int64, manager: Contact?) -> WeComMessage {
        WeComMessage(
            title: completenessDigestTitle(digest),
            lines: digest.reps.enumerated().map { index, rep in
                ("\(index + 1). \(neutralized(rep.repName))", "\(Ratio.percentText(basisPoints: rep.averageBp))%（\(rep.customers) 个客户）")
            },
            closing: "目标 \(Ratio.percentText(basisPoints: targetBp))%。请 \(neutralized(manager?.displayName ?? digest.managerID)) 关注。",
            mobile: manager?.mobile
        )
    }
}
