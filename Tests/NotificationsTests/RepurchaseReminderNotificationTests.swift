import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Notifications

/// `repurchase.reminder` (issue 11) → the owner's in-app notification and a WeCom push @-mentioning them; a redelivery
/// adds nothing.
@Suite("Re-purchase reminder notifications")
struct RepurchaseReminderNotificationTests {
    @Test("an overdue re-purchase and a renewal each reach the customer's owner in the app and on WeCom, once")
    func ownerIsTold() async throws {
        try await RPCHarness.with(
            "notifications",
            migrationsDirectory: NotificationsService.migrationsDirectory,
            router: { NotificationsService.rpcRouter(postgres: $0, logger: $1) },
            events: { NotificationsService.eventHandlers(wecomConfigured: true, logger: $0) },
            { notifications in
                try await Org.seed(notifications)
                let occurrence = Date(timeIntervalSince1970: 1_795_914_000)
                let overdue = try EventEnvelope(
                    RepurchaseReminder(
                        kind: .overdue,
                        customerID: "k-a",
                        customerName: "宁波精工",
                        ownerID: "rep-1",
                        region: "east-china",
                        productLine: "M8 bolts",
                        expectedOn: "2026-12-02",
                        lastPurchaseOn: "2026-11-01",
                        medianGapDays: 31,
                        occurrence: occurrence
                    ),
                    source: "reporting",
                    subject: "k-a/M8 bolts/2026-12-02/overdue",
                    sequence: 1
                )
                let renewal = try EventEnvelope(
                    RepurchaseReminder(
                        kind: .renewal,
                        customerID: "k-c",
                        customerName: "杭州液压",
                        ownerID: "rep-1",
                        region: "east-china",
                        productLine: "液压泵",
                        expectedOn: "2026-11-30",
                        lastPurchaseOn: "2025-12-01",
                        medianGapDays: nil,
                        contractID: "r1",
                        contractNumber: "HT-2025-000001",
                        occurrence: occurrence
                    ),
                    source: "reporting",
                    subject: "k-c/液压泵/2026-11-30/renewal",
                    sequence: 1
                )
                for envelope in [overdue, overdue, renewal, renewal] { try await notifications.deliver(envelope) }

                let inbox = try await notifications.call(Operation.Notifications.list, as: Org.identity("rep-1")).decode(
                    ListPage<InAppNotification>.self
                )
                #expect(Set(inbox.items.map(\.title)) == ["复购逾期：宁波精工 · M8 bolts", "续约提醒：杭州液压 · 液压泵"])
                #expect(inbox.items.allSatisfy { $0.kind == "repurchase_reminder" })
                #expect(inbox.items.contains { $0.body == "合同 HT-2025-000001 将于 2026-11-30 到期，请联系续约" })
                #expect(
                    try await notifications.call(Operation.Notifications.list, as: Org.identity("rep-2")).decode(ListPage<InAppNotification>.self)
                        .items.isEmpty
                )
                let rows = try await notifications.client.query(
                    "SELECT recipient, channel, payload::text FROM deliveries WHERE event_id = \(overdue.id)",
                    logger: notifications.logger
                )
                var pushes: [(String, String, String)] = []
                for try await row in rows.decode((String, String, String).self) { pushes.append(row) }
                #expect(pushes.count == 1)
                let push = try #require(pushes.first)
                #expect(push.0 == "rep-1" && push.1 == "wecom")
                let message = try JSONCoding.decoder.decode(WeComMessage.self, from: Data(push.2.utf8))
                #expect(message.text?.mentionedMobileList == ["13800000001"])
                for part in ["复购逾期", "宁波精工", "M8 bolts", "2026-12-02", "2026-11-01", "31 天", "张伟"] {
                    #expect(message.content.contains(part), "\(part) in \(message.content)")
                }
                #expect(try await notifications.count("notifications") == 2)
                #expect(try await notifications.count("deliveries") == 2)
            }
        )
    }
}
