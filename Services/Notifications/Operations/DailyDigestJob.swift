import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// The 09:00 daily digest (每日待办), on working days: for every user with something waiting (``DailyDigest``), one
/// in-app notification (kind `daily_digest`) and one WeCom push, written in the transaction that claims the
/// occurrence (``ServiceRuntime/ScheduledJob``), so each goes out once however many instances run.
///
/// The pushes quiet hours held overnight for what the digest carries (approval steps, overdue receivables, re-purchase
/// reminders; not urgent ones) are marked `digested` in the same transaction rather than sent after it. The delivery
/// sender waits for this job's claim before sending held pushes (see ``DeliveryService``).
enum DailyDigestJob {
    static let name = "notifications.daily_digest"
    static let kind = "daily_digest"
    /// 09:00 Asia/Shanghai, the start of working hours (``PushPolicy/workStart``); non-working days do nothing.
    static let schedule = Schedule(.daily, hour: PushPolicy.workStart.hour, minute: PushPolicy.workStart.minute)

    /// The job, for a ``ServiceRuntime/ScheduleRunner`` (or a test that runs it with a controlled clock).
    static func job(repository: NotificationRepository, wecomConfigured: Bool, calendar: WorkingCalendar = WorkingCalendar()) -> ScheduledJob {
        // A digest is a morning thing: a service down all morning does not send it in the afternoon.
        ScheduledJob(name: name, schedule: schedule, catchUpWindow: .seconds(3 * 3600)) { occurrence, connection, logger in
            try await run(
                occurrence: occurrence,
                repository: repository,
                wecomConfigured: wecomConfigured,
                calendar: calendar,
                on: connection,
                logger: logger
            )
        }
    }

    static func run(
        occurrence: Date,
        repository: NotificationRepository,
        wecomConfigured: Bool,
        calendar: WorkingCalendar,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        let today = BusinessCalendar.day(of: occurrence)
        guard calendar.isWorkingDay(today) else { return }
        let digests = DigestRepository(logger: logger)
        let eventID = UUID()
        var sent = 0
        for userID in try await digests.candidates(on: connection) {
            guard
                let digest = DailyDigest.compose(
                    userID: userID,
                    today: today,
                    approvals: try await digests.approvals(of: userID, on: connection),
                    followUps: try await digests.followUps(of: userID, dueBy: today, on: connection),
                    receivables: try await digests.receivables(of: userID, on: connection),
                    reminderTitles: try await digests.reminderTitles(of: userID, before: occurrence, on: connection)
                )
            else { continue }
            let contact = try await repository.contact(id: userID, on: connection)
            try await repository.addNotification(
                userID: userID,
                eventID: eventID,
                kind: kind,
                title: digest.title,
                body: digest.body,
                approvalID: nil,
                at: occurrence,
                on: connection
            )
            try await digests.digestHeldPushes(of: userID, heldUntil: occurrence, on: connection)
            try await repository.addDelivery(
                eventID: eventID,
                channel: ApprovalNotificationsHandler.channel,
                recipient: userID,
                message: WeComMessage.dailyDigest(digest, recipient: contact),
                skipped: !wecomConfigured,
                kind: kind,
                at: occurrence,
                on: connection
            )
            sent += 1
        }
        logger.info("daily digest written", metadata: ["occurrence": "\(occurrence)", "users": "\(sent)"])
    }
}

/// Keeps the digest's replicas from the events notifications consumes (see ``DailyDigest`` for what feeds what).
struct DigestReplicaHandlers: Sendable {
    let digests: DigestRepository

    func visitCheckedIn(_ event: VisitCheckedIn, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await digests.visit(event.visit, on: connection)
    }

    func visitCheckedOut(_ event: VisitCheckedOut, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await digests.visit(event.visit, on: connection)
    }

    func customerCreated(_ event: CustomerCreated, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await digests.customer(event.customer, on: connection)
    }

    func customerUpdated(_ event: CustomerUpdated, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await digests.customer(event.customer, on: connection)
    }

    func receiptRecorded(_ event: ReceiptRecorded, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await digests.received(event, on: connection)
    }

    func installmentWrittenOff(
        _ event: InstallmentWrittenOff,
        _ envelope: EventEnvelope,
        _ connection: PostgresConnection,
        _ logger: Logger
    )
        async throws
    {
        try await digests.writtenOff(event, on: connection)
    }
}
