import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `GET /api/v1/calendar/days?year=`: a year's holidays and make-up workdays, by day, on one page (any signed-in user:
/// the calendar is no secret, and the app shows deadlines against it).
struct ListCalendarDaysHandler: Sendable {
    let postgres: PostgresClient
    let repository: CalendarRepository

    func callAsFunction(year text: String?) async throws -> Page<CalendarEntry> {
        let year = try CalendarRules.year(text, now: Date())
        let entries = try await postgres.withConnection { try await repository.year(year, on: $0) }
        return Page(items: entries, nextCursor: nil)
    }
}

/// `PUT /api/v1/calendar/days/{day}` (admin): makes a day a holiday or a make-up workday, or renames it. Audited as
/// `calendar.set`; publishes `calendar.day_set` with the day's version as its sequence.
struct SetCalendarDayHandler: Sendable {
    let postgres: PostgresClient
    let repository: CalendarRepository
    let audit: AuditRepository
    let logger: Logger

    func callAsFunction(day text: String?, _ input: CalendarDayInput, _ request: WriteRequest) async throws -> RPCResponse {
        let day = try CalendarRules.day(text)
        let entry = try CalendarRules.entry(input, on: day)
        return try await request.once("gateway.calendar.set", subject: "calendar:\(day)", postgres: postgres, logger: logger) {
            [repository, audit, logger] connection in
            let (written, version) = try await repository.set(entry, at: Date(), on: connection)
            try await audit.record(
                actor: request.actor,
                action: "calendar.set",
                subject: "calendar:\(day)",
                changes: try JSONValue(encoding: entry),
                on: connection
            )
            let event = try EventEnvelope(
                CalendarDaySet(entry),
                source: GatewayService.name,
                subject: day.description,
                sequence: version,
                traceparent: request.traceparent
            )
            try await Outbox.append(event, on: connection, logger: logger)
            return try .json(written)
        }
    }
}

/// `DELETE /api/v1/calendar/days/{day}` (admin): removes a day's override, so the Monday–Friday rule applies to it
/// again; 404 when the day has none. Audited as `calendar.remove`; publishes `calendar.day_removed`.
struct RemoveCalendarDayHandler: Sendable {
    let postgres: PostgresClient
    let repository: CalendarRepository
    let audit: AuditRepository
    let logger: Logger

    /// The reply: the override that was removed.
    struct Removed: Encodable {
        var day: CalendarDay
        var removed: CalendarOverride
    }

    func callAsFunction(day text: String?, _ request: WriteRequest) async throws -> RPCResponse {
        let day = try CalendarRules.day(text)
        return try await request.once("gateway.calendar.remove", subject: "calendar:\(day)", postgres: postgres, logger: logger) {
            [repository, audit, logger] connection in
            guard let result = try await repository.remove(day, at: Date(), on: connection) else {
                throw Problem.notFound("\(day) has no holiday or make-up workday to remove.")
            }
            let (removed, version) = result
            try await audit.record(
                actor: request.actor,
                action: "calendar.remove",
                subject: "calendar:\(day)",
                changes: try JSONValue(encoding: removed),
                on: connection
            )
            let event = try EventEnvelope(
                CalendarDayRemoved(day: day),
                source: GatewayService.name,
                subject: day.description,
                sequence: version,
                traceparent: request.traceparent
            )
            try await Outbox.append(event, on: connection, logger: logger)
            return try .json(Removed(day: day, removed: removed))
        }
    }
}
