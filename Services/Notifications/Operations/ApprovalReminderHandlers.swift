import Contracts
import Foundation
import Logging
import PostgresNIO

/// `approval.step_reminded` → the approver's in-app notification and a WeCom push (kind `approval_reminder`, not
/// urgent: it waits for working hours); `approval.step_escalated` → the same for the manager who was told (kind
/// `approval_escalated`, urgent: it passes quiet hours, see ``PushPolicy``) and for the approver.
///
/// Like every handler here they only record the pushes in the consumer's inbox transaction; the unique (event, user)
/// and (event, channel, recipient) keys make a redelivery or a replay add nothing.
struct ApprovalReminderHandlers: Sendable {
    let repository: NotificationRepository
    /// Whether a webhook is configured; without one, pushes are recorded as `skipped`.
    let wecomConfigured: Bool

    static let reminderKind = "approval_reminder"
    static let escalatedKind = "approval_escalated"

    func stepReminded(_ event: ApprovalStepReminded, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        let message = WeComMessage.stepReminded(event)
        try await repository.addNotification(
            userID: event.approverID,
            eventID: envelope.id,
            kind: Self.reminderKind,
            title: "催办：合同 \(event.contractNumber) 仍待您审批（第 \(event.reminder) 次提醒）",
            body: message.content,
            approvalID: event.approvalID,
            at: event.remindedAt,
            on: connection
        )
        try await repository.addDelivery(
            eventID: envelope.id,
            channel: ApprovalNotificationsHandler.channel,
            recipient: event.approverID,
            message: message,
            skipped: !wecomConfigured,
            kind: Self.reminderKind,
            at: event.remindedAt,
            on: connection
        )
    }

    func stepEscalated(_ event: ApprovalStepEscalated, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        var recipients: [(id: String, message: WeComMessage, title: String)] = []
        if let managerID = event.managerID {
            let title =
                event.reassigned
                ? "升级：合同 \(event.contractNumber) 超时未批，已转交您审批"
                : "升级：\(event.approverName ?? event.approverID) 的合同 \(event.contractNumber) 审批已超时"
            recipients.append((managerID, WeComMessage.stepEscalated(event, toManager: true), title))
        }
        let approverTitle: String
        if let manager = event.managerName ?? event.managerID {
            approverTitle =
                event.reassigned
                ? "合同 \(event.contractNumber) 审批超时，已转交 \(manager)" : "合同 \(event.contractNumber) 审批已超时，已通知 \(manager)"
        } else {
            approverTitle = "合同 \(event.contractNumber) 审批已超时"
        }
        if event.approverID != event.managerID {
            recipients.append((event.approverID, WeComMessage.stepEscalated(event, toManager: false), approverTitle))
        }
        for recipient in recipients {
            try await repository.addNotification(
                userID: recipient.id,
                eventID: envelope.id,
                kind: Self.escalatedKind,
                title: recipient.title,
                body: recipient.message.content,
                approvalID: event.approvalID,
                at: event.escalatedAt,
                on: connection
            )
            try await repository.addDelivery(
                eventID: envelope.id,
                channel: ApprovalNotificationsHandler.channel,
                recipient: recipient.id,
                message: recipient.message,
                skipped: !wecomConfigured,
                kind: Self.escalatedKind,
                at: event.escalatedAt,
                on: connection
            )
        }
    }
}

extension WeComMessage {
    /// The message reminding an approver of a step still waiting for them.
    static func stepReminded(_ event: ApprovalStepReminded) -> WeComMessage {
        WeComMessage(
            title: "合同审批催办",
            lines: [
                ("合同", event.contractNumber),
                ("客户", event.customerName),
                ("金额", "¥\(CNY.format(event.amountFen))"),
                ("步骤", "\(event.step + 1)/\(event.stepCount)"),
                ("提醒", "第 \(event.reminder)/\(event.maxReminders) 次"),
                ("期限", localMinute(event.dueAt)),
            ],
            closing: "请 \(neutralized(event.approverName ?? event.approverID)) 尽快审批。",
            mobile: event.approverMobile
        )
    }

    /// The message telling the manager (`toManager`) or the approver that a step passed its SLA.
    static func stepEscalated(_ event: ApprovalStepEscalated, toManager: Bool) -> WeComMessage {
        let approver = neutralized(event.approverName ?? event.approverID)
        let manager = neutralized(event.managerName ?? event.managerID ?? "上级")
        let closing: String
        if event.managerID == nil {
            closing = "已超时，请 \(approver) 尽快审批。"
        } else if toManager {
            closing = event.reassigned ? "已从 \(approver) 转交 \(manager) 审批。" : "请 \(manager) 督促 \(approver) 审批。"
        } else {
            closing = event.reassigned ? "已超时，转交 \(manager) 审批。" : "已超时，已通知 \(manager)；请 \(approver) 尽快审批。"
        }
        return WeComMessage(
            title: "合同审批超时升级",
            lines: [
                ("合同", event.contractNumber),
                ("客户", event.customerName),
                ("金额", "¥\(CNY.format(event.amountFen))"),
                ("步骤", "\(event.step + 1)/\(event.stepCount)"),
                ("审批人", approver),
                ("时限", "\(daysText(event.slaWorkingDays)) 个工作日"),
            ],
            closing: closing,
            mobile: toManager ? event.managerMobile : nil
        )
    }

    /// `2026-09-28 14:30`, Asia/Shanghai.
    static func localMinute(_ instant: Date) -> String {
        let parts = BusinessCalendar.calendar.dateComponents([.hour, .minute], from: instant)
        let two = { (value: Int?) in String(format: "%02d", value ?? 0) }
        return "\(BusinessCalendar.day(of: instant)) \(two(parts.hour)):\(two(parts.minute))"
    }

    /// `1`, `0.5`: whole days without a decimal point.
    static func daysText(_ days: Double) -> String {
        days == days.rounded() ? String(Int(days)) : String(format: "%.1f", days)
    }
}
