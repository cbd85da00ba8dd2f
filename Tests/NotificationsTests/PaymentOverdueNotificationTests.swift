import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Notifications

/// `payment.overdue` → the owner's in-app notification and WeCom push; from 16 days on their supervisor's too.
@Suite("Payment overdue notifications")
struct PaymentOverdueNotificationTests {
    static func event(threshold: Int, days: Int) -> PaymentOverdue {
        PaymentOverdue(
            installmentID: "3f0c6a4e-1111-4a5b-9c1d-2e3f4a5b6c7d",
            party: ContractParty(
                contractID: "ct-1",
                dealID: "deal-1",
                customerID: "c-1",
                customerName: "宁波精工",
                ownerID: "rep-1",
                region: "east-china"
            ),
            label: "发货款",
            dueOn: "2026-11-14",
            outstandingFen: 6_000_000,
            daysOverdue: days,
            thresholdDays: threshold,
            at: ISO8601DateFormatter().date(from: "2026-11-30T01:00:00Z")!,
            contractNumber: "HT-2026-000123",
            sequence: 2
        )
    }

    static func harness(_ body: @escaping @Sendable (RPCHarness) async throws -> Void) async throws {
        try await RPCHarness.with(
            "notifications",
            migrationsDirectory: NotificationsService.migrationsDirectory,
            router: { NotificationsService.rpcRouter(postgres: $0, logger: $1) },
            events: { NotificationsService.eventHandlers(wecomConfigured: true, logger: $0) },
            { notifications in
                try await Org.seed(notifications)
                try await body(notifications)
            }
        )
    }

    static func inbox(_ notifications: RPCHarness, _ user: String) async throws -> [InAppNotification] {
        try await notifications.call(Operation.Notifications.list, as: Org.identity(user)).decode(ListPage<InAppNotification>.self).items
    }

    static func deliveries(_ notifications: RPCHarness) async throws -> [String: WeComMessage] {
        let rows = try await notifications.client.query(
            "SELECT recipient, channel, status, payload::text FROM deliveries ORDER BY recipient",
            logger: notifications.logger
        )
        var messages: [String: WeComMessage] = [:]
        for try await (recipient, channel, status, payload) in rows.decode((String, String, String, String).self) {
            #expect(channel == "wecom" && status == "pending")
            messages[recipient] = try JSONCoding.decoder.decode(WeComMessage.self, from: Data(payload.utf8))
        }
        return messages
    }

    @Test("one day late: the owner alone hears of it, in the app and on WeCom; a redelivery or a replay adds nothing")
    func ownerAtFirstThreshold() async throws {
        try await Self.harness { notifications in
            let envelope = try await notifications.deliver(
                Self.event(threshold: 1, days: 3),
                subject: "3f0c6a4e-1111-4a5b-9c1d-2e3f4a5b6c7d",
                sequence: 1
            )
            try await notifications.deliver(envelope)
            try await notifications.replay(envelope)

            let inbox = try await Self.inbox(notifications, "rep-1")
            #expect(inbox.count == 1)
            let item = try #require(inbox.first)
            #expect(item.kind == "payment_overdue" && item.title == "回款逾期")
            #expect(item.body == "回款逾期：宁波精工 合同 HT-2026-000123 第2期 发货款 ¥60,000.00 已逾期 3 天")
            #expect(try await Self.inbox(notifications, "sup-1").isEmpty)
            let pushes = try await Self.deliveries(notifications)
            #expect(Set(pushes.keys) == ["rep-1"])
            let push = try #require(pushes["rep-1"])
            #expect(push.msgtype == "text" && push.text?.mentionedMobileList == ["13800000001"])
            for part in ["回款逾期", "宁波精工", "HT-2026-000123", "第2期 发货款", "2026-11-14", "¥60,000.00", "3 天", "张伟"] {
                #expect(push.content.contains(part), "\(part) in \(push.content)")
            }
            #expect(try await notifications.count("notifications") == 1)
            #expect(try await notifications.count("deliveries") == 1)
        }
    }

    @Test("more than 15 days late: the owner and their supervisor from the org chart, each once")
    func supervisorAtSixteenDays() async throws {
        try await Self.harness { notifications in
            let envelope = try await notifications.deliver(
                Self.event(threshold: 16, days: 16),
                subject: "3f0c6a4e-1111-4a5b-9c1d-2e3f4a5b6c7d",
                sequence: 16
            )
            try await notifications.replay(envelope)

            let owner = try await Self.inbox(notifications, "rep-1")
            #expect(owner.map(\.title) == ["回款逾期超过 15 天"])
            #expect(owner.first?.body == "回款逾期：宁波精工 合同 HT-2026-000123 第2期 发货款 ¥60,000.00 已逾期 16 天")
            let supervisor = try await Self.inbox(notifications, "sup-1")
            #expect(supervisor.map(\.body) == ["回款逾期：宁波精工 合同 HT-2026-000123 第2期 发货款 ¥60,000.00 已逾期 16 天（负责人 张伟）"])
            #expect(try await Self.inbox(notifications, "rm-east").isEmpty)
            let pushes = try await Self.deliveries(notifications)
            #expect(Set(pushes.keys) == ["rep-1", "sup-1"])
            let push = try #require(pushes["sup-1"])
            #expect(push.text?.mentionedMobileList == ["13800000002"])
            #expect(push.content.contains("负责人：张伟") && push.content.contains("周主管"))
            #expect(try await notifications.count("notifications") == 2)
            #expect(try await notifications.count("deliveries") == 2)
        }
    }
}
