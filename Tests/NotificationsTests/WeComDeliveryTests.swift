import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime
import Synchronization
import TestSupport
import Testing

@testable import Notifications

/// A wall clock the test moves by hand.
final class ManualClock: Sendable {
    private let instant: Mutex<Date>
    init(_ start: Date) { instant = Mutex(start) }
    var now: Date { instant.withLock { $0 } }
    func set(_ date: Date) { instant.withLock { $0 = date } }
}

/// Instants a test collects from `@Sendable` closures.
final class Stamps: Sendable {
    private let list = Mutex<[Date]>([])
    func append(_ date: Date) { list.withLock { $0.append(date) } }
    var all: [Date] { list.withLock { $0 } }
}

/// Issue 12 on the wire, against a WeCom stand-in over real HTTP and a controlled clock: the robots' rate limit and
/// 45009, robots per region, the self-built app, quiet hours and the 09:00 digest.
@Suite("WeCom delivery: limits, robots, app, quiet hours, digest")
struct WeComDeliveryTests {
    let logger = Logger(label: "test.wecom-delivery")

    static func harness(timing: PushTiming = .immediate, _ body: @escaping @Sendable (RPCHarness) async throws -> Void) async throws {
        try await RPCHarness.with(
            "notifications",
            migrationsDirectory: NotificationsService.migrationsDirectory,
            router: { NotificationsService.rpcRouter(postgres: $0, logger: $1) },
            events: { NotificationsService.eventHandlers(wecomConfigured: true, timing: timing, logger: $0) },
            { notifications in
                try await Org.seed(notifications)
                try await body(notifications)
            }
        )
    }

    static func stepAssigned(_ index: Int, at time: Date, approver: String = "sup-1") -> ApprovalStepAssigned {
        ApprovalStepAssigned(
            approvalID: "ap-\(index)",
            contractID: "ct-\(index)",
            contractNumber: "HT-2026-\(String(format: "%06d", index))",
            customerName: "宁波精工",
            amountFen: 8_000_000,
            submitterID: "rep-1",
            step: 0,
            stepCount: 1,
            approverID: approver,
            approverName: "周主管",
            approverMobile: nil,
            assignedAt: time
        )
    }

    static func overdue(_ installment: String, region: String, days: Int, at time: Date, owner: String = "rep-1") -> PaymentOverdue {
        PaymentOverdue(
            installmentID: installment,
            party: ContractParty(contractID: "ct-9", dealID: "deal-9", customerID: "c-9", customerName: "无锡轴承", ownerID: owner, region: region),
            label: "发货款",
            dueOn: "2026-11-14",
            outstandingFen: 6_000_000,
            daysOverdue: days,
            thresholdDays: days >= 16 ? 16 : 1,
            at: time,
            contractNumber: "HT-2026-000900",
            sequence: 2
        )
    }

    func statuses(_ client: PostgresClient) async throws -> [(kind: String, status: String, attempts: Int)] {
        let rows = try await client.query("SELECT kind, status, attempts FROM deliveries ORDER BY created_at, id", logger: logger)
        var result: [(kind: String, status: String, attempts: Int)] = []
        for try await row in rows.decode((String, String, Int).self) { result.append(row) }
        return result
    }

    /// The earliest time a pending delivery is due, if any.
    func nextDue(_ client: PostgresClient) async throws -> Date? {
        let rows = try await client.query("SELECT min(next_attempt_at) FROM deliveries WHERE status = 'pending'", logger: logger)
        for try await due in rows.decode(Date?.self) { return due }
        return nil
    }

    @Test("a 45009 burst: 45 pushes to one robot, the first 3 answers 45009 — each delivered exactly once, never over 20 a minute")
    func throttledBurst() async throws {
        let standIn = WeComStandIn()
        await standIn.throttle(first: 3)
        // A whole second, so that PostgreSQL's microseconds hold the clock's instants exactly.
        let start = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.up))
        let clock = ManualClock(start)
        // The controlled time of every request, in the order the stand-in received them (pushes go one at a time).
        let times = Stamps()
        await standIn.whileAnswering { times.append(clock.now) }
        try await standIn.serve { baseURL in
            try await Self.harness { service in
                for index in 1...45 {
                    try await service.deliver(Self.stepAssigned(index, at: start), source: "approvals", subject: "ap-\(index)", sequence: 2)
                }
                // A new sender every round, as after a restart: the limit lives in the delivery rows, not in memory.
                let makeSender = { @Sendable in
                    DeliveryService(
                        client: service.client,
                        webhook: WeComWebhook(baseURL: baseURL, key: "robot-key"),
                        limits: RobotLimits(perMinute: 20, pauseBase: .seconds(5), pauseCap: .seconds(60)),
                        now: { clock.now },
                        logger: logger
                    )
                }
                var rounds = 0
                while try await statuses(service.client).contains(where: { $0.status != "sent" }), rounds < 400 {
                    rounds += 1
                    if try await makeSender().sendDue() > 0 { continue }
                    // Nothing was due: move the clock to the next due row.
                    let due = try #require(try await nextDue(service.client))
                    clock.set(max(due, clock.now.addingTimeInterval(0.001)))
                }

                let rows = try await statuses(service.client)
                #expect(rows.count == 45)
                #expect(rows.allSatisfy { $0.status == "sent" })
                // A 45009 is not a failed attempt: every row went on its first counted one.
                #expect(rows.allSatisfy { $0.attempts == 1 })

                let received = await standIn.received
                let stamped = Array(zip(received, times.all))
                #expect(stamped.count == 48)
                #expect(stamped.filter { !$0.0.succeeded }.count == 3)
                // Every message exactly once, none lost, none twice.
                let delivered = stamped.filter(\.0.succeeded).compactMap { $0.0.body["markdown"]?["content"]?.stringValue }
                let numbers = (1...45).map { "HT-2026-\(String(format: "%06d", $0))" }
                #expect(delivered.count == 45)
                for number in numbers { #expect(delivered.filter { $0.contains(number) }.count == 1, "\(number) delivered once") }

                // Backoff: the pauses after each 45009 grow (5 s, then 10 s), and the first push goes after the third.
                let refusals = stamped.filter { !$0.0.succeeded }.map(\.1)
                try #require(refusals.count == 3)
                #expect(refusals[1].timeIntervalSince(refusals[0]) >= 4.999)
                #expect(refusals[2].timeIntervalSince(refusals[1]) >= 9.999)
                #expect(refusals[2].timeIntervalSince(refusals[1]) > refusals[1].timeIntervalSince(refusals[0]))

                // The limiter: no rolling minute holds more than 20 accepted pushes, and the limit was reached.
                let sentTimes = stamped.filter(\.0.succeeded).map(\.1).sorted()
                let busiest = sentTimes.map { first in sentTimes.filter { $0 >= first && $0 < first.addingTimeInterval(60) }.count }.max()
                #expect(busiest == 20)
                #expect(sentTimes.last!.timeIntervalSince(sentTimes.first!) >= 120, "45 pushes at 20 a minute span two minutes")
            }
        }
    }

    @Test("robots per region: a receivable in east-china goes to its robot, one in north-china to the default robot")
    func robotsPerRegion() async throws {
        let standIn = WeComStandIn()
        try await standIn.serve { baseURL in
            try await Self.harness { service in
                try await service.deliver(
                    Self.overdue("i-east", region: "east-china", days: 3, at: Date()),
                    source: "deals",
                    subject: "ct-9",
                    sequence: 3
                )
                try await service.deliver(
                    Self.overdue("i-north", region: "north-china", days: 3, at: Date(), owner: "rep-north"),
                    source: "deals",
                    subject: "ct-10",
                    sequence: 3
                )
                let sender = DeliveryService(
                    client: service.client,
                    webhook: WeComWebhook(baseURL: baseURL, key: "default-key", regionKeys: ["east-china": "east-key"]),
                    logger: logger
                )
                try await sender.sendDue()
                let received = await standIn.received
                #expect(received.count == 2)
                #expect(Set(received.compactMap(\.key)) == ["east-key", "default-key"])
                let east = try #require(received.first { $0.key == "east-key" })
                #expect(east.body["text"]?["content"]?.stringValue?.contains("张伟") == true)
            }
        }
    }

    @Test("the self-built app: message/send to the user's WeCom id, the token fetched once, fetched again when WeCom says it expired")
    func selfBuiltApp() async throws {
        let standIn = WeComStandIn()
        try await standIn.serve { baseURL in
            try await Self.harness { service in
                // sup-1 has a WeCom id; rep-2 has none and gets the robot.
                let sup = Org.user("sup-1").updated(version: 2) { $0.wecomUserID = "ZhouZhuGuan" }
                try await service.deliver(UserUpdated(user: sup, changedFields: ["wecomUserId"]), source: "gateway", subject: "sup-1", sequence: 2)
                let sender = DeliveryService(
                    client: service.client,
                    webhook: WeComWebhook(baseURL: baseURL, key: "robot-key"),
                    app: WeComApp(apiURL: baseURL, corpID: WeComStandIn.corpID, agentID: 1_000_002, secret: WeComStandIn.corpSecret),
                    logger: logger
                )
                try await service.deliver(Self.stepAssigned(1, at: Date()), source: "approvals", subject: "ap-1", sequence: 2)
                try await service.deliver(Self.stepAssigned(2, at: Date()), source: "approvals", subject: "ap-2", sequence: 2)
                try await service.deliver(Self.stepAssigned(3, at: Date(), approver: "rep-2"), source: "approvals", subject: "ap-3", sequence: 2)
                try await sender.sendDue()
                var messages = await standIn.appMessages
                #expect(messages.count == 2)
                #expect(messages.allSatisfy { $0.body["touser"]?.stringValue == "ZhouZhuGuan" && $0.body["agentid"] == .integer(1_000_002) })
                #expect(messages.contains { $0.body["markdown"]?["content"]?.stringValue?.contains("HT-2026-000001") == true })
                #expect(await standIn.tokensIssued == 1)
                #expect(await standIn.received.count == 1, "rep-2, without a WeCom id, is pushed through the robot")

                await standIn.expireAccessTokens()
                try await service.deliver(Self.stepAssigned(4, at: Date()), source: "approvals", subject: "ap-4", sequence: 2)
                try await sender.sendDue()
                messages = await standIn.appMessages
                #expect(messages.count == 3)
                #expect(await standIn.tokensIssued == 2)
                #expect(try await statuses(service.client).allSatisfy { $0.status == "sent" && $0.attempts == 1 })
            }
        }
    }

    @Test("app messages of a round go side by side, one robot's one after another in the order they arose; each once")
    func lanes() async throws {
        /// How many pushes WeCom is answering at once, at most, per endpoint.
        actor InFlight {
            var now = 0
            var most = 0
            func during() async {
                now += 1
                most = max(most, now)
                try? await Task.sleep(for: .milliseconds(300))
                now -= 1
            }
            func reset() { most = 0 }
        }
        let standIn = WeComStandIn()
        let inFlight = InFlight()
        await standIn.whileAnswering { await inFlight.during() }
        try await standIn.serve { baseURL in
            try await Self.harness { service in
                // sup-1 and sup-2 have WeCom ids (the app); rm-east and rep-1 have none (the robot).
                for (index, id) in ["sup-1", "sup-2"].enumerated() {
                    let user = Org.user(id).updated(version: 2) { $0.wecomUserID = "wx-\(id)" }
                    try await service.deliver(
                        UserUpdated(user: user, changedFields: ["wecomUserId"]),
                        source: "gateway",
                        subject: id,
                        sequence: 2 + Int64(index)
                    )
                }
                let sender = DeliveryService(
                    client: service.client,
                    webhook: WeComWebhook(baseURL: baseURL, key: "robot-key"),
                    app: WeComApp(apiURL: baseURL, corpID: WeComStandIn.corpID, agentID: 1_000_002, secret: WeComStandIn.corpSecret),
                    logger: logger
                )
                let approvers = ["sup-1", "rm-east", "sup-2", "rep-1", "sup-1", "rm-east"]
                for (index, approver) in approvers.enumerated() {
                    try await service.deliver(
                        Self.stepAssigned(index + 1, at: Date(), approver: approver),
                        source: "approvals",
                        subject: "ap-\(index + 1)",
                        sequence: 2
                    )
                }
                #expect(try await sender.sendDue() == 6)
                let most = await inFlight.most
                // Three app messages side by side, with the robot's lane beside them: four at most.
                #expect(most >= 3 && most <= 4, "app messages side by side: \(most) at once")
                let app = await standIn.appMessages.compactMap {
                    $0.body["markdown"]?["content"]?.stringValue ?? $0.body["text"]?["content"]?.stringValue
                }
                let robot = await standIn.received.compactMap {
                    $0.body["markdown"]?["content"]?.stringValue ?? $0.body["text"]?["content"]?.stringValue
                }
                for number in [1, 3, 5] { #expect(app.filter { $0.contains("HT-2026-00000\(number)") }.count == 1, "app \(number)") }
                let robotOrder = [2, 4, 6].map { number in robot.firstIndex { $0.contains("HT-2026-00000\(number)") } ?? -1 }
                #expect(robotOrder == [0, 1, 2], "the robot's pushes once each, in the order they arose: \(robotOrder)")
                #expect(try await statuses(service.client).allSatisfy { $0.status == "sent" })
            }
        }
    }

    @Test("a push WeCom takes but answers after the timeout goes again, and WeCom's duplicate check hands it to the person once")
    func appRepeatDroppedByWeCom() async throws {
        /// Holds the first reply past the sender's timeout, as a slow WeCom (or a sender killed mid-push) would.
        actor FirstReplyLate {
            var late = true
            func hold() async {
                guard late else { return }
                late = false
                try? await Task.sleep(for: .seconds(1))
            }
        }
        let standIn = WeComStandIn()
        let firstLate = FirstReplyLate()
        await standIn.whileAnswering { await firstLate.hold() }
        try await standIn.serve { baseURL in
            try await Self.harness { service in
                let sup = Org.user("sup-1").updated(version: 2) { $0.wecomUserID = "ZhouZhuGuan" }
                try await service.deliver(UserUpdated(user: sup, changedFields: ["wecomUserId"]), source: "gateway", subject: "sup-1", sequence: 2)
                let sender = DeliveryService(
                    client: service.client,
                    webhook: nil,
                    app: WeComApp(
                        apiURL: baseURL,
                        corpID: WeComStandIn.corpID,
                        agentID: 1_000_002,
                        secret: WeComStandIn.corpSecret,
                        timeout: .milliseconds(300)
                    ),
                    retryBaseDelay: .milliseconds(10),
                    logger: logger
                )
                try await service.deliver(Self.stepAssigned(1, at: Date()), source: "approvals", subject: "ap-1", sequence: 2)
                try await sender.sendDue()
                #expect(try await statuses(service.client).map(\.status) == ["pending"], "the late answer counts as a failed attempt")
                try await Task.sleep(for: .milliseconds(50))
                try await sender.sendDue()
                #expect(try await statuses(service.client).map { "\($0.status) \($0.attempts)" } == ["sent 2"])
                #expect(await standIn.appMessages.count == 1)
                #expect(await standIn.appDuplicatesDropped == 1)
                let body = try #require(await standIn.appMessages.first?.body)
                #expect(body["enable_duplicate_check"] == .integer(1))
            }
        }
    }

    @Test("quiet hours and the digest: night pushes wait for Monday 09:00, an urgent one goes at once, the digest replaces what it covers")
    func quietHoursAndDigest() async throws {
        let standIn = WeComStandIn()
        let friday = PushPolicyTests.shanghai("2026-12-04 20:00")
        let monday = PushPolicyTests.shanghai("2026-12-07 09:00")
        let clock = ManualClock(friday)
        try await standIn.serve { baseURL in
            try await Self.harness(timing: PushTiming(quietHours: true)) { service in
                // Friday night: an approval step for sup-1 (the digest covers it), a completed approval for rep-1 (it
                // does not), and a receivable 20 days late for rep-1 (urgent).
                try await service.deliver(Self.stepAssigned(1, at: friday), source: "approvals", subject: "ap-1", sequence: 2)
                let completed = ApprovalCompleted(
                    approvalID: "ap-7",
                    contractID: "ct-7",
                    contractNumber: "HT-2026-000007",
                    submitterID: "rep-1",
                    outcome: .approved,
                    comment: nil,
                    requestedAt: friday.addingTimeInterval(-3600),
                    completedAt: friday.addingTimeInterval(60),
                    workingDays: 0.1
                )
                try await service.deliver(completed, source: "approvals", subject: "ap-7", sequence: 5)
                try await service.deliver(
                    Self.overdue("i-1", region: "east-china", days: 20, at: friday.addingTimeInterval(3600)),
                    source: "deals",
                    subject: "ct-9",
                    sequence: 3
                )
                // A visit on Wednesday planned a follow-up for Thursday: overdue by Monday.
                let visit = VisitSnapshot(
                    id: "v-1",
                    customerID: "c-5",
                    repID: "rep-1",
                    checkedInAt: PushPolicyTests.shanghai("2026-12-02 10:00"),
                    checkedOutAt: nil,
                    durationMinutes: nil,
                    purpose: "follow_up",
                    nextFollowUpOn: "2026-12-03",
                    distanceMeters: nil,
                    flags: [],
                    version: 1
                )
                try await service.deliver(VisitCheckedIn(visit: visit), source: "customers", subject: "v-1", sequence: 1)
                // In-app notifications are never delayed.
                let supInbox = try await PaymentOverdueNotificationTests.inbox(service, "sup-1")
                #expect(supInbox.contains { $0.approvalID == "ap-1" })

                let sender = DeliveryService(
                    client: service.client,
                    webhook: WeComWebhook(baseURL: baseURL, key: "robot-key"),
                    now: { clock.now },
                    logger: logger
                )
                // Saturday: only the urgent push has gone (to rep-1 and, past 15 days, to sup-1).
                clock.set(PushPolicyTests.shanghai("2026-12-05 10:00"))
                try await sender.sendDue()
                #expect(await standIn.received.count == 2)
                #expect(await standIn.received.allSatisfy { $0.body["text"]?["content"]?.stringValue?.contains("无锡轴承") == true })

                // Monday 09:00, before the digest has run: the held pushes still wait for it.
                clock.set(monday)
                #expect(try await sender.sendDue() == 0)

                // The digest runs: rep-1's and sup-1's; sup-1's held approval push is replaced by it.
                let job = DailyDigestJob.job(
                    repository: NotificationRepository(logger: logger, timing: PushTiming(quietHours: true)),
                    wecomConfigured: true
                )
                #expect(try await job.runIfDue(now: monday.addingTimeInterval(30), client: service.client, logger: logger) == .ran(monday))
                let repDigest = try #require(
                    try await PaymentOverdueNotificationTests.inbox(service, "rep-1").first { $0.kind == DailyDigestJob.kind }
                )
                #expect(repDigest.title == "今日待办：1 项逾期跟进 · 1 笔逾期回款")
                #expect(repDigest.body.contains("c-5（计划 2026-12-03 跟进，已过 4 天）"))
                #expect(repDigest.body.contains("无锡轴承 HT-2026-000900 发货款 ¥60,000.00（逾期 23 天）"))
                let supDigest = try #require(
                    try await PaymentOverdueNotificationTests.inbox(service, "sup-1").first { $0.kind == DailyDigestJob.kind }
                )
                #expect(supDigest.title == "今日待办：1 项待审批")

                try await sender.sendDue()
                let kinds = try await statuses(service.client).map { "\($0.kind) \($0.status)" }.sorted()
                #expect(
                    kinds == [
                        "\(ApprovalCompleted.eventType) sent", "\(ApprovalStepAssigned.eventType) digested",
                        "daily_digest sent", "daily_digest sent", "payment_overdue sent", "payment_overdue sent",
                    ]
                )
                let pushed = await standIn.received.compactMap {
                    $0.body["text"]?["content"]?.stringValue ?? $0.body["markdown"]?["content"]?.stringValue
                }
                #expect(pushed.count == 5)
                #expect(pushed.filter { $0.contains("HT-2026-000001") }.count == 1, "the approval step is pushed once, in the digest")
            }
        }
    }
}
