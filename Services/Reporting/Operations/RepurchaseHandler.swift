import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `reporting.repurchase`: the expected orders (复购预测) of the customers in the caller's scope — each (customer,
/// product line) bought at least three times, with its median gap, last purchase, next expected date and status
/// (``Repurchase``), soonest first, a page at a time (`limit`, `cursor`), optionally only one `status`; with the number
/// of overdue, upcoming and expected orders in scope (the screen's tiles). Overdue ones also say whether the customer
/// has an open deal. Everything comes from the `customer_line_purchases` projection (``RepurchaseRepository``).
struct RepurchaseHandler: Sendable {
    let postgres: PostgresClient
    let repository: CollectionsRepository
    let purchases: RepurchaseRepository
    let settings: ReportingSettings
    let now: @Sendable () -> Date

    struct Item: Encodable {
        var customerId: String
        var customerName: String
        var ownerId: String
        var productLine: String
        var purchases: Int
        var medianGapDays: Int
        var lastPurchaseOn: String
        var nextExpectedOn: String
        var status: Repurchase.Status
        var openDeal: Bool
    }

    struct Counts: Encodable {
        var overdue: Int
        var upcoming: Int
        var expected: Int
    }

    struct Report: Encodable {
        var asOf: String
        var remindDays: Int
        var counts: Counts
        var items: [Item]
        @ExplicitNull var nextCursor: String?
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = DataScope(try request.requireIdentity())
        var errors: [Problem.FieldError] = []
        let limit =
            (try? request.limit(default: 20, max: 100))
            ?? {
                errors.append(.init(field: "limit", message: "must be a whole number from 1 to 100"))
                return 20
            }()
        var cursor: RepurchaseRepository.Cursor?
        if let token = request.query["cursor"], !token.isEmpty {
            cursor = RepurchaseRepository.Cursor(token: token)
            if cursor == nil { errors.append(.init(field: "cursor", message: "is not a cursor this API returned")) }
        }
        var status: Repurchase.Status?
        if let text = request.query["status"], !text.isEmpty {
            status = Repurchase.Status(rawValue: text)
            if status == nil { errors.append(.init(field: "status", message: "must be overdue, upcoming or expected")) }
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }

        let today = BusinessCalendar.day(of: now())
        let range = RepurchaseRepository.range(of: status, today: today, remindDays: settings.remindDays)
        let (rows, counts, open) = try await postgres.withConnection { connection in
            let rows = try await purchases.page(scope: scope, from: range.from, to: range.to, after: cursor, limit: limit + 1, on: connection)
            let counts = try await purchases.counts(scope: scope, today: today, remindDays: settings.remindDays, on: connection)
            let shown = rows.prefix(limit)
            let open = try await repository.customersWithOpenDeals(Set(shown.map(\.customerID)).sorted(), on: connection)
            return (rows, counts, open)
        }
        let shown = Array(rows.prefix(limit))
        let items = shown.map { line in
            Item(
                customerId: line.customerID,
                customerName: line.customerName,
                ownerId: line.ownerID,
                productLine: line.productLine,
                purchases: line.purchases,
                medianGapDays: line.medianGapDays,
                lastPurchaseOn: line.lastOn.description,
                nextExpectedOn: line.nextOn.description,
                status: Repurchase.status(next: line.nextOn, today: today, remindDays: settings.remindDays),
                openDeal: open.contains(line.customerID)
            )
        }
        return try .json(
            Report(
                asOf: today.description,
                remindDays: settings.remindDays,
                counts: Counts(overdue: counts[.overdue] ?? 0, upcoming: counts[.upcoming] ?? 0, expected: counts[.expected] ?? 0),
                items: items,
                nextCursor: rows.count > limit ? shown.last.map { RepurchaseRepository.Cursor(after: $0).token } : nil
            )
        )
    }
}
