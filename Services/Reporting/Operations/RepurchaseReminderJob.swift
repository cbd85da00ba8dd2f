import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// The daily 09:00 (Asia/Shanghai) re-purchase check: for every expected order (``Repurchase``) an `upcoming`
/// reminder inside the window and an `overdue` one past it when the customer has no open deal, and a `renewal`
/// reminder for each contract ending inside the window. Each `repurchase.reminder` goes to the outbox at most once per
/// (customer, line, expected date, kind) — the `repurchase_reminders` claim — in the transaction that claims the
/// occurrence, so it goes out once however many instances run and however often the job catches up.
enum RepurchaseReminderJob {
    static let name = "reporting.repurchase_reminders"
    static let schedule = Schedule(.daily, hour: 9, minute: 0, timeZone: BusinessCalendar.timeZone)

    /// The job, for a ``ServiceRuntime/ScheduleRunner`` (or a test that runs it with a controlled clock).
    static func job(repository: CollectionsRepository, settings: ReportingSettings) -> ScheduledJob {
        ScheduledJob(name: name, schedule: schedule) { occurrence, connection, logger in
            try await publish(occurrence: occurrence, repository: repository, settings: settings, on: connection, logger: logger)
        }
    }

    static func publish(
        occurrence: Date,
        repository: CollectionsRepository,
        settings: ReportingSettings,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        let today = BusinessCalendar.day(of: occurrence)
        // Only the projection's rows expected by the end of the window and not yet reminded of today's kind.
        let lines = try await RepurchaseRepository(logger: repository.logger).unreminded(
            today: today,
            remindDays: settings.remindDays,
            on: connection
        )
        let open = try await repository.customersWithOpenDeals(Set(lines.map(\.customerID)).sorted(), on: connection)
        var reminders: [RepurchaseReminder] = []
        for line in lines {
            guard
                let kind = Repurchase.reminder(
                    next: line.nextOn,
                    today: today,
                    remindDays: settings.remindDays,
                    hasOpenDeal: open.contains(line.customerID)
                )
            else { continue }
            reminders.append(
                RepurchaseReminder(
                    kind: kind,
                    customerID: line.customerID,
                    customerName: line.customerName,
                    ownerID: line.ownerID,
                    region: line.region,
                    productLine: line.productLine,
                    expectedOn: line.nextOn.description,
                    lastPurchaseOn: line.lastOn.description,
                    medianGapDays: line.medianGapDays,
                    occurrence: occurrence
                )
            )
        }
        for contract in try await repository.contractsEnding(from: today, to: today.adding(days: settings.remindDays), on: connection) {
            reminders.append(
                RepurchaseReminder(
                    kind: .renewal,
                    customerID: contract.customerID,
                    customerName: contract.customerName,
                    ownerID: contract.ownerID,
                    region: contract.region,
                    productLine: contract.productLines.joined(separator: "、"),
                    expectedOn: contract.endsOn.description,
                    lastPurchaseOn: contract.signedOn.description,
                    medianGapDays: nil,
                    contractID: contract.contractID,
                    contractNumber: contract.number,
                    occurrence: occurrence
                )
            )
        }
        var published = 0
        for reminder in reminders {
            guard let expectedOn = CalendarDay(reminder.expectedOn),
                try await repository.claimReminder(
                    customerID: reminder.customerID,
                    productLine: reminder.productLine,
                    expectedOn: expectedOn,
                    kind: reminder.kind,
                    at: occurrence,
                    on: connection
                )
            else { continue }
            let envelope = try EventEnvelope(
                reminder,
                source: ReportingService.name,
                subject: "\(reminder.customerID)/\(reminder.productLine)/\(reminder.expectedOn)/\(reminder.kind.rawValue)",
                sequence: Int64(occurrence.timeIntervalSince1970),
                time: occurrence
            )
            try await Outbox.append(envelope, on: connection, logger: logger)
            published += 1
        }
        logger.info("re-purchase reminders published", metadata: ["count": "\(published)"])
    }
}
