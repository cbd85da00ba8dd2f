import Contracts
import Logging
import PostgresNIO

/// `user.logged_in` → the user was active on that Asia/Shanghai business day (the daily-active KPI). Logins form a
/// set per user and day, so redeliveries and any order of arrival give the same rows.
struct UserLoggedInHandler: Sendable {
    let log: ReportingRepository
    let activity: DailyActiveRepository

    func callAsFunction(_ event: UserLoggedIn, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await log.record(envelope, on: connection)
        try await activity.recordLogin(userID: event.userID, role: event.role, region: event.region, at: envelope.time, on: connection)
    }
}
