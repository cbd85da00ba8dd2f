import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// Issue 14: the expected re-purchases (复购预测) from the `customer_line_purchases` projection (migration 0012, kept
/// by triggers on the signed contracts, their lines and the customers), a page at a time, and the per-status counts
/// from `customer_line_purchase_counts`. Nothing here reads a contract.
struct RepurchaseRepository: Sendable {
    let logger: Logger

    /// One (customer, product line) with its expectation (``Repurchase``) and the customer's name, owner and region.
    struct Line: Sendable, Equatable {
        var customerID: String
        var customerName: String
        var ownerID: String
        var region: String
        var productLine: String
        var purchases: Int
        var medianGapDays: Int
        var lastOn: CalendarDay
        var nextOn: CalendarDay
    }

    /// Where a page ends: the last row's (next expected day, customer, line), the list's order.
    struct Cursor: Sendable, Equatable {
        var nextOn: CalendarDay
        var customerID: String
        var productLine: String

        init(nextOn: CalendarDay, customerID: String, productLine: String) {
            self.nextOn = nextOn
            self.customerID = customerID
            self.productLine = productLine
        }

        init(after line: Line) {
            self.init(nextOn: line.nextOn, customerID: line.customerID, productLine: line.productLine)
        }

        /// The opaque token: base64url (no padding) of the JSON array `[day, customer, line]`.
        var token: String {
            Base64URL.encode((try? JSONEncoder().encode([nextOn.description, customerID, productLine])) ?? Data())
        }

        /// Parses a token; `nil` unless this API could have written it.
        init?(token: String) {
            guard let data = Base64URL.decode(token, maxLength: 1_200), let parts = try? JSONDecoder().decode([String].self, from: data),
                parts.count == 3,
                let day = CalendarDay(parts[0]), (1900...9999).contains(day.year),
                parts[1].utf8.count <= 200, parts[2].utf8.count <= 200,
                !parts[1].unicodeScalars.contains("\0"), !parts[2].unicodeScalars.contains("\0")
            else { return nil }
            self.init(nextOn: day, customerID: parts[1], productLine: parts[2])
        }
    }

    /// The next-expected-day range of a status today (both ends inclusive).
    static func range(of status: Repurchase.Status?, today: CalendarDay, remindDays: Int) -> (from: CalendarDay, to: CalendarDay) {
        let first = CalendarDay(year: 1900, month: 1, day: 1)
        let last = CalendarDay(year: 9999, month: 12, day: 31)
        switch status {
        case nil: return (first, last)
        case .overdue: return (first, today.adding(days: -1))
        case .upcoming: return (today, today.adding(days: remindDays))
        case .expected: return (today.adding(days: remindDays + 1), last)
        }
    }

    private static let columns = """
        p.customer_id, p.customer_name, p.owner_id, p.region, p.product_line, p.purchases, p.median_gap_days,
        p.last_on::text AS last_day, p.next_on::text AS next_day
        """

    /// Up to `limit` rows in scope with a next expected day in `from…to`, after `cursor`, in the order (next_on,
    /// customer_id, product_line). Every scope is an index range scan: everyone on (next_on, …), a region on (region,
    /// next_on, …), a list of owners one owner at a time on (owner_id, next_on, …), at most `limit` rows each.
    func page(
        scope: DataScope,
        from: CalendarDay,
        to: CalendarDay,
        after cursor: Cursor?,
        limit: Int,
        on connection: PostgresConnection
    ) async throws -> [Line] {
        // The scan starts at the row comparison: begin it just before `from` when the cursor lies before it (PostgreSQL
        // starts a btree scan at the row comparison, not at the tighter `next_on >=`, so a status page would otherwise
        // walk every earlier entry of the index).
        let floor = Cursor(nextOn: from.adding(days: -1), customerID: "", productLine: "")
        let after = cursor.map { $0.nextOn < from ? floor : $0 } ?? floor
        let (from, to) = (from.description, to.description)
        let (afterDay, afterCustomer, afterLine) = (after.nextOn.description, after.customerID, after.productLine)
        let rows: PostgresRowSequence
        if let owners = scope.ownerIDs {
            rows = try await connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM unnest(\(owners)::text[]) AS o (id)
                CROSS JOIN LATERAL (
                    SELECT p.* FROM customer_line_purchases p
                    WHERE p.owner_id = o.id AND (\(scope.region)::text IS NULL OR p.region = \(scope.region))
                      AND p.next_on BETWEEN \(from)::date AND \(to)::date
                      AND (p.next_on, p.customer_id, p.product_line) > (\(afterDay)::date, \(afterCustomer), \(afterLine))
                    ORDER BY p.next_on, p.customer_id, p.product_line
                    LIMIT \(limit)
                ) p
                ORDER BY p.next_on, p.customer_id, p.product_line
                LIMIT \(limit)
                """,
                logger: logger
            )
        } else if let region = scope.region {
            rows = try await connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM customer_line_purchases p
                WHERE p.region = \(region) AND p.next_on BETWEEN \(from)::date AND \(to)::date
                  AND (p.next_on, p.customer_id, p.product_line) > (\(afterDay)::date, \(afterCustomer), \(afterLine))
                ORDER BY p.region, p.next_on, p.customer_id, p.product_line
                LIMIT \(limit)
                """,
                logger: logger
            )
        } else {
            rows = try await connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM customer_line_purchases p
                WHERE p.next_on BETWEEN \(from)::date AND \(to)::date
                  AND (p.next_on, p.customer_id, p.product_line) > (\(afterDay)::date, \(afterCustomer), \(afterLine))
                ORDER BY p.next_on, p.customer_id, p.product_line
                LIMIT \(limit)
                """,
                logger: logger
            )
        }
        return try await Self.lines(rows)
    }

    /// How many rows in scope are overdue, upcoming and expected today: a sum over the counts per (owner, region,
    /// next expected day) — an owner's rows, or the per-region rows (owner '') when the scope names no owner, each an
    /// index range.
    func counts(scope: DataScope, today: CalendarDay, remindDays: Int, on connection: PostgresConnection) async throws -> [Repurchase.Status: Int] {
        let windowEnd = today.adding(days: remindDays).description
        let rows = try await connection.query(
            """
            SELECT COALESCE(sum(lines) FILTER (WHERE next_on < \(today.description)::date), 0)::bigint,
                COALESCE(sum(lines) FILTER (WHERE next_on BETWEEN \(today.description)::date AND \(windowEnd)::date), 0)::bigint,
                COALESCE(sum(lines) FILTER (WHERE next_on > \(windowEnd)::date), 0)::bigint
            FROM customer_line_purchase_counts
            WHERE owner_id = ANY(COALESCE(\(scope.ownerIDs)::text[], ARRAY['']))
              AND (\(scope.region)::text IS NULL OR region = \(scope.region))
            """,
            logger: logger
        )
        for try await (overdue, upcoming, expected) in rows.decode((Int64, Int64, Int64).self) {
            return [.overdue: Int(overdue), .upcoming: Int(upcoming), .expected: Int(expected)]
        }
        return [.overdue: 0, .upcoming: 0, .expected: 0]
    }

    /// Every row expected on or before `today + remindDays` whose reminder of today's kind (`overdue` before today,
    /// `upcoming` from today) was not sent yet: what the daily check may remind of.
    func unreminded(today: CalendarDay, remindDays: Int, on connection: PostgresConnection) async throws -> [Line] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM customer_line_purchases p
            WHERE p.next_on <= \(today.adding(days: remindDays).description)::date
              AND NOT EXISTS (
                SELECT 1 FROM repurchase_reminders r
                WHERE r.customer_id = p.customer_id AND r.product_line = p.product_line AND r.expected_on = p.next_on
                  AND r.kind = CASE WHEN p.next_on < \(today.description)::date THEN 'overdue' ELSE 'upcoming' END)
            ORDER BY p.customer_id, p.product_line
            """,
            logger: logger
        )
        return try await Self.lines(rows)
    }

    private static func lines(_ rows: PostgresRowSequence) async throws -> [Line] {
        var result: [Line] = []
        for try await (customer, name, owner, region, line, purchases, gap, last, next) in rows.decode(
            (String, String, String, String, String, Int32, Int32, String, String).self
        ) {
            guard let lastOn = CalendarDay(last), let nextOn = CalendarDay(next) else { continue }
            result.append(
                Line(
                    customerID: customer,
                    customerName: name,
                    ownerID: owner,
                    region: region,
                    productLine: line,
                    purchases: Int(purchases),
                    medianGapDays: Int(gap),
                    lastOn: lastOn,
                    nextOn: nextOn
                )
            )
        }
        return result
    }
}
