import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// The overdue check: every day at 09:00 (Asia/Shanghai) that is a working day (the holiday calendar's, kept in the
/// service's calendar replica from the gateway's `calendar.*` events), each installment with money
/// outstanding past its due date publishes `payment.overdue` for each alert threshold it has reached
/// (``Ageing/alertThresholds``) and not yet been alerted at.
///
/// The alert rows (`payment_overdue_alerts`) and the outbox events are written in the transaction that claims the
/// occurrence, so however many replicas run, each installment is alerted once per threshold. A weekend or holiday
/// occurrence is claimed and does nothing; the next working day's check finds whatever became overdue meanwhile,
/// because it looks at every overdue installment rather than at those that turned overdue that day.
enum PaymentOverdueCheckJob {
    static let name = "deals.payment_overdue_check"
    static let schedule = Schedule(.daily, hour: 9)

    /// The job, for a ``ServiceRuntime/ScheduleRunner`` (or a test that runs it with a controlled clock).
    /// - Parameter calendar: the working days; by default the holiday calendar of the service's
    ///   ``Persistence/CalendarReplica``, read in each occurrence's transaction.
    static func job(repository: ReceivablesRepository, calendar: WorkingCalendar? = nil) -> ScheduledJob {
        ScheduledJob(name: name, schedule: schedule) { occurrence, connection, logger in
            var working = calendar ?? WorkingCalendar()
            if calendar == nil { working = try await CalendarReplica(logger: logger).calendar(on: connection) }
            try await check(occurrence: occurrence, calendar: working, repository: repository, on: connection, logger: logger)
        }
    }

    /// Runs one occurrence of the check on the claiming transaction.
    /// - Returns: the alerts published.
    @discardableResult
    static func check(
        occurrence: Date,
        calendar: WorkingCalendar,
        repository: ReceivablesRepository,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [PaymentOverdue] {
        let today = BusinessCalendar.day(of: occurrence)
        guard calendar.isWorkingDay(today) else {
            logger.info("payment overdue check: not a working day; the next working day catches up", metadata: ["day": "\(today)"])
            return []
        }
        let everyone = DataScope(CallerIdentity(userID: name, role: .gm, region: nil, team: []))
        var published: [PaymentOverdue] = []
        for installment in try await repository.open(scope: everyone, asOf: today, on: connection) {
            guard let days = installment.daysOverdue, days >= 1, let dueOn = installment.dueOn else { continue }
            for threshold in Ageing.thresholdsReached(daysOverdue: days) {
                guard
                    try await repository.recordAlert(
                        installmentID: installment.id,
                        thresholdDays: threshold,
                        daysOverdue: days,
                        at: occurrence,
                        on: connection
                    )
                else { continue }
                let event = PaymentOverdue(
                    installmentID: installment.id.description,
                    party: installment.party,
                    label: installment.label,
                    dueOn: dueOn.description,
                    outstandingFen: installment.outstandingFen,
                    daysOverdue: days,
                    thresholdDays: threshold,
                    at: occurrence,
                    contractNumber: installment.contractNumber,
                    sequence: installment.sequence
                )
                let envelope = try EventEnvelope(
                    event,
                    source: DealsService.name,
                    subject: event.installmentID,
                    sequence: Int64(threshold),
                    time: occurrence
                )
                try await Outbox.append(envelope, on: connection, logger: logger)
                published.append(event)
            }
        }
        logger.info("payment overdue check ran", metadata: ["day": "\(today)", "alerts": "\(published.count)"])
        return published
    }
}
