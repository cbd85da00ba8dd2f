public import Contracts
public import Logging
public import PostgresNIO

/// A service's copy of the holiday calendar: the gateway's holidays and make-up workdays (调休), in its own schema's
/// `calendar_replica` table, kept from the gateway's `calendar.*` events, for every rule that counts working days.
///
/// The table is part of kit migration `kit_0007_timers`, which seeds it with ``Contracts/OfficialHolidays/year2026``
/// (version 0), so a service knows 2026 before any event arrives; later years and changes arrive as events through
/// `EventHandlerRegistry.registerCalendarReplica` (ServiceRuntime). A removed day keeps its row (no kind) and version,
/// so a late, older `calendar.day_set` does not bring it back.
public struct CalendarReplica: Sendable {
    /// The `calendar_replica` table; `kind` is `NULL` for a day whose override was removed.
    static let tableSQL = """
        CREATE TABLE calendar_replica (
            day date PRIMARY KEY,
            kind text CHECK (kind IN ('holiday', 'workday')),
            name text NOT NULL DEFAULT '',
            sequence bigint NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now()
        );
        """

    /// The seed: the official 2026 calendar at version 0.
    static var seedSQL: String {
        let rows = OfficialHolidays.year2026.map { "('\($0.day)', '\($0.kind.rawValue)', '\($0.name)', 0)" }
        return "INSERT INTO calendar_replica (day, kind, name, sequence) VALUES\n    " + rows.joined(separator: ",\n    ")
    }

    let logger: Logger

    /// A replica that logs its queries to `logger`.
    public init(logger: Logger) {
        self.logger = logger
    }

    /// Stores a day's override unless a newer version of the day is kept.
    public func store(_ entry: CalendarOverride, sequence: Int64, on connection: PostgresConnection) async throws {
        try await upsert(day: entry.day, kind: entry.kind.rawValue, name: entry.name, sequence: sequence, on: connection)
    }

    /// Removes a day's override (the Monday–Friday rule applies again) unless a newer version of the day is kept.
    public func remove(_ day: CalendarDay, sequence: Int64, on connection: PostgresConnection) async throws {
        try await upsert(day: day, kind: nil, name: "", sequence: sequence, on: connection)
    }

    private func upsert(day: CalendarDay, kind: String?, name: String, sequence: Int64, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO calendar_replica (day, kind, name, sequence) VALUES (\(day.description)::date, \(kind), \(name), \(sequence))
            ON CONFLICT (day) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name, sequence = EXCLUDED.sequence, updated_at = now()
            WHERE calendar_replica.sequence < EXCLUDED.sequence
            """,
            logger: logger
        )
    }

    /// Every override kept, by day.
    public func overrides(on connection: PostgresConnection) async throws -> [CalendarOverride] {
        let rows = try await connection.query(
            "SELECT to_char(day, 'YYYY-MM-DD'), kind, name FROM calendar_replica WHERE kind IS NOT NULL ORDER BY day",
            logger: logger
        )
        var overrides: [CalendarOverride] = []
        for try await (text, kind, name) in rows.decode((String, String, String).self) {
            guard let day = CalendarDay(text) else { continue }
            overrides.append(CalendarOverride(day: day, kind: try CalendarOverride.Kind(stored: kind, column: "calendar_replica.kind"), name: name))
        }
        return overrides
    }

    /// The working calendar the replica describes, with `hours` as office hours.
    public func calendar(hours: WorkingHours = .standard, on connection: PostgresConnection) async throws -> WorkingCalendar {
        WorkingCalendar(overrides: try await overrides(on: connection), hours: hours)
    }
}
