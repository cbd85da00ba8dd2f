import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// The Monday 09:00 digest (``CompletenessDigestRule``): at each occurrence, every rep's average over their active
/// customers, each manager's three lowest reps, and one `completeness.weekly_digest` event in the outbox, written in
/// the transaction that claims the occurrence — so it goes out once however many instances run. When no manager has
/// a rep with customers there is nothing to tell anyone, and nothing is published.
enum CompletenessWeeklyDigestJob {
    /// The job, for a ``ServiceRuntime/ScheduleRunner`` (or a test that runs it with a controlled clock).
    static func job(repository: CompletenessRepository) -> ScheduledJob {
        ScheduledJob(name: CompletenessDigestRule.jobName, schedule: CompletenessDigestRule.schedule) { occurrence, connection, logger in
            try await publish(occurrence: occurrence, repository: repository, on: connection, logger: logger)
        }
    }

    static func publish(occurrence: Date, repository: CompletenessRepository, on connection: PostgresConnection, logger: Logger) async throws {
        let everyone = DataScope(CallerIdentity(userID: CompletenessDigestRule.jobName, role: .gm, region: nil, team: []))
        let figures = try await repository.perRep(scope: everyone, now: occurrence, worst: 0, on: connection)
        var averages: [String: (averageBp: Int64, customers: Int)] = [:]
        for rep in figures { averages[rep.repID] = (rep.averageBp, rep.customers) }
        let org = try await repository.orgChart(on: connection)
        let digest = CompletenessWeeklyDigest(
            week: BusinessCalendar.day(of: occurrence).description,
            occurrence: occurrence,
            targetBp: Completeness.targetBp,
            managers: CompletenessDigestRule.digests(managers: org.managers, reps: org.reps, averages: averages)
        )
        guard !digest.managers.isEmpty else {
            logger.info("completeness digest: no manager has reps with customers; nothing published")
            return
        }
        let envelope = try EventEnvelope(
            digest,
            source: CustomersService.name,
            subject: CompletenessDigestRule.jobName,
            sequence: Int64(occurrence.timeIntervalSince1970),
            time: occurrence
        )
        try await Outbox.append(envelope, on: connection, logger: logger)
        logger.info("completeness digest published", metadata: ["managers": "\(digest.managers.count)"])
    }
}
