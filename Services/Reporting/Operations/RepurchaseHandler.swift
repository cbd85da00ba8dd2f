import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `reporting.repurchase`: the expected orders (复购预测) of the customers in the caller's scope — each (customer,
/// product line) bought at least three times, with its median gap, last purchase, next expected date and status
/// (``Repurchase``), soonest first; overdue ones also say whether the customer has an open deal.
struct RepurchaseHandler: Sendable {
    let postgres: PostgresClient
    let repository: CollectionsRepository
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

    struct Report: Encodable {
        var asOf: String
        var remindDays: Int
        var items: [Item]
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = DataScope(try request.requireIdentity())
        let today = BusinessCalendar.day(of: now())
        let (purchases, open) = try await postgres.withConnection { connection in
            let purchases = try await repository.linePurchases(scope: scope, on: connection)
            let open = try await repository.customersWithOpenDeals(Set(purchases.map(\.customerID)).sorted(), on: connection)
            return (purchases, open)
        }
        let items = purchases.compactMap { line -> Item? in
            guard let expectation = Repurchase.expectation(purchaseDays: line.days) else { return nil }
            return Item(
                customerId: line.customerID,
                customerName: line.customerName,
                ownerId: line.ownerID,
                productLine: line.productLine,
                purchases: expectation.purchases,
                medianGapDays: expectation.medianGapDays,
                lastPurchaseOn: expectation.lastOn.description,
                nextExpectedOn: expectation.nextOn.description,
                status: Repurchase.status(next: expectation.nextOn, today: today, remindDays: settings.remindDays),
                openDeal: open.contains(line.customerID)
            )
        }
        .sorted { ($0.nextExpectedOn, $0.customerId, $0.productLine) < ($1.nextExpectedOn, $1.customerId, $1.productLine) }
        return try .json(Report(asOf: today.description, remindDays: settings.remindDays, items: items))
    }
}
