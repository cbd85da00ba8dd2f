import Contracts

/// True margin (真实毛利): the gross margin net of the cost of the money tied up between signature and collection, and
/// of what was written off. Pure arithmetic on integer fen; no I/O, no floating point.
///
/// Per contract signed on day `S` (Asia/Shanghai), with the annual rate `r` in basis points
/// (`COST_OF_MONEY_ANNUAL_BP`, 600 = 6 %) and today `T`:
///
///     costOfMoney = round½( Σ_receipts  a × r × max(0, R − S)
///                         + Σ_outstanding o × r × E ) ÷ (10 000 × 365)
///
///     E = max(0, due − S)  when the installment's due date is known and not before T,
///         max(0, T − S)    when it is unknown (waits for delivery) or already passed
///
///     trueMargin = amount − cost − costOfMoney − writtenOff
///
/// `a`/`R` are each non-reversed receipt's amount and day; `o` is what an installment still owes (its amount less its
/// non-reversed allocations and its write-off; without a known plan, the contract's amount less receipts and
/// write-offs, due date unknown). Issue 11 rounded one contract's numerator, half away from zero, to the fen; that
/// per-contract arithmetic lives on beside the tests that compare the report with it (Tests/ReportingTests/
/// TrueMarginPerContract.swift).
///
/// The report (issue 14) reads daily aggregates, not contracts: per contract line (``lineMoney(_:)``) each part of the
/// contract's money — its write-offs, its received fen, its received fen·days Σ a × max(0, R − S), and its open money
/// per due date (pieces due the same day summed first) — is split over its lines in proportion to the line amounts
/// (``split(_:by:)``: largest remainder, so the shares sum exactly to the whole). Only the open money's days depend
/// on today, linearly, so the line's fen·days at `T` are a sum over the aggregates:
///
///     fenDays(T) = Σ receivedFenDays + Σ open × (max(due, T) − S)      (due unknown: T − S)
///
/// and **the cost of money is rounded once per product line**: round½(Σ fenDays × r ÷ (10 000 × 365)) over all its
/// contracts, the exact `Int128` sum (``LineFigures/costOfMoneyFen`` via ``ranked(_:annualRateBp:)``). Before issue 14
/// it was rounded per contract and the rounded shares summed, which could be off by up to half a fen per contract;
/// the per-line rounding is the more exact figure. The line's figures:
/// - quoted margin: (revenue − cost) ÷ revenue in basis points (today's list/offer margin, as the old report);
/// - true margin: Σ trueMargin shares, in fen and as basis points of revenue;
/// - average days to collect: money-weighted days, Σ(amount × days) ÷ Σ amount over the received and the still
///   outstanding money of its contracts (actual days for received money, `E` for open money), split like the cost of
///   money, rounded half away from zero to whole days;
/// - re-purchase rate: of the customers who bought the line in the period, the share (basis points) who have bought it
///   on at least two distinct days by the end of the period (earlier purchases count).
///
/// Lines are ranked by true margin rate (basis points; a line without revenue last), then true margin in fen.
enum TrueMargin {
    /// A non-reversed receipt.
    struct Receipt: Sendable, Equatable {
        var amountFen: Fen
        var receivedOn: CalendarDay
    }

    /// One installment of the payment plan with what is already settled on it.
    struct Installment: Sendable, Equatable {
        var amountFen: Fen
        var dueOn: CalendarDay?
        /// Non-reversed allocations of receipts.
        var allocatedFen: Fen
        var writtenOffFen: Fen
    }

    /// One line of a signed contract.
    struct Line: Sendable, Equatable {
        var productLine: String
        var amountFen: Fen
        var costFen: Fen
        /// The line's number in its contract (`signed_contract_lines.line_no`).
        var lineNo: Int = 0
    }

    /// A signed contract with its money.
    struct Contract: Sendable, Equatable {
        var contractID: String
        var customerID: String?
        var signedOn: CalendarDay
        var amountFen: Fen
        var lines: [Line]
        var receipts: [Receipt] = []
        /// Empty while no payment plan is known.
        var installments: [Installment] = []
        /// Written off in all (from the write-off events).
        var writtenOffFen: Fen = 0

        var costFen: Fen { lines.reduce(0) { $0 + $1.costFen } }
    }

    /// What a contract still owes, by due date (`nil`: unknown).
    static func outstanding(_ contract: Contract) -> [(amountFen: Fen, dueOn: CalendarDay?)] {
        if contract.installments.isEmpty {
            let received = contract.receipts.reduce(Fen(0)) { $0 + $1.amountFen }
            let open = contract.amountFen - received - contract.writtenOffFen
            return open > 0 ? [(open, nil)] : []
        }
        return contract.installments.compactMap { installment in
            let open = installment.amountFen - installment.allocatedFen - installment.writtenOffFen
            return open > 0 ? (open, installment.dueOn) : nil
        }
    }

    /// `total` split in proportion to `weights`, exactly: each share is rounded down, and the fen left over go one by
    /// one to the largest remainders (ties: the earlier weight). All-zero weights split evenly the same way.
    static func split(_ total: Int64, by weights: [Int64]) -> [Int64] {
        let shares = split128(Int128(total.magnitude), by: weights).map { Int64($0) }
        return total < 0 ? shares.map { -$0 } : shares
    }

    /// Money still owed on a line, due on a known day.
    struct OpenMoney: Sendable, Equatable {
        var dueOn: CalendarDay
        var fen: Fen
    }

    /// One contract line's money (issue 14: a row of `contract_line_money` with its `contract_line_open` rows).
    struct LineMoney: Sendable, Equatable {
        var lineNo: Int
        var productLine: String
        var revenueFen: Fen
        var costFen: Fen
        var writtenOffFen: Fen = 0
        var receivedFen: Fen = 0
        /// Σ a × max(0, R − S) of the non-reversed receipts, the line's share.
        var receivedFenDays: Int128 = 0
        /// Open money whose due date is unknown (no plan, or an installment without a due date).
        var openUndatedFen: Fen = 0
        /// Open money by due date, earliest first; no zero amounts.
        var openByDue: [OpenMoney] = []

        /// Σ amount × days at `today`, and Σ amount, of this line of a contract signed on `signedOn`.
        func moneyDays(signedOn: CalendarDay, today: CalendarDay) -> (fenDays: Int128, fen: Int128) {
            let signed = signedOn.dayNumber
            let now = today.dayNumber
            var fenDays = receivedFenDays + Int128(openUndatedFen) * Int128(max(0, now - signed))
            var fen = Int128(receivedFen) + Int128(openUndatedFen)
            for open in openByDue {
                fenDays += Int128(open.fen) * Int128(max(0, max(open.dueOn.dayNumber, now) - signed))
                fen += Int128(open.fen)
            }
            return (fenDays, fen)
        }
    }

    /// The contract's money split over its lines (see the type's documentation); empty without lines.
    static func lineMoney(_ contract: Contract) -> [LineMoney] {
        guard !contract.lines.isEmpty else { return [] }
        let weights = contract.lines.map(\.amountFen)
        let signed = contract.signedOn.dayNumber
        let writtenOff = split(contract.writtenOffFen, by: weights)
        let received = split(contract.receipts.reduce(Fen(0)) { $0 + $1.amountFen }, by: weights)
        let receivedDays = split128(
            contract.receipts.reduce(Int128(0)) { $0 + Int128($1.amountFen) * Int128(max(0, $1.receivedOn.dayNumber - signed)) },
            by: weights
        )
        var undated: Fen = 0
        var byDue: [CalendarDay: Fen] = [:]
        for (amount, due) in outstanding(contract) {
            if let due { byDue[due, default: 0] += amount } else { undated += amount }
        }
        let undatedShares = split(undated, by: weights)
        let dated = byDue.sorted { $0.key.dayNumber < $1.key.dayNumber }.map { ($0.key, split($0.value, by: weights)) }
        return contract.lines.enumerated().map { index, line in
            LineMoney(
                lineNo: line.lineNo,
                productLine: line.productLine,
                revenueFen: line.amountFen,
                costFen: line.costFen,
                writtenOffFen: writtenOff[index],
                receivedFen: received[index],
                receivedFenDays: receivedDays[index],
                openUndatedFen: undatedShares[index],
                openByDue: dated.compactMap { due, shares in shares[index] > 0 ? OpenMoney(dueOn: due, fen: shares[index]) : nil }
            )
        }
    }

    /// Sets each line's cost of money from its exact fen·days — round½(fenDays × r ÷ (10 000 × 365)), once per line —
    /// and ranks the lines (``ranksBefore(_:_:)``).
    static func ranked(_ lines: [LineFigures], annualRateBp: Int64) -> [LineFigures] {
        lines.map { line in
            var line = line
            line.costOfMoneyFen = Fen(Ratio.divideRoundingHalfAwayFromZero(line.moneyFenDays * Int128(annualRateBp), by: 10_000 * 365))
            return line
        }
        .sorted(by: ranksBefore)
    }

    /// One product line's figures.
    struct LineFigures: Sendable, Equatable {
        var productLine: String
        var revenueFen: Fen = 0
        var costFen: Fen = 0
        var costOfMoneyFen: Fen = 0
        var writtenOffFen: Fen = 0
        var moneyFenDays: Int128 = 0
        var moneyFen: Int128 = 0
        var customers = 0
        var repeatCustomers = 0

        var quotedMarginFen: Fen { revenueFen - costFen }
        var quotedMarginBp: Int64? { Margin.basisPoints(revenueFen: revenueFen, costFen: costFen) }
        var trueMarginFen: Fen { revenueFen - costFen - costOfMoneyFen - writtenOffFen }
        var trueMarginBp: Int64? { revenueFen == 0 ? nil : Ratio.basisPoints(Int128(trueMarginFen), of: Int128(revenueFen)) }
        /// Whole days, rounded half away from zero; `nil` without money.
        var averageDaysToCollect: Int? {
            moneyFen == 0 ? nil : Int(Ratio.divideRoundingHalfAwayFromZero(moneyFenDays, by: moneyFen))
        }
        var repurchaseRateBp: Int64? { Ratio.basisPoints(Int128(repeatCustomers), of: Int128(customers)) }
    }

    /// Higher true margin rate first (a line without revenue last), then more true margin in fen, then by name.
    static func ranksBefore(_ a: LineFigures, _ b: LineFigures) -> Bool {
        switch (a.trueMarginBp, b.trueMarginBp) {
        case (let x?, let y?) where x != y: return x > y
        case (.some, .none): return true
        case (.none, .some): return false
        default: break
        }
        if a.trueMarginFen != b.trueMarginFen { return a.trueMarginFen > b.trueMarginFen }
        return a.productLine < b.productLine
    }

    /// ``split(_:by:)`` of a non-negative total, also for the wide sums of the days to collect.
    static func split128(_ total: Int128, by weights: [Int64]) -> [Int128] {
        guard !weights.isEmpty else { return [] }
        let positive = weights.map { max(0, $0) }
        let usable = positive.contains { $0 > 0 } ? positive : positive.map { _ in Int64(1) }
        let sum = Int128(usable.reduce(0, +))
        var shares = usable.map { total * Int128($0) / sum }
        let remainders = usable.map { total * Int128($0) % sum }
        var left = total - shares.reduce(0, +)
        for index in remainders.indices.sorted(by: { remainders[$0] > remainders[$1] || (remainders[$0] == remainders[$1] && $0 < $1) }) {
            guard left > 0 else { break }
            shares[index] += 1
            left -= 1
        }
        return shares
    }
}
