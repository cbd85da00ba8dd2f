import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// The visit projection (`visit_projection`, from `visit.checked_in` and `visit.checked_out`) and the weekly visit
/// report read from it.
struct VisitReportsRepository: Sendable {
    let logger: Logger

    /// An ISO week (Asia/Shanghai): its Monday and its label `2026-W48`.
    struct Week: Sendable, Equatable {
        var start: String
        var label: String
    }

    /// One rep's figures in one week.
    struct RepWeek: Sendable, Equatable {
        var repID: String
        var repName: String
        var weekStart: String
        var visits: Int
        var completed: Int
        var flagged: Int
        var durationMinutesTotal: Int
        var durationCount: Int
        var followUpsSet: Int
        var followUpsOnTime: Int
        var followUpsLate: Int
        var followUpsOverdue: Int
    }

    /// Stores a visit's state unless a newer version of it is already kept.
    func upsert(_ visit: VisitSnapshot, sequence: Int64, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO visit_projection (id, customer_id, rep_id, checked_in_at, week_start, checked_out_at, duration_minutes,
                                          next_follow_up_on, flagged, sequence)
            VALUES (\(visit.id), \(visit.customerID), \(visit.repID), \(visit.checkedInAt),
                    date_trunc('week', \(visit.checkedInAt)::timestamptz AT TIME ZONE 'Asia/Shanghai')::date, \(visit.checkedOutAt),
                    \(visit.durationMinutes), \(visit.nextFollowUpOn)::date, \(!visit.flags.isEmpty), \(sequence))
            ON CONFLICT (id) DO UPDATE SET customer_id = EXCLUDED.customer_id, rep_id = EXCLUDED.rep_id,
                checked_in_at = EXCLUDED.checked_in_at, week_start = EXCLUDED.week_start, checked_out_at = EXCLUDED.checked_out_at,
                duration_minutes = EXCLUDED.duration_minutes, next_follow_up_on = EXCLUDED.next_follow_up_on,
                flagged = EXCLUDED.flagged, sequence = EXCLUDED.sequence
            WHERE visit_projection.sequence < EXCLUDED.sequence
            """,
            logger: logger
        )
    }

    /// The `count` ISO weeks (Asia/Shanghai) up to and including the one `now` falls in, oldest first.
    func weeks(count: Int, endingAt now: Date, on connection: PostgresConnection) async throws -> [Week] {
        let rows = try await connection.query(
            """
            WITH current AS (SELECT date_trunc('week', \(now)::timestamptz AT TIME ZONE 'Asia/Shanghai') AS monday)
            SELECT w::date::text, to_char(w, 'IYYY-"W"IW')
            FROM current, generate_series(current.monday - (\(count - 1)::int * interval '1 week'), current.monday, interval '1 week') AS w
            ORDER BY w
            """,
            logger: logger
        )
        var weeks: [Week] = []
        for try await (start, label) in rows.decode((String, String).self) { weeks.append(Week(start: start, label: label)) }
        return weeks
    }

    /// Per rep in `scope` and week from `first` through `last` (Mondays), the figures of the visits checked in that
    /// week. A visit is in scope by its rep, and by its customer's region (the rep's region until the customer's
    /// events arrive). A follow-up is on time when the customer's next visit, by anyone, was on or before the day set,
    /// late when after it, overdue when there is none yet and the day is before `today`.
    func repWeeks(
        from first: String,
        through last: String,
        today: CalendarDay,
        scope: DataScope,
        on connection: PostgresConnection
    )
        async throws -> [RepWeek]
    {
        let rows = try await connection.query(
            """
            SELECT p.rep_id, COALESCE(NULLIF(u.display_name, ''), p.rep_id), p.week_start::text,
                count(*)::int8,
                count(*) FILTER (WHERE p.checked_out_at IS NOT NULL)::int8,
                count(*) FILTER (WHERE p.flagged)::int8,
                COALESCE(sum(p.duration_minutes), 0)::int8,
                count(p.duration_minutes)::int8,
                count(*) FILTER (WHERE p.next_follow_up_on IS NOT NULL)::int8,
                count(*) FILTER (WHERE followed.day <= p.next_follow_up_on)::int8,
                count(*) FILTER (WHERE followed.day > p.next_follow_up_on)::int8,
                count(*) FILTER (WHERE p.next_follow_up_on IS NOT NULL AND followed.day IS NULL AND p.next_follow_up_on < \(today.description)::date)::int8
            FROM visit_projection p
            LEFT JOIN customer_projection c ON c.id = p.customer_id
            LEFT JOIN org_replica u ON u.id = p.rep_id
            LEFT JOIN LATERAL (
                SELECT (min(n.checked_in_at) AT TIME ZONE 'Asia/Shanghai')::date AS day
                FROM visit_projection n
                WHERE p.next_follow_up_on IS NOT NULL AND n.customer_id = p.customer_id AND n.checked_in_at > p.checked_in_at
            ) followed ON true
            WHERE p.week_start BETWEEN \(first)::date AND \(last)::date
              AND (\(scope.ownerIDs)::text[] IS NULL OR p.rep_id = ANY(\(scope.ownerIDs)::text[]))
              AND (\(scope.region)::text IS NULL OR COALESCE(c.region, u.region) = \(scope.region))
            GROUP BY p.rep_id, 2, p.week_start
            """,
            logger: logger
        )
        var found: [RepWeek] = []
        typealias Columns = (String, String, String, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64)
        for try await (rep, name, week, visits, completed, flagged, total, durations, set, onTime, late, overdue) in rows.decode(Columns.self) {
            found.append(
                RepWeek(
                    repID: rep,
                    repName: name,
                    weekStart: week,
                    visits: Int(visits),
                    completed: Int(completed),
                    flagged: Int(flagged),
                    durationMinutesTotal: Int(total),
                    durationCount: Int(durations),
                    followUpsSet: Int(set),
                    followUpsOnTime: Int(onTime),
                    followUpsLate: Int(late),
                    followUpsOverdue: Int(overdue)
                )
            )
        }
        return found
    }

    /// The active reps in `scope` (the org replica), so a rep without a visit still shows as a row of zeros.
    func activeReps(scope: DataScope, on connection: PostgresConnection) async throws -> [(id: String, name: String)] {
        let rows = try await connection.query(
            """
            SELECT id, COALESCE(NULLIF(display_name, ''), id) FROM org_replica
            WHERE role = 'rep' AND active
              AND (\(scope.ownerIDs)::text[] IS NULL OR id = ANY(\(scope.ownerIDs)::text[]))
              AND (\(scope.region)::text IS NULL OR region = \(scope.region))
            """,
            logger: logger
        )
        var reps: [(id: String, name: String)] = []
        for try await (id, name) in rows.decode((String, String).self) { reps.append((id, name)) }
        return reps
    }
}
