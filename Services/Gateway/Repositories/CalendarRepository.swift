import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO

/// The holiday calendar, in the gateway's schema (`calendar_days`, migration 0007).
struct CalendarRepository: Sendable {
    let logger: Logger

    /// The overrides of a year, by day.
    func year(_ year: Int, on connection: PostgresConnection) async throws -> [CalendarEntry] {
        let rows = try await connection.query(
            """
            SELECT to_char(day, 'YYYY-MM-DD'), kind, name, updated_at FROM calendar_days
            WHERE kind IS NOT NULL AND day >= make_date(\(year)::int, 1, 1) AND day < make_date(\(year + 1)::int, 1, 1)
            ORDER BY day
            """,
            logger: logger
        )
        var entries: [CalendarEntry] = []
        for try await (text, kind, name, updatedAt) in rows.decode((String, String, String, Date).self) {
            guard let day = CalendarDay(text) else { continue }
            entries.append(
                CalendarEntry(day: day, kind: try CalendarOverride.Kind(stored: kind, column: "calendar_days.kind"), name: name, updatedAt: updatedAt)
            )
        }
        return entries
    }

    /// Sets a day's override, a version after the day's last one.
    /// - Returns: the entry and its new version.
    func set(_ entry: CalendarOverride, at now: Date, on connection: PostgresConnection) async throws -> (CalendarEntry, version: Int64) {
        let rows = try await connection.query(
            """
            INSERT INTO calendar_days (day, kind, name, version, updated_at)
            VALUES (\(entry.day.description)::date, \(entry.kind.rawValue), \(entry.name), 1, \(now))
            ON CONFLICT (day) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name, version = calendar_days.version + 1,
                updated_at = EXCLUDED.updated_at
            RETURNING version
            """,
            logger: logger
        )
        for try await version in rows.decode(Int64.self) {
            return (CalendarEntry(day: entry.day, kind: entry.kind, name: entry.name, updatedAt: now), version)
        }
        throw Problem.internalError("the calendar day was not written")
    }

    /// Removes a day's override.
    /// - Returns: the removed entry and the day's new version; `nil` when the day had no override.
    func remove(_ day: CalendarDay, at now: Date, on connection: PostgresConnection) async throws -> (CalendarOverride, version: Int64)? {
        let rows = try await connection.query(
            """
            UPDATE calendar_days SET kind = NULL, version = version + 1, updated_at = \(now)
            FROM (SELECT day, kind AS old_kind, name AS old_name FROM calendar_days WHERE day = \(day.description)::date FOR UPDATE) AS old
            WHERE calendar_days.day = old.day AND old.old_kind IS NOT NULL
            RETURNING old.old_kind, old.old_name, calendar_days.version
            """,
            logger: logger
        )
        for try await (kind, name, version) in rows.decode((String, String, Int64).self) {
            return (CalendarOverride(day: day, kind: try CalendarOverride.Kind(stored: kind, column: "calendar_days.kind"), name: name), version)
        }
        return nil
    }
}
