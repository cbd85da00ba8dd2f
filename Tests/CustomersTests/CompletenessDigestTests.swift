import Contracts
import Foundation
import Logging
import Notifications
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Customers

/// The Monday 09:00 (Asia/Shanghai) completeness digest, run with a controlled clock: customers publishes one
/// `completeness.weekly_digest` per occurrence, and notifications turns it into each manager's in-app notification and
/// WeCom push.
@Suite("Completeness weekly digest")
struct CompletenessDigestTests {
    /// 2026-11-30 is a Monday; 09:00 in Shanghai is 01:00Z.
    static let mondayNine = ScheduleTests.instant("2026-11-30T01:00:00Z")

    /// sup-2's four reps with different completeness (default weights), and rep-1 under sup-1:
    /// rep-3 1000 (industry only), rep-2 2000 (+ address), rep-4 5000 (+ title, location), rep-5 10000 (everything;
    /// their archived customer, which would pull them down, does not count), rep-1 1000.
    static func seed(_ service: RPCHarness) async throws {
        try await Org.seed(service)
        var fixture = CompletenessFixture(service: service)
        try await fixture.customer("rep3-a", owner: "rep-3")
        try await fixture.customer("rep2-a", owner: "rep-2", address: "宁波")
        try await fixture.customer("rep4-a", owner: "rep-4", address: "宁波", title: "采购", located: true)
        try await fixture.customer(
            "rep5-a",
            owner: "rep-5",
            address: "上海",
            title: "厂长",
            creditCode: true,
            level: "A",
            located: true,
            visitedAt: mondayNine.addingTimeInterval(-7 * 86_400)
        )
        try await fixture.customer("rep5-archived", owner: "rep-5")
        try await fixture.update("rep5-archived", "archived_at = now()")
        try await fixture.customer("rep1-a", owner: "rep-1")
    }

    static func job(_ service: RPCHarness) -> ScheduledJob {
        CompletenessWeeklyDigestJob.job(repository: CompletenessRepository(weights: .default, logger: service.logger))
    }

    @Test("Monday 08:59 → nothing; 09:00:30 → one digest with each manager's three lowest reps; again or elsewhere → nothing more")
    func mondayWorstThree() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            try await Self.seed(service)
            let job = Self.job(service)

            let early = try await job.runIfDue(now: Self.mondayNine.addingTimeInterval(-60), client: service.client, logger: service.logger)
            #expect(early == .skipped(Self.mondayNine.addingTimeInterval(-7 * 86_400)), "08:59 finds only last week's occurrence, long past")
            #expect(try await service.outbox(CompletenessWeeklyDigest.self).isEmpty)

            let onTime = try await job.runIfDue(now: Self.mondayNine.addingTimeInterval(30), client: service.client, logger: service.logger)
            #expect(onTime == .ran(Self.mondayNine))
            let digests = try await service.outbox(CompletenessWeeklyDigest.self)
            #expect(digests.count == 1)
            let digest = try #require(digests.first)
            #expect(digest.week == "2026-11-30" && digest.occurrence == Self.mondayNine && digest.targetBp == 9_500)
            let byManager = Dictionary(uniqueKeysWithValues: digest.managers.map { ($0.managerID, $0.reps) })
            let supervisor = try #require(byManager["sup-2"])
            #expect(supervisor.map(\.repID) == ["rep-3", "rep-2", "rep-4"], "the three lowest of four, lowest first")
            #expect(supervisor.map(\.averageBp) == [1_000, 2_000, 5_000])
            #expect(supervisor.map(\.repName) == ["王芳", "李娜", "刘洋"])
            #expect(supervisor.map(\.customers) == [1, 1, 1])
            #expect(byManager["sup-1"]?.map(\.repID) == ["rep-1"])
            #expect(byManager["rm-east"]?.map(\.repID) == ["rep-1", "rep-3", "rep-2"], "ties by rep id")
            #expect(byManager["gm"]?.map(\.repID) == ["rep-1", "rep-3", "rep-2"])
            #expect(byManager["rm-north"] == nil, "a manager whose reps have no customers gets no list")
            #expect(Set(byManager.keys) == ["sup-1", "sup-2", "rm-east", "gm"])
            let envelope = try #require(try await service.outbox(type: CompletenessWeeklyDigest.eventType).first)
            #expect(envelope.source == "customers")

            // The same occurrence again: this instance later, a second instance, an instance after a restart.
            #expect(
                try await job.runIfDue(now: Self.mondayNine.addingTimeInterval(30), client: service.client, logger: service.logger)
                    == .alreadyClaimed(Self.mondayNine)
            )
            #expect(
                try await Self.job(service).runIfDue(now: Self.mondayNine.addingTimeInterval(3_600), client: service.client, logger: service.logger)
                    == .alreadyClaimed(Self.mondayNine)
            )
            async let first = Self.job(service).runIfDue(now: Self.mondayNine.addingTimeInterval(40), client: service.client, logger: service.logger)
            async let second = Self.job(service).runIfDue(now: Self.mondayNine.addingTimeInterval(41), client: service.client, logger: service.logger)
            #expect(try await [first, second] == [.alreadyClaimed(Self.mondayNine), .alreadyClaimed(Self.mondayNine)])
            #expect(try await service.outbox(CompletenessWeeklyDigest.self).count == 1)

            // The next Monday is a new occurrence.
            let nextWeek = Self.mondayNine.addingTimeInterval(7 * 86_400)
            #expect(try await job.runIfDue(now: nextWeek.addingTimeInterval(5), client: service.client, logger: service.logger) == .ran(nextWeek))
            #expect(try await service.outbox(CompletenessWeeklyDigest.self).map(\.week) == ["2026-11-30", "2026-12-07"])

            try await Self.deliverToNotifications(envelope)
        }
    }

    /// notifications: one in-app notification per manager, one WeCom delivery @-mentioning them; a redelivery adds
    /// nothing.
    static func deliverToNotifications(_ envelope: EventEnvelope) async throws {
        try await RPCHarness.with(
            "notifications",
            migrationsDirectory: NotificationsService.migrationsDirectory,
            router: { NotificationsService.rpcRouter(postgres: $0, logger: $1) },
            events: { NotificationsService.eventHandlers(wecomConfigured: true, logger: $0) },
            { notifications in
                try await Org.seed(notifications)
                let withMobile = Org.user("sup-2").updated(version: 2) { $0.mobile = "13800000009" }
                try await notifications.deliver(
                    UserUpdated(user: withMobile, changedFields: ["mobile"]),
                    source: "gateway",
                    subject: "sup-2",
                    sequence: 2
                )

                try await notifications.deliver(envelope)
                try await notifications.deliver(envelope)

                let inbox = try await notifications.call(Operation.Notifications.list, as: Org.identity("sup-2")).decode(
                    ListPage<InAppNotification>.self
                )
                #expect(inbox.items.count == 1)
                let item = try #require(inbox.items.first)
                #expect(item.kind == "completeness_digest")
                #expect(item.title == "本周数据完整率最低的 3 位销售")
                #expect(item.body == "本周数据完整率最低的 3 位销售: 王芳 10.00%, 李娜 20.00%, 刘洋 50.00%（目标 95.00%）")
                let others = try await notifications.call(Operation.Notifications.list, as: Org.identity("sup-1")).decode(
                    ListPage<InAppNotification>.self
                )
                #expect(others.items.map(\.title) == ["本周数据完整率最低的 1 位销售"])
                #expect(
                    try await notifications.call(Operation.Notifications.list, as: Org.identity("rep-3")).decode(ListPage<InAppNotification>.self)
                        .items
                        .isEmpty
                )

                let rows = try await notifications.client.query(
                    "SELECT recipient, channel, status, payload::text FROM deliveries WHERE event_id = \(envelope.id) ORDER BY recipient",
                    logger: notifications.logger
                )
                var deliveries: [String: (channel: String, status: String, payload: String)] = [:]
                for try await (recipient, channel, status, payload) in rows.decode((String, String, String, String).self) {
                    deliveries[recipient] = (channel, status, payload)
                }
                #expect(Set(deliveries.keys) == ["sup-1", "sup-2", "rm-east", "gm"])
                let push = try #require(deliveries["sup-2"])
                #expect(push.channel == "wecom" && push.status == "pending")
                let message = try JSONCoding.decoder.decode(WeComMessage.self, from: Data(push.payload.utf8))
                #expect(message.msgtype == "text")
                #expect(message.text?.mentionedMobileList == ["13800000009"])
                for part in ["本周数据完整率最低的 3 位销售", "1. 王芳", "10.00%", "2. 李娜", "3. 刘洋", "50.00%", "目标 95.00%", "郑主管"] {
                    #expect(message.content.contains(part), "\(part) in \(message.content)")
                }
                #expect(try await notifications.count("notifications") == 4)
                #expect(try await notifications.count("deliveries") == 4)
            }
        )
    }

    @Test("Sunday → nothing; a Monday occurrence found later the same day (the service was down at 09:00) still runs, once")
    func sundayAndCatchUp() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            try await Self.seed(service)
            let job = Self.job(service)
            let sunday = ScheduleTests.instant("2026-12-06T02:00:00Z")
            #expect(try await job.runIfDue(now: sunday, client: service.client, logger: service.logger) == .skipped(Self.mondayNine))
            #expect(try await service.outbox(CompletenessWeeklyDigest.self).isEmpty)

            let nextMonday = Self.mondayNine.addingTimeInterval(7 * 86_400)
            let elevenHoursLate = nextMonday.addingTimeInterval(11 * 3_600)
            #expect(try await job.runIfDue(now: elevenHoursLate, client: service.client, logger: service.logger) == .ran(nextMonday))
            #expect(try await job.runIfDue(now: elevenHoursLate, client: service.client, logger: service.logger) == .alreadyClaimed(nextMonday))
            #expect(try await service.outbox(CompletenessWeeklyDigest.self).map(\.week) == ["2026-12-07"])
        }
    }
}
