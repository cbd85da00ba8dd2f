import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Notifications

/// `approval.step_reminded` → the approver (kind `approval_reminder`, waits for working hours);
/// `approval.step_escalated` → the manager told and the approver (kind `approval_escalated`, urgent).
@Suite("Approval reminder and escalation notifications")
struct ApprovalReminderNotificationTests {
    static let approvalID = "7c1d2e3f-2222-4a5b-9c1d-2e3f4a5b6c7d"
    static let evening = ISO8601DateFormatter().date(from: "2026-09-28T10:00:00Z")!  // 18:00 Asia/Shanghai, after hours

    static func harness(_ body: @escaping @Sendable (RPCHarness) async throws -> Void) async throws {
        try await RPCHarness.with(
            "notifications",
            migrationsDirectory: NotificationsService.migrationsDirectory,
            router: { NotificationsService.rpcRouter(postgres: $0, logger: $1) },
            events: { NotificationsService.eventHandlers(wecomConfigured: true, timing: PushTiming(quietHours: true), logger: $0) },
            { notifications in
                try await Org.seed(notifications)
                try await body(notifications)
            }
        )
    }

    static func inbox(_ notifications: RPCHarness, _ user: String) async throws -> [InAppNotification] {
        try await notifications.call(Operation.Notifications.list, as: Org.identity(user)).decode(ListPage<InAppNotification>.self).items
    }

    /// recipient → (kind, urgent, held until, message).
    static func deliveries(_ notifications: RPCHarness) async throws -> [String: (String, Bool, Date?, WeComMessage)] {
        let rows = try await notifications.client.query(
            "SELECT recipient, kind, urgent, held_until, payload::text FROM deliveries",
            logger: notifications.logger
        )
        var found: [String: (String, Bool, Date?, WeComMessage)] = [:]
        for try await (recipient, kind, urgent, held, payload) in rows.decode((String, String, Bool, Date?, String).self) {
            found[recipient] = (kind, urgent, held, try JSONCoding.decoder.decode(WeComMessage.self, from: Data(payload.utf8)))
        }
        return found
    }

    @Test("a reminder reaches the approver in the app and on WeCom, the push waiting for the next working morning; once")
    func reminder() async throws {
        try await Self.harness { notifications in
            let event = ApprovalStepReminded(
                approvalID: Self.approvalID,
                contractID: "ct-1",
                contractNumber: "HT-2026-000777",
                customerName: "宁波精工",
                amountFen: 3_000_000,
                step: 0,
                stepCount: 1,
                approverID: "sup-1",
                approverName: "周主管",
                approverMobile: "13800000002",
                assignedAt: Self.evening.addingTimeInterval(-3 * 86_400),
                reminder: 2,
                maxReminders: 3,
                dueAt: Self.evening,
                remindedAt: Self.evening
            )
            let envelope = try await notifications.deliver(event, subject: Self.approvalID, sequence: 4)
            try await notifications.replay(envelope)
            let inbox = try await Self.inbox(notifications, "sup-1")
            #expect(inbox.map(\.kind) == ["approval_reminder"])
            #expect(inbox.first?.title == "催办：合同 HT-2026-000777 仍待您审批（第 2 次提醒）")
            #expect(inbox.first?.approvalID == Self.approvalID)
            let pushes = try await Self.deliveries(notifications)
            #expect(Set(pushes.keys) == ["sup-1"])
            let (kind, urgent, held, message) = try #require(pushes["sup-1"])
            #expect(kind == "approval_reminder" && !urgent)
            // 18:00 Monday → Tuesday 09:00 Asia/Shanghai.
            #expect(held == ISO8601DateFormatter().date(from: "2026-09-29T01:00:00Z"))
            for part in ["催办", "HT-2026-000777", "宁波精工", "¥30,000.00", "第 2/3 次", "2026-09-28 18:00", "周主管"] {
                #expect(message.content.contains(part), "\(part) in \(message.content)")
            }
        }
    }

    @Test("an escalation reaches the manager at once (urgent) and the approver, each in the app and on WeCom")
    func escalation() async throws {
        try await Self.harness { notifications in
            let event = ApprovalStepEscalated(
                approvalID: Self.approvalID,
                contractID: "ct-1",
                contractNumber: "HT-2026-000777",
                customerName: "宁波精工",
                amountFen: 3_000_000,
                step: 0,
                stepCount: 1,
                approverID: "sup-1",
                approverName: "周主管",
                managerID: "rm-east",
                managerName: "吴经理",
                managerMobile: nil,
                reassigned: true,
                assignedAt: Self.evening.addingTimeInterval(-3 * 86_400),
                slaWorkingDays: 1,
                escalatedAt: Self.evening
            )
            let envelope = try await notifications.deliver(event, subject: Self.approvalID, sequence: 5)
            try await notifications.deliver(envelope)
            let manager = try await Self.inbox(notifications, "rm-east")
            #expect(manager.map(\.kind) == ["approval_escalated"])
            #expect(manager.first?.title == "升级：合同 HT-2026-000777 超时未批，已转交您审批")
            let approver = try await Self.inbox(notifications, "sup-1")
            #expect(approver.map(\.title) == ["合同 HT-2026-000777 审批超时，已转交 吴经理"])
            let pushes = try await Self.deliveries(notifications)
            #expect(Set(pushes.keys) == ["rm-east", "sup-1"])
            for recipient in ["rm-east", "sup-1"] {
                let (kind, urgent, held, message) = try #require(pushes[recipient])
                #expect(kind == "approval_escalated" && urgent && held == nil)
                #expect(message.content.contains("超时升级") && message.content.contains("1 个工作日"), "\(message.content)")
            }
            #expect(try #require(pushes["rm-east"]).3.content.contains("已从 周主管 转交 吴经理 审批"))
            #expect(try await notifications.count("notifications") == 2)
        }
    }
}
