import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Notifications

@Suite("Notifications service")
struct NotificationsServiceTests {
    let logger = Logger(label: "test.notifications")

    @Test("the service ships its migrations")
    func shipsMigrations() throws {
        let directory = try #require(NotificationsService.migrationsDirectory)
        #expect(directory.lastPathComponent == "Migrations")
    }

    @Test("fen are formatted as CNY with separators and two decimals")
    func money() {
        #expect(CNY.format(8_000_000) == "80,000.00")
        #expect(CNY.format(5_000_001) == "50,000.01")
        #expect(CNY.format(5) == "0.05")
        #expect(CNY.format(123_456_789_012) == "1,234,567,890.12")
        #expect(CNY.format(-150) == "-1.50")
    }

    static let assigned = ApprovalStepAssigned(
        approvalID: "ap-1",
        contractID: "ct-1",
        contractNumber: "HT-2026-000123",
        customerName: "宁波精工",
        amountFen: 8_000_000,
        submitterID: "rep-1",
        step: 0,
        stepCount: 3,
        approverID: "sup-1",
        approverName: "张主管",
        approverMobile: "13800000002",
        assignedAt: Date()
    )

    /// Runs `body` with the notifications service on a schema of its own.
    func withService(wecomConfigured: Bool = true, _ body: @Sendable (RPCHarness) async throws -> Void) async throws {
        try await RPCHarness.with(
            "notifications",
            migrationsDirectory: NotificationsService.migrationsDirectory,
            router: { NotificationsService.rpcRouter(postgres: $0, logger: $1) },
            events: { NotificationsService.eventHandlers(wecomConfigured: wecomConfigured, logger: $0) },
            body
        )
    }

    /// The in-app notifications of a user.
    func notifications(_ service: RPCHarness, of identity: CallerIdentity) async throws -> [InAppNotification] {
        try await service.call(Operation.Notifications.list, as: identity).decode(ListPage<InAppNotification>.self).items
    }

    func deliveries(_ client: PostgresClient) async throws -> [(status: String, attempts: Int, recipient: String)] {
        let rows = try await client.query("SELECT status, attempts, recipient FROM deliveries ORDER BY created_at", logger: logger)
        var result: [(status: String, attempts: Int, recipient: String)] = []
        for try await (status, attempts, recipient) in rows.decode((String, Int, String).self) { result.append((status, attempts, recipient)) }
        return result
    }

    func sender(_ client: PostgresClient, _ baseURL: String, maxAttempts: Int = 5, timeout: Duration = .seconds(2)) -> DeliveryService {
        DeliveryService(
            client: client,
            webhook: WeComWebhook(baseURL: baseURL, key: "robot-key", timeout: timeout),
            maxAttempts: maxAttempts,
            retryBaseDelay: .milliseconds(20),
            logger: logger
        )
    }

    @Test("approval.step_assigned → one WeCom push with contract, customer, amount, step and the approver @-mentioned")
    func stepAssignedPush() async throws {
        let standIn = WeComStandIn()
        try await standIn.serve { baseURL in
            try await withService { service in
                try await service.deliver(Self.assigned, source: "approvals", subject: "ap-1", sequence: 2)
                try await sender(service.client, baseURL).sendDue()

                let received = await standIn.received
                #expect(received.count == 1)
                let push = try #require(received.first)
                #expect(push.key == "robot-key")
                #expect(push.body["msgtype"]?.stringValue == "text")
                let content = try #require(push.body["text"]?["content"]?.stringValue)
                for part in ["HT-2026-000123", "宁波精工", "¥80,000.00", "1/3", "张主管"] { #expect(content.contains(part), "\(part) in \(content)") }
                #expect(push.body["text"]?["mentioned_mobile_list"] == .array([.string("13800000002")]))
                #expect(try await deliveries(service.client).map(\.status) == ["sent"])

                let items = try await notifications(service, of: CallerIdentity(userID: "sup-1", role: .supervisor))
                #expect(items.count == 1)
                #expect(items.first?.approvalID == "ap-1")
            }
        }
    }

    @Test("HTTP 500 then errcode 93000 then success: retried with backoff, sent once")
    func retried() async throws {
        let standIn = WeComStandIn()
        await standIn.fail(.http500, .errcode(93000))
        try await standIn.serve { baseURL in
            try await withService { service in
                try await service.deliver(Self.assigned, source: "approvals", subject: "ap-1", sequence: 2)
                let sender = sender(service.client, baseURL)
                try await sender.sendDue()
                #expect(try await deliveries(service.client).first?.status == "pending")
                let sent = try await eventually(timeout: .seconds(10)) {
                    try await sender.sendDue()
                    return try await deliveries(service.client).first?.status == "sent"
                }
                #expect(sent)
                #expect(await standIn.received.count == 3)
                #expect(await standIn.successes.count == 1)
                #expect(try await deliveries(service.client).first?.attempts == 3)
            }
        }
    }

    @Test("a push that keeps failing is given up after the last attempt")
    func givesUp() async throws {
        let standIn = WeComStandIn()
        await standIn.fail(.http500, .http500, .http500)
        try await standIn.serve { baseURL in
            try await withService { service in
                try await service.deliver(Self.assigned, source: "approvals", subject: "ap-1", sequence: 2)
                let sender = sender(service.client, baseURL, maxAttempts: 2)
                let failed = try await eventually(timeout: .seconds(10)) {
                    try await sender.sendDue()
                    return try await deliveries(service.client).first?.status == "failed"
                }
                #expect(failed)
                #expect(await standIn.received.count == 2)
            }
        }
    }

    @Test("a duplicate event pushes once: redelivered (inbox) or handled twice (unique delivery)")
    func duplicate() async throws {
        let standIn = WeComStandIn()
        try await standIn.serve { baseURL in
            try await withService { service in
                let envelope = try EventEnvelope(Self.assigned, source: "approvals", subject: "ap-1", sequence: 2)
                try await service.deliver(envelope)
                try await service.deliver(envelope)
                // Without the inbox (an operator replaying into a fresh consumer): the delivery's unique key holds.
                try await service.replay(envelope)
                let sender = sender(service.client, baseURL)
                try await sender.sendDue()
                try await sender.sendDue()
                #expect(await standIn.received.count == 1)
                #expect(try await deliveries(service.client).count == 1)
            }
        }
    }

    @Test("approval.completed tells the submitter, in-app and on WeCom; without a webhook the push is recorded as skipped")
    func completedSkipped() async throws {
        try await withService(wecomConfigured: false) { service in
            try await service.deliver(Self.assigned, source: "approvals", subject: "ap-1", sequence: 2)
            let completed = ApprovalCompleted(
                approvalID: "ap-1",
                contractID: "ct-1",
                contractNumber: "HT-2026-000123",
                submitterID: "rep-1",
                outcome: .rejected,
                comment: "价格太低",
                requestedAt: Date(),
                completedAt: Date(),
                workingDays: 0.5
            )
            try await service.deliver(completed, source: "approvals", subject: "ap-1", sequence: 5)
            let rows = try await deliveries(service.client)
            #expect(rows.map(\.status) == ["skipped", "skipped"])
            #expect(rows.map(\.recipient) == ["sup-1", "rep-1"])
            let items = try await notifications(service, of: CallerIdentity(userID: "rep-1", role: .rep))
            #expect(items.count == 1)
            let body = items.first?.body ?? ""
            #expect(body.contains("已驳回") && body.contains("宁波精工") && body.contains("80,000.00"))
            #expect(await service.call(Operation.Notifications.list, as: nil).status == 401)
        }
    }

    @Test("notifications come a page at a time, newest first, and only the caller's")
    func notificationPages() async throws {
        try await withService { service in
            let start = Date(timeIntervalSince1970: 1_795_000_000)
            for (index, user) in ["rep-1", "rep-1", "rep-2", "rep-1", "rep-1", "rep-1"].enumerated() {
                try await service.client.query(
                    """
                    INSERT INTO notifications (id, user_id, event_id, kind, title, body, created_at)
                    VALUES (\(UUID()), \(user), \(UUID()), 'test', \("n\(index)"), 'body', \(start.addingTimeInterval(Double(index))))
                    """,
                    logger: logger
                )
            }
            let rep = CallerIdentity(userID: "rep-1", role: .rep)
            var titles: [String] = []
            var cursor: String?
            repeat {
                let query = "limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await service.call(Operation.Notifications.list, as: rep, query: query).decode(ListPage<InAppNotification>.self)
                #expect(page.items.count <= 2)
                titles += page.items.map(\.title)
                cursor = page.nextCursor
            } while cursor != nil && titles.count < 10
            #expect(titles == ["n5", "n4", "n3", "n1", "n0"])
            #expect(await service.call(Operation.Notifications.list, as: rep, query: "cursor=bogus").status == 422)
        }
    }

    /// Puts `count` unread notifications in `user`'s inbox, one second apart, and returns their ids, oldest first.
    func seed(_ service: RPCHarness, user: String, count: Int) async throws -> [UUID] {
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        var ids: [UUID] = []
        for index in 0..<count {
            let id = UUID()
            try await service.client.query(
                """
                INSERT INTO notifications (id, user_id, event_id, kind, title, body, created_at)
                VALUES (\(id), \(user), \(UUID()), 'test', \("n\(index)"), 'body', \(start.addingTimeInterval(Double(index))))
                """,
                logger: logger
            )
            ids.append(id)
        }
        return ids
    }

    func unreadCount(_ service: RPCHarness, of identity: CallerIdentity) async throws -> Int {
        let response = await service.call(UnreadNotificationCountHandler.operation, as: identity)
        #expect(response.status == 200)
        return Int(try #require(response.json()["unread"]?.integerValue))
    }

    @Test("marking a notification read sets readAt once, lowers the unread count and moves it out of the unread filter")
    func markRead() async throws {
        try await withService { service in
            let ids = try await seed(service, user: "rep-1", count: 3)
            let rep = CallerIdentity(userID: "rep-1", role: .rep)
            #expect(try await unreadCount(service, of: rep) == 3)
            #expect(try await notifications(service, of: rep).allSatisfy { $0.readAt == nil })

            let first = await service.call(MarkNotificationReadHandler.operation, as: rep, id: ids[1].recordID.description, key: "read-1")
            #expect(first.status == 200)
            let read = try first.decode(InAppNotification.self)
            let readAt = try #require(read.readAt)
            #expect(read.id == ids[1].recordID)
            // Again, with another key: still read, and the first time is kept.
            let again = try await service.call(MarkNotificationReadHandler.operation, as: rep, id: ids[1].recordID.description, key: "read-2")
                .decode(InAppNotification.self)
            #expect(again.readAt == readAt)
            #expect(try await unreadCount(service, of: rep) == 2)

            let unread = try await service.call(Operation.Notifications.list, as: rep, query: "unread=true").decode(ListPage<InAppNotification>.self)
            #expect(unread.items.map(\.title) == ["n2", "n0"])
            let readOnes = try await service.call(Operation.Notifications.list, as: rep, query: "unread=false").decode(
                ListPage<InAppNotification>.self
            )
            #expect(readOnes.items.map(\.title) == ["n1"])
            #expect(await service.call(Operation.Notifications.list, as: rep, query: "unread=maybe").status == 422)
        }
    }

    @Test("another user's notification cannot be marked read: 404, and it stays unread")
    func markReadOthers() async throws {
        try await withService { service in
            let ids = try await seed(service, user: "rep-2", count: 1)
            let rep1 = CallerIdentity(userID: "rep-1", role: .rep)
            let rep2 = CallerIdentity(userID: "rep-2", role: .rep)
            #expect(await service.call(MarkNotificationReadHandler.operation, as: rep1, id: ids[0].recordID.description).status == 404)
            #expect(await service.call(MarkNotificationReadHandler.operation, as: rep1, id: "not-a-uuid").status == 404)
            #expect(try await unreadCount(service, of: rep2) == 1)
            #expect(await service.call(MarkNotificationReadHandler.operation, as: nil, id: ids[0].recordID.description).status == 401)
        }
    }

    @Test("read-all marks only the caller's unread notifications and says how many")
    func markAllRead() async throws {
        try await withService { service in
            let ids = try await seed(service, user: "rep-1", count: 3)
            _ = try await seed(service, user: "rep-2", count: 2)
            let rep1 = CallerIdentity(userID: "rep-1", role: .rep)
            let rep2 = CallerIdentity(userID: "rep-2", role: .rep)
            #expect(await service.call(MarkNotificationReadHandler.operation, as: rep1, id: ids[0].recordID.description).status == 200)
            let response = await service.call(MarkAllNotificationsReadHandler.operation, as: rep1, key: "all-1")
            #expect(response.status == 200)
            #expect(try response.json()["marked"]?.integerValue == 2)
            #expect(try await unreadCount(service, of: rep1) == 0)
            #expect(try await unreadCount(service, of: rep2) == 2)
            #expect(try await notifications(service, of: rep1).allSatisfy { $0.readAt != nil })
            let second = await service.call(MarkAllNotificationsReadHandler.operation, as: rep1, key: "all-2")
            #expect(try second.json()["marked"]?.integerValue == 0)
        }
    }

    @Test("a push is sent with no transaction open: while WeCom is answering, its delivery row is not locked")
    func noLockWhileSending() async throws {
        let standIn = WeComStandIn()
        try await standIn.serve { baseURL in
            try await withService { service in
                try await service.deliver(Self.assigned, source: "approvals", subject: "ap-1", sequence: 2)
                let locked = Flag(false)
                let probed = Flag(false)
                let client = service.client
                let logger = logger
                await standIn.whileAnswering {
                    do {
                        try await client.withTransaction(logger: logger) { connection in
                            _ = try await connection.query("SELECT id FROM deliveries FOR UPDATE NOWAIT", logger: logger)
                        }
                    } catch {
                        // 55P03 lock_not_available: the sender still holds the row.
                        locked.set(true)
                    }
                    probed.set(true)
                }
                // The probe runs inside WeCom's answer: a loaded machine must not turn it into a push timeout.
                try await sender(service.client, baseURL, timeout: .seconds(60)).sendDue()
                #expect(probed.value)
                #expect(!locked.value, "the delivery row was locked while WeCom was answering")
                #expect(try await deliveries(service.client).map(\.status) == ["sent"])
            }
        }
    }
}

/// A value tests set from a `@Sendable` closure.
final class Flag<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func set(_ value: Value) { lock.withLock { stored = value } }
}
