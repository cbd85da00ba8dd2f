import Contracts
import Foundation
import PostgresNIO
import ServiceRuntime

@testable import Reporting

// The true margin as issue 11 computed it, contract by contract. The report reads aggregates now (ADR 0012); this
// arithmetic stays here, beside the tests that compare the aggregates with it.

extension CollectionsRepository {
    /// The contracts signed in `period` within `scope`, with their lines and money (see ``TrueMargin``): the
    /// per-contract arithmetic of issue 11.
    func contracts(in period: ReportPeriod, scope: DataScope, on connection: PostgresConnection) async throws -> [TrueMargin.Contract] {
        let rows = try await connection.query(
            """
            SELECT c.contract_id, COALESCE(c.customer_id, d.customer_id),
                to_char(c.signed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), c.amount_fen
            FROM signed_contracts c LEFT JOIN deal_projection d ON d.deal_id = c.deal_id
            WHERE c.signed_at >= \(period.start) AND c.signed_at < \(period.end)
              AND (\(scope.ownerIDs)::text[] IS NULL OR c.owner_id = ANY(\(scope.ownerIDs)))
              AND (\(scope.region)::text IS NULL OR c.region = \(scope.region))
            ORDER BY c.contract_id
            """,
            logger: logger
        )
        return try await withMoney(rows, on: connection)
    }

    /// On how many distinct (Asia/Shanghai) days each of `customers` bought each product line, up to `end`.
    func purchaseDays(customers: [String], before end: Date, on connection: PostgresConnection) async throws -> [CustomerLine: Int] {
        guard !customers.isEmpty else { return [:] }
        let rows = try await connection.query(
            """
            SELECT COALESCE(c.customer_id, d.customer_id) AS customer, l.product_line,
                count(DISTINCT (c.signed_at AT TIME ZONE 'Asia/Shanghai')::date)::bigint
            FROM signed_contract_lines l JOIN signed_contracts c ON c.contract_id = l.contract_id
                LEFT JOIN deal_projection d ON d.deal_id = c.deal_id
            WHERE c.signed_at < \(end) AND COALESCE(c.customer_id, d.customer_id) = ANY(\(customers))
            GROUP BY 1, 2
            """,
            logger: logger
        )
        var result: [CustomerLine: Int] = [:]
        for try await (customer, line, days) in rows.decode((String, String, Int64).self) {
            result[CustomerLine(customerID: customer, productLine: line)] = Int(days)
        }
        return result
    }
}

extension TrueMargin {
    /// Σ amount × days over received and outstanding money, and Σ amount: the exact parts of the cost of money and of
    /// the days to collect.
    static func moneyDays(_ contract: Contract, today: CalendarDay) -> (fenDays: Int128, fen: Int128) {
        let signed = contract.signedOn.dayNumber
        var fenDays: Int128 = 0
        var fen: Int128 = 0
        for receipt in contract.receipts {
            fenDays += Int128(receipt.amountFen) * Int128(max(0, receipt.receivedOn.dayNumber - signed))
            fen += Int128(receipt.amountFen)
        }
        let now = today.dayNumber
        for (amount, due) in outstanding(contract) {
            let expected = due.map(\.dayNumber).flatMap { $0 >= now ? $0 : nil } ?? now
            fenDays += Int128(amount) * Int128(max(0, expected - signed))
            fen += Int128(amount)
        }
        return (fenDays, fen)
    }

    /// The contract's cost of money in fen (see the type's formula).
    static func costOfMoney(_ contract: Contract, annualRateBp: Int64, today: CalendarDay) -> Fen {
        let (fenDays, _) = moneyDays(contract, today: today)
        return Fen(Ratio.divideRoundingHalfAwayFromZero(fenDays * Int128(annualRateBp), by: 10_000 * 365))
    }

    /// The per-line figures of `contracts`, ranked (see the type's documentation).
    /// - Parameters:
    ///   - contracts: the contracts signed in the period.
    ///   - purchaseDays: per customer and line, how many distinct days the customer bought the line on, up to the end
    ///     of the period (earlier periods included).
    static func lines(
        _ contracts: [Contract],
        annualRateBp: Int64,
        today: CalendarDay,
        purchaseDays: [CustomerLine: Int]
    ) -> [LineFigures] {
        var byLine: [String: LineFigures] = [:]
        var buyers: [String: Set<String>] = [:]
        for contract in contracts where !contract.lines.isEmpty {
            let weights = contract.lines.map(\.amountFen)
            let moneyCost = split(costOfMoney(contract, annualRateBp: annualRateBp, today: today), by: weights)
            let writtenOff = split(contract.writtenOffFen, by: weights)
            let (fenDays, fen) = moneyDays(contract, today: today)
            let daysShares = split128(fenDays, by: weights)
            let fenShares = split128(fen, by: weights)
            for (index, line) in contract.lines.enumerated() {
                var figures = byLine[line.productLine] ?? LineFigures(productLine: line.productLine)
                figures.revenueFen += line.amountFen
                figures.costFen += line.costFen
                figures.costOfMoneyFen += moneyCost[index]
                figures.writtenOffFen += writtenOff[index]
                figures.moneyFenDays += daysShares[index]
                figures.moneyFen += fenShares[index]
                byLine[line.productLine] = figures
                if let customer = contract.customerID { buyers[line.productLine, default: []].insert(customer) }
            }
        }
        for (line, customers) in buyers {
            byLine[line]?.customers = customers.count
            byLine[line]?.repeatCustomers = customers.filter { purchaseDays[CustomerLine(customerID: $0, productLine: line), default: 0] >= 2 }.count
        }
        return byLine.values.sorted(by: ranksBefore)
    }
}

/// A customer and a product line: the key of re-purchases.
struct CustomerLine: Hashable, Sendable {
    var customerID: String
    var productLine: String
}
