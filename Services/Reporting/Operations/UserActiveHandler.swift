import Contracts
import Logging
import PostgresNIO
import ServiceRuntime

/// `user.active` → the user acted on that Asia/Shanghai business day (issue 12): the same daily-active rows as
/// logins, so a day counts once whether the user logged in, acted with a token from the day before, or both.
struct UserActiveHandler: Sendable {
    let log: ReportingRepository
    let activity: DailyActiveRepository

    func callAsFunction(_ event: UserActive, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await log.record(envelope, on: connection)
        guard CalendarDay(event.day) != nil else { throw UnprocessableEvent(reason: "user.active names no day: \(event.day)") }
        try await activity.recordActivity(userID: event.userID, role: event.role, region: event.region, day: event.day, on: connection)
    }
}
