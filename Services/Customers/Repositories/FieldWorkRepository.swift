import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// The manager's views of field work, read from customers and visits: who has not been visited, and which
/// follow-ups are overdue. Scoped like the lists they come from (customers by owner and region, visits by rep and
/// their customer's region).
struct FieldWorkRepository: Sendable {
    let logger: Logger

    /// Active customers in `scope` not visited for `days` days by ``FieldWorkRules/notVisitedBefore(days:today:)``
    /// (never-visited ones first, then the longest-unvisited), a page at a time, each with its cursor. The order and
    /// the condition use `customers_not_visited_idx`'s expression.
    func notVisited(
        days: Int,
        today: CalendarDay,
        scope: DataScope,
        page: PageRequest,
        on connection: PostgresConnection
    ) async throws
        -> [(NotVisitedCustomer, PageCursor)]
    {
        let before = FieldWorkRules.notVisitedBefore(days: days, today: today)
        let cursor = page.cursor
        let rows = try await connection.query(
            """
            SELECT c.id, c.name, c.region, c.owner_id, NULLIF(u.display_name, ''), c.last_visit_at,
                COALESCE(c.last_visit_at, '2000-01-01 00:00:00+00'::timestamptz)
            FROM customers c LEFT JOIN org_replica u ON u.id = c.owner_id
            WHERE c.archived_at IS NULL
              AND COALESCE(c.last_visit_at, '2000-01-01 00:00:00+00'::timestamptz) < \(before)
              AND (\(scope.ownerIDs)::text[] IS NULL OR c.owner_id = ANY(\(scope.ownerIDs)::text[]))
              AND (\(scope.region)::text IS NULL OR c.region = \(scope.region))
              AND (\(cursor?.boundTime)::timestamptz IS NULL
                   OR (COALESCE(c.last_visit_at, '2000-01-01 00:00:00+00'::timestamptz), c.id) > (\(cursor?.boundTime), \(cursor?.id)))
            ORDER BY COALESCE(c.last_visit_at, '2000-01-01 00:00:00+00'::timestamptz), c.id
            LIMIT \(page.fetchLimit)
            """,
            logger: logger
        )
        var found: [(NotVisitedCustomer, PageCursor)] = []
        for try await (id, name, region, ownerID, ownerName, lastVisitAt, sortAt) in rows.decode(
            (RecordID, String, String, String?, String?, Date?, Date).self
        ) {
            let customer = NotVisitedCustomer(
                customerID: id,
                customerName: name,
                region: region,
                ownerID: ownerID,
                ownerName: ownerName,
                lastVisitAt: lastVisitAt,
                daysSinceLastVisit: lastVisitAt.map { FieldWorkRules.days(from: BusinessCalendar.day(of: $0), to: today) }
            )
            found.append((customer, PageCursor(createdAt: sortAt, id: id.uuid)))
        }
        return found
    }

    /// Visits in `scope` whose follow-up day is before `today` and whose customer (active) has had no visit since,
    /// by due day then visit id, a page at a time. The cursor's time is the start of the due day.
    func overdueFollowUps(
        today: CalendarDay,
        scope: DataScope,
        page: PageRequest,
        on connection: PostgresConnection
    ) async throws
        -> [OverdueFollowUp]
    {
        let afterDay = page.cursor.map { BusinessCalendar.day(of: $0.boundTime).description }
        let afterID = page.cursor?.id
        let rows = try await connection.query(
            """
            SELECT v.id, v.customer_id, c.name, v.rep_id, COALESCE(NULLIF(u.display_name, ''), v.rep_id), v.checked_in_at,
                v.next_follow_up_on::text
            FROM visits v JOIN customers c ON c.id = v.customer_id LEFT JOIN org_replica u ON u.id = v.rep_id
            WHERE v.next_follow_up_on < \(today.description)::date
              AND c.archived_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM visits later WHERE later.customer_id = v.customer_id AND later.checked_in_at > v.checked_in_at)
              AND (\(scope.ownerIDs)::text[] IS NULL OR v.rep_id = ANY(\(scope.ownerIDs)::text[]))
              AND (\(scope.region)::text IS NULL OR c.region = \(scope.region))
              AND (\(afterDay)::date IS NULL OR (v.next_follow_up_on, v.id) > (\(afterDay)::date, \(afterID)))
            ORDER BY v.next_follow_up_on, v.id
            LIMIT \(page.fetchLimit)
            """,
            logger: logger
        )
        var found: [OverdueFollowUp] = []
        for try await (id, customerID, customerName, repID, repName, visitedAt, due) in rows.decode(
            (RecordID, RecordID, String, String, String, Date, String).self
        ) {
            guard let dueOn = CalendarDay(due) else { throw UnknownValue(column: "visits.next_follow_up_on", value: due) }
            found.append(
                OverdueFollowUp(
                    visitID: id,
                    customerID: customerID,
                    customerName: customerName,
                    repID: repID,
                    repName: repName,
                    visitedAt: visitedAt,
                    dueOn: dueOn,
                    daysOverdue: FieldWorkRules.days(from: dueOn, to: today)
                )
            )
        }
        return found
    }
}
