import Contracts
import Foundation
import Testing

@testable import Deals

@Suite("Deal stage rules")
struct DealStageRulesTests {
    let none = DealStageRules.Facts(hasQuote: false, hasSignedContract: false)
    let quoted = DealStageRules.Facts(hasQuote: true, hasSignedContract: false)
    let signed = DealStageRules.Facts(hasQuote: true, hasSignedContract: true)

    func apply(
        _ move: DealStageRules.Move,
        from stage: DealStage,
        lostFrom: DealStage? = nil,
        reason: String? = nil,
        facts: DealStageRules.Facts
    )
        -> Result<DealStageRules.Outcome, Problem>
    {
        Result { () throws(Problem) in try DealStageRules.apply(move, from: stage, lostFrom: lostFrom, lostReason: reason, facts: facts) }
    }

    @Test("the pipeline moves forward one step at a time when its conditions hold")
    func forward() throws {
        #expect(try apply(.to(.qualified), from: .lead, facts: none).get().to == .qualified)
        #expect(try apply(.to(.quoted), from: .qualified, facts: quoted).get().to == .quoted)
        #expect(try apply(.to(.contract), from: .quoted, facts: signed).get().to == .contract)
    }

    @Test("delivered and paid are never moved to by hand: 409 saying the shipment (or the collection) moves the deal")
    func automaticStagesRefuseHandMoves() {
        for (from, to) in [(DealStage.contract, DealStage.delivered), (.delivered, .paid), (.contract, .paid)] {
            guard case .failure(let problem) = apply(.to(to), from: from, facts: signed) else {
                Issue.record("\(from) → \(to) was allowed by hand")
                continue
            }
            #expect(problem.status == 409)
            #expect(problem.detail?.contains(to == .delivered ? "发货完成后自动进入" : "自动进入已回款") == true, "\(problem.detail ?? "")")
        }
    }

    @Test("the delivery moves a contract deal to delivered, and on to paid when already collected; collection alone waits for the delivery")
    func deliveryAndCollectionMoves() {
        #expect(DealStageRules.automaticMoves(from: .contract, delivered: true, collected: false) == [.delivered])
        #expect(DealStageRules.automaticMoves(from: .contract, delivered: true, collected: true) == [.delivered, .paid])
        #expect(DealStageRules.automaticMoves(from: .delivered, delivered: true, collected: true) == [.paid])
        #expect(DealStageRules.automaticMoves(from: .contract, delivered: false, collected: true) == [])
        #expect(DealStageRules.automaticMoves(from: .lost, delivered: true, collected: true) == [])
        #expect(DealStageRules.automaticMoves(from: .paid, delivered: true, collected: true) == [])
    }

    @Test(
        "illegal moves are 409: skipping, going back, staying, leaving paid or lost, quoted without a quote, contract without a signed one",
        arguments: [
            (DealStage.lead, DealStage.quoted),
            (.quoted, .qualified),
            (.contract, .lead),
            (.qualified, .qualified),
            (.paid, .delivered),
            (.lost, .qualified),
            (.qualified, .quoted),
            (.quoted, .contract),
        ]
    )
    func illegal(from: DealStage, to: DealStage) {
        let facts = from == .quoted ? quoted : none
        guard case .failure(let problem) = apply(.to(to), from: from, facts: facts) else {
            Issue.record("\(from) → \(to) was allowed")
            return
        }
        #expect(problem.status == 409)
    }

    @Test("lost needs a reason and remembers where it came from; reopen returns there and only from lost")
    func lostAndReopen() throws {
        guard case .failure(let missing) = apply(.to(.lost), from: .quoted, reason: "  ", facts: quoted) else {
            Issue.record("lost without a reason was allowed")
            return
        }
        #expect(missing.status == 422)
        let lost = try apply(.to(.lost), from: .quoted, reason: "价格太高", facts: quoted).get()
        #expect(lost == DealStageRules.Outcome(to: .lost, lostReason: "价格太高", lostFromStage: .quoted))
        #expect(try apply(.reopen, from: .lost, lostFrom: .quoted, facts: quoted).get().to == .quoted)
        #expect((try? apply(.reopen, from: .quoted, facts: quoted).get()) == nil)
        #expect((try? apply(.to(.lost), from: .paid, reason: "x", facts: signed).get()) == nil)
        #expect((try? apply(.to(.lost), from: .lost, reason: "x", facts: signed).get()) == nil)
    }

    @Test("a stage name that does not exist is a 422")
    func unknownStage() throws {
        #expect((try? DealStageRules.move(.init(stage: "won", lostReason: nil))) == nil)
        #expect(try DealStageRules.move(.init(stage: "reopen", lostReason: nil)) == .reopen)
    }

    @Test("signing moves an earlier deal to contract; a quote moves a qualified deal to quoted")
    func automaticMoves() {
        #expect(DealStageRules.afterSigning(.quoted) == .contract)
        #expect(DealStageRules.afterSigning(.lead) == .contract)
        #expect(DealStageRules.afterSigning(.delivered) == nil)
        #expect(DealStageRules.afterQuote(.qualified) == .quoted)
        #expect(DealStageRules.afterQuote(.lead) == nil)
        #expect(DealStageRules.afterQuote(.quoted) == nil)
    }

    @Test("close dates must be real calendar dates")
    func dates() {
        #expect(CalendarDay.isValid("2026-12-31"))
        #expect(CalendarDay.isValid("2028-02-29"))
        #expect(!CalendarDay.isValid("2026-02-29"))
        #expect(!CalendarDay.isValid("2026-1-05"))
        #expect(!CalendarDay.isValid("tomorrow"))
    }
}

@Suite("Quote pricing")
struct QuotePricingTests {
    static let bolt = Quote.PricedProduct(id: "p-bolt", name: "M8 螺栓", productLine: "fasteners", listPriceFen: 135, unitCostFen: 90)
    static let gear = Quote.PricedProduct(id: "p-gear", name: "齿轮", productLine: "gears", listPriceFen: 1_000_000, unitCostFen: 600_000)
    let products = [bolt.id: bolt, gear.id: gear]

    @Test(
        "a line is quantity × price × (1 − discount), rounded half-up to the fen",
        arguments: [
            (Int64(1), Int64(135), Int64(0), Int64(135)),
            (3, 135, 1_000, 365),  // 364.5 → 365
            (1, 135, 1_000, 122),  // 121.5 → 122
            (1, 133, 1_000, 120),  // 119.7 → 120
            (1, 101, 5_000, 51),  // 50.5 → 51
            (1, 99, 5_000, 50),  // 49.5 → 50
            (7, 1, 3_333, 5),  // 4.6669 → 5
            (10_000, 135, 1_250, 1_181_250),
            (5, 100, 10_000, 0),
        ]
    )
    func lineAmount(quantity: Int64, price: Int64, discount: Int64, expected: Int64) {
        #expect(Quote.lineAmount(quantity: quantity, unitPriceFen: price, discountBasisPoints: discount) == expected)
    }

    @Test("an amount past Int64 is refused instead of wrapping")
    func overflow() {
        #expect(Quote.lineAmount(quantity: Int64.max, unitPriceFen: 2, discountBasisPoints: 0) == nil)
    }

    @Test("totals, cost, margin fen and margin basis points of a discounted quote")
    func totals() throws {
        let lines = try Quote.price(
            [
                .init(productID: "p-bolt", quantity: 10_000, unitPriceFen: nil, discountBasisPoints: 1_250),
                .init(productID: "P-GEAR", quantity: 2, unitPriceFen: 950_000, discountBasisPoints: nil),
            ],
            products: products
        )
        #expect(lines[0].amountFen == 1_181_250)
        #expect(lines[0].costFen == 900_000)
        #expect(lines[0].unitPriceFen == 135)
        #expect(lines[1].amountFen == 1_900_000)
        #expect(lines[1].productID == "p-gear")
        let totals = try #require(Quote.totals(of: lines))
        #expect(totals.totalFen == 3_081_250)
        #expect(totals.costFen == 2_100_000)
        #expect(totals.marginFen == 981_250)
        // 981250 / 3081250 = 31.846…% → 3185 bp
        #expect(totals.marginBasisPoints == 3_185)
    }

    @Test("a loss-making quote has a negative margin, rounded away from zero; a free quote has margin 0 bp")
    func negativeMargin() throws {
        let loss = try Quote.price([.init(productID: "p-bolt", quantity: 3, unitPriceFen: 31)], products: products)
        let totals = try #require(Quote.totals(of: loss))
        #expect(totals.totalFen == 93 && totals.costFen == 270 && totals.marginFen == -177)
        // -177 / 93 = -190.32…% → -19032 bp
        #expect(totals.marginBasisPoints == -19_032)
        let free = try Quote.price([.init(productID: "p-bolt", quantity: 3, unitPriceFen: 0)], products: products)
        #expect(Quote.totals(of: free)?.marginBasisPoints == 0)
    }

    @Test("bad lines are all reported as 422 with their fields")
    func invalidLines() {
        do {
            _ = try Quote.price(
                [
                    .init(productID: "nope", quantity: 1),
                    .init(productID: "p-bolt", quantity: 0),
                    .init(productID: "p-gear", quantity: 1, unitPriceFen: -1),
                    .init(productID: "p-gear", quantity: 1, discountBasisPoints: 10_001),
                ],
                products: products
            )
            Issue.record("bad lines were priced")
        } catch {
            #expect(error.status == 422)
            let fields = Set((error.errors ?? []).map(\.field))
            #expect(fields.isSuperset(of: ["lines.0.productId", "lines.1.quantity", "lines.2.unitPriceFen", "lines.3.discountBasisPoints"]))
        }
        #expect((try? Quote.price([], products: products)) == nil)
        #expect((try? Quote.price([.init(productID: "p-bolt", quantity: 1), .init(productID: "p-bolt", quantity: 2)], products: products)) == nil)
    }

    func version(_ number: Int, _ lines: [Quote.LineRequest]) throws -> Quote.Version {
        let priced = try Quote.price(lines, products: products)
        return Quote.Version(
            id: RecordID(),
            dealID: RecordID(),
            version: number,
            lines: priced,
            totals: try #require(Quote.totals(of: priced)),
            validUntil: nil,
            note: nil,
            createdBy: "rep-1",
            createdAt: Date()
        )
    }

    @Test("the diff names added, removed and changed lines and the total's change")
    func diff() throws {
        let v1 = try version(1, [.init(productID: "p-bolt", quantity: 100)])
        let v2 = try version(2, [.init(productID: "p-bolt", quantity: 100, discountBasisPoints: 500), .init(productID: "p-gear", quantity: 1)])
        let v3 = try version(3, [.init(productID: "p-gear", quantity: 1)])

        let first = Quote.Diff(from: nil, to: v1)
        #expect(first.previousVersion == nil && first.added.count == 1 && first.totalDeltaFen == 13_500)

        let second = Quote.Diff(from: v1, to: v2)
        #expect(second.previousVersion == 1)
        #expect(second.added.map(\.productId) == ["p-gear"])
        #expect(second.removed.isEmpty)
        #expect(second.changed.map(\.productId) == ["p-bolt"])
        #expect(second.changed.first?.before.amountFen == 13_500 && second.changed.first?.after.amountFen == 12_825)
        #expect(second.totalDeltaFen == 1_000_000 - 675)

        let third = Quote.Diff(from: v2, to: v3)
        #expect(third.removed.map(\.productId) == ["p-bolt"])
        #expect(third.added.isEmpty && third.changed.isEmpty)
        #expect(third.totalDeltaFen == -12_825)
    }
}

@Suite("Contract rules")
struct ContractRulesTests {
    @Test("numbers are HT-<year>-<6 digits> in the Shanghai year")
    func numbers() throws {
        #expect(ContractRules.number(year: 2026, sequence: 123) == "HT-2026-000123")
        #expect(ContractRules.number(year: 2026, sequence: 1_234_567) == "HT-2026-1234567")
        // 2026-12-31T16:30Z is already 2027-01-01 00:30 in Shanghai.
        let newYear = try Date("2026-12-31T16:30:00Z", strategy: .iso8601)
        #expect(BusinessCalendar.year(of: newYear) == 2027)
    }

    @Test("approval outcomes move only a pending contract")
    func outcomes() {
        #expect(ContractRules.status(after: .approved, from: .pendingApproval) == .approved)
        #expect(ContractRules.status(after: .rejected, from: .pendingApproval) == .rejected)
        #expect(ContractRules.status(after: .recalled, from: .pendingApproval) == .draft)
        #expect(ContractRules.status(after: .approved, from: .signed) == nil)
        #expect(ContractRules.status(after: .rejected, from: .approved) == nil)
        #expect(ContractRules.status(after: .approved, from: .draft) == nil)
        #expect(ContractRules.canSubmit(.draft) && ContractRules.canSubmit(.rejected))
        #expect(!ContractRules.canSubmit(.pendingApproval) && !ContractRules.canSubmit(.approved) && !ContractRules.canSubmit(.signed))
        #expect(ContractRules.canSign(.approved) && !ContractRules.canSign(.pendingApproval))
    }

    @Test("a contract bound to a superseded version is refused with a problem naming the current version")
    func superseded() {
        let bound = RecordID()
        let current = RecordID()
        #expect(throws: Never.self) { try QuoteBinding.check(quoteID: bound, version: 1, current: nil) }
        #expect(throws: Never.self) { try QuoteBinding.check(quoteID: bound, version: 1, current: (bound, 1)) }
        do {
            try QuoteBinding.check(quoteID: bound, version: 1, current: (current, 2))
            Issue.record("a superseded version was accepted")
        } catch {
            #expect(error.status == 409)
            #expect(error.detail?.contains("version 2") == true)
            #expect(error.extensions?["currentVersion"] == .number(2))
            #expect(error.extensions?["currentQuoteId"] == .string(current.description))
        }
    }
}
