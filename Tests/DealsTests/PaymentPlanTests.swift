import Contracts
import Foundation
import ServiceRuntime
import Testing

@testable import Deals

/// The payment plan rules without a database: terms, splitting, edits, allocation and status.
@Suite("Payment plan rules")
struct PaymentPlanTests {
    static let day = CalendarDay(year: 2026, month: 11, day: 30)

    @Test("a split rounds each share down and puts the remainder on the last, so the shares sum exactly")
    func split() {
        #expect(PaymentPlan.split(8_000_004, basisPoints: [3000, 6000, 1000]) == [2_400_001, 4_800_002, 800_001])
        #expect(PaymentPlan.split(100, basisPoints: [3333, 3333, 3334]) == [33, 33, 34])
        #expect(PaymentPlan.split(1, basisPoints: [3000, 6000, 1000]) == [0, 0, 1])
        let huge: Fen = 9_000_000_000_000_000
        let shares = PaymentPlan.split(huge, basisPoints: [3000, 6000, 1000])
        #expect(shares.reduce(0, +) == huge)
        #expect(shares[0] == 2_700_000_000_000_000)
        for amount: Fen in [1, 7, 99, 10_001, 123_456_789] {
            #expect(PaymentPlan.split(amount, basisPoints: [1250, 3750, 5000]).reduce(0, +) == amount)
        }
    }

    @Test("the default terms propose 30% on the signing day, 60% 30 days and 10% 90 days after delivery")
    func defaultProposal() {
        let plan = PaymentTerms.standard.propose(amountFen: 8_000_004, signedOn: Self.day)
        #expect(plan.map(\.label) == ["预付款", "发货款", "质保金"])
        #expect(plan.map(\.amountFen) == [2_400_001, 4_800_002, 800_001])
        #expect(plan.map(\.due) == [.on(Self.day), .afterDelivery(days: 30), .afterDelivery(days: 90)])
        #expect(plan.map(\.sequence) == [1, 2, 3])
        #expect(PaymentTerms.standard.propose(amountFen: 1, signedOn: Self.day).map(\.amountFen) == [1])
        #expect(PaymentTerms.standard.propose(amountFen: 0, signedOn: Self.day).isEmpty)
    }

    @Test("the terms text parses into the default terms, and a bad one says what is wrong")
    func termsText() throws {
        #expect(try PaymentTerms.parse(PaymentTerms.defaultText).get() == .standard)
        let custom = try PaymentTerms.parse("定金: 12.5% :signing+7;尾款:87.5%:delivery").get()
        #expect(custom.terms.map(\.basisPoints) == [1250, 8750])
        #expect(custom.terms.map(\.days) == [7, 0])
        #expect(custom.terms.map(\.anchor) == [.signing, .delivery])
        for bad in [
            "", "a:30%:signing", "a:30:signing;b:70%:delivery", "a:50%:shipping;b:50%:delivery", "a:50%:signing+x;b:50%:delivery",
            ":50%:signing;b:50%:delivery", "a:50%:signing+4000;b:50%:delivery", "a:0%:signing;b:100%:delivery", "a:50.123%:signing;b:50%:delivery",
        ] {
            guard case .failure(let error) = PaymentTerms.parse(bad) else {
                Issue.record("'\(bad)' parsed")
                continue
            }
            #expect(!error.description.isEmpty)
        }
    }

    @Test("PAYMENT_TERMS that does not parse stops the service with a message naming the variable")
    func termsConfiguration() throws {
        #expect(try DealsService.paymentTerms(ServiceConfiguration(environment: [:])) == .standard)
        #expect(try DealsService.paymentTerms(ServiceConfiguration(environment: ["PAYMENT_TERMS": "全款:100%:signing"])).terms.count == 1)
        do {
            _ = try DealsService.paymentTerms(ServiceConfiguration(environment: ["PAYMENT_TERMS": "a:30%:signing"]))
            Issue.record("a plan of 30% was accepted")
        } catch {
            #expect(error.description.contains("PAYMENT_TERMS"))
            #expect(error.description.contains("not 100%"))
        }
    }

    func edit(_ items: [(String, Fen, String?, Int?)]) -> PaymentPlan.Edit {
        PaymentPlan.Edit(installments: items.map { .init(label: $0.0, amountFen: $0.1, dueOn: $0.2, dueAfterDeliveryDays: $0.3) })
    }

    func fields(_ body: () throws -> [PlannedInstallment]) -> [String] {
        do {
            _ = try body()
            return []
        } catch let problem as Problem {
            return problem.errors?.map(\.field) ?? ["status \(problem.status)"]
        } catch {
            return ["\(error)"]
        }
    }

    @Test("an edited plan must sum exactly to the amount, with labels, positive amounts and one due rule each")
    func editValidation() throws {
        let good = try PaymentPlan.validate(edit([("定金", 500, "2026-12-01", nil), ("尾款", 500, nil, 10)]), amountFen: 1000, current: [])
        #expect(good.map(\.due) == [.on(CalendarDay(year: 2026, month: 12, day: 1)), .afterDelivery(days: 10)])
        #expect(fields { try PaymentPlan.validate(edit([("定金", 500, "2026-12-01", nil)]), amountFen: 1000, current: []) } == ["installments"])
        #expect(
            fields { try PaymentPlan.validate(edit([("", 0, nil, nil), ("x", 1000, "2026-02-30", 3)]), amountFen: 1000, current: []) } == [
                "installments.0.label", "installments.0.amountFen", "installments.0.dueOn", "installments.1.dueOn",
            ]
        )
        #expect(
            fields { try PaymentPlan.validate(edit([("x", 1000, nil, 4000)]), amountFen: 1000, current: []) } == [
                "installments.0.dueAfterDeliveryDays"
            ]
        )
        #expect(fields { try PaymentPlan.validate(edit([("x", 1000, "2026-02-28", nil)]), amountFen: 1000, current: []) } == [])
        #expect(fields { try PaymentPlan.validate(edit([]), amountFen: 1000, current: []) } == ["installments"])
        #expect(fields { try PaymentPlan.validate(PaymentPlan.Edit(installments: nil), amountFen: 1000, current: []) } == ["installments"])
        let thirteen = Array(repeating: ("x", Fen(1), "2026-12-01" as String?, nil as Int?), count: 13)
        #expect(fields { try PaymentPlan.validate(edit(thirteen), amountFen: 13, current: []) } == ["installments"])
        #expect(
            fields { try PaymentPlan.validate(edit([(String(repeating: "长", count: 41), 1000, "2026-12-01", nil)]), amountFen: 1000, current: []) }
                == [
                    "installments.0.label"
                ]
        )
        #expect(
            fields {
                try PaymentPlan.validate(edit([("a", Fen.max, "2026-12-01", nil), ("b", Fen.max, "2026-12-01", nil)]), amountFen: 1000, current: [])
            }
                == ["installments"]
        )
    }

    @Test("an edit goes by position: an installment cannot shrink below what is settled on it, nor be removed once it had receipts")
    func editAgainstSettled() {
        let current = [
            PaymentPlan.Settled(sequence: 1, settledFen: 600, hasHistory: true),
            PaymentPlan.Settled(sequence: 2, settledFen: 0, hasHistory: false),
            PaymentPlan.Settled(sequence: 3, settledFen: 0, hasHistory: true),
        ]
        #expect(
            fields {
                try PaymentPlan.validate(
                    edit([("a", 500, "2026-12-01", nil), ("b", 300, nil, 1), ("c", 200, nil, 2)]),
                    amountFen: 1000,
                    current: current
                )
            }
                == ["installments.0.amountFen"]
        )
        #expect(
            fields { try PaymentPlan.validate(edit([("a", 600, "2026-12-01", nil), ("b", 400, nil, 1)]), amountFen: 1000, current: current) } == [
                "installments"
            ]
        )
        #expect(
            fields {
                try PaymentPlan.validate(
                    edit([("a", 600, "2026-12-01", nil), ("b", 100, nil, 1), ("c", 300, nil, 2)]),
                    amountFen: 1000,
                    current: current
                )
            }
                == []
        )
        let withoutHistory = Array(current.prefix(2))
        #expect(fields { try PaymentPlan.validate(edit([("a", 1000, "2026-12-01", nil)]), amountFen: 1000, current: withoutHistory) } == [])
    }

    @Test("oldest first goes by due date, then sequence, undated last, each up to what is outstanding")
    func oldestFirst() {
        let ids = (0..<4).map { _ in RecordID() }
        let open = [
            PaymentPlan.Open(id: ids[0], sequence: 1, dueOn: CalendarDay(year: 2026, month: 12, day: 5), outstandingFen: 100),
            PaymentPlan.Open(id: ids[1], sequence: 2, dueOn: nil, outstandingFen: 100),
            PaymentPlan.Open(id: ids[2], sequence: 3, dueOn: CalendarDay(year: 2026, month: 12, day: 1), outstandingFen: 0),
            PaymentPlan.Open(id: ids[3], sequence: 4, dueOn: CalendarDay(year: 2026, month: 12, day: 5), outstandingFen: 100),
        ]
        let allocated = PaymentPlan.allocateOldestFirst(250, over: open)
        #expect(allocated.map(\.installmentID) == [ids[0], ids[3], ids[1]])
        #expect(allocated.map(\.amountFen) == [100, 100, 50])
        #expect(PaymentPlan.allocateOldestFirst(30, over: open).map(\.amountFen) == [30])
    }

    @Test("a receipt is checked field by field; manual allocations sum to it and stay within each installment")
    func receiptRules() throws {
        let today = Self.day
        let ids = [RecordID(), RecordID()]
        let entry = ReceiptRules.Entry(amountFen: 300, receivedOn: "2026-11-30", method: "bank_transfer", reference: "  BOC-1  ")
        let checked = try ReceiptRules.check(entry, today: today)
        #expect(checked.reference == "BOC-1" && checked.allocations == nil && checked.method == .bankTransfer)
        do {
            _ = try ReceiptRules.check(ReceiptRules.Entry(amountFen: 0, receivedOn: "2026-12-01", method: "cheque"), today: today)
            Issue.record("accepted")
        } catch { #expect(error.errors?.map(\.field) == ["amountFen", "receivedOn", "method"]) }
        let manual = ReceiptRules.Entry(
            amountFen: 300,
            receivedOn: "2026-11-30",
            method: "cash",
            allocations: [.init(installmentId: ids[0].description, amountFen: 100), .init(installmentId: ids[0].description, amountFen: 100)]
        )
        do {
            _ = try ReceiptRules.check(manual, today: today)
            Issue.record("accepted")
        } catch { #expect(error.errors?.map(\.field) == ["allocations.1.installmentId"]) }
        let short = ReceiptRules.Entry(
            amountFen: 300,
            receivedOn: "2026-11-30",
            method: "cash",
            allocations: [.init(installmentId: ids[0].description, amountFen: 100)]
        )
        do {
            _ = try ReceiptRules.check(short, today: today)
            Issue.record("accepted")
        } catch { #expect(error.errors?.map(\.field) == ["allocations"]) }

        let open = [
            PaymentPlan.Open(id: ids[0], sequence: 1, dueOn: today, outstandingFen: 200),
            PaymentPlan.Open(id: ids[1], sequence: 2, dueOn: nil, outstandingFen: 200),
        ]
        let split = ReceiptRules.Entry(
            amountFen: 300,
            receivedOn: "2026-11-30",
            method: "cash",
            allocations: [.init(installmentId: ids[1].description, amountFen: 200), .init(installmentId: ids[0].description, amountFen: 100)]
        )
        #expect(try ReceiptRules.allocate(try ReceiptRules.check(split, today: today), over: open).map(\.amountFen) == [200, 100])
        #expect(try ReceiptRules.allocate(checked, over: open).map(\.amountFen) == [200, 100])
        let over = ReceiptRules.Entry(amountFen: 401, receivedOn: "2026-11-30", method: "cash")
        #expect(throws: Problem.self) { try ReceiptRules.allocate(try ReceiptRules.check(over, today: today), over: open) }
        let tooMuch = ReceiptRules.Entry(
            amountFen: 300,
            receivedOn: "2026-11-30",
            method: "cash",
            allocations: [.init(installmentId: ids[1].description, amountFen: 300)]
        )
        do {
            _ = try ReceiptRules.allocate(try ReceiptRules.check(tooMuch, today: today), over: open)
            Issue.record("accepted")
        } catch { #expect(error.status == 409) }
        #expect(throws: Problem.self) { try ReceiptRules.reason("   ") }
        #expect(try ReceiptRules.reason(" 银行退回 ") == "银行退回")
    }

    @Test("an installment is paid or written off when settled, else overdue after its day, due on it, scheduled before or undated")
    func status() {
        let today = Self.day
        let yesterday = PaymentPlan.day(today, plus: -1)
        #expect(PaymentPlan.status(outstandingFen: 0, writtenOffFen: 0, dueOn: yesterday, today: today) == "paid")
        #expect(PaymentPlan.status(outstandingFen: 0, writtenOffFen: 5, dueOn: yesterday, today: today) == "written_off")
        #expect(PaymentPlan.status(outstandingFen: 5, writtenOffFen: 0, dueOn: yesterday, today: today) == "overdue")
        #expect(PaymentPlan.status(outstandingFen: 5, writtenOffFen: 0, dueOn: today, today: today) == "due")
        #expect(PaymentPlan.status(outstandingFen: 5, writtenOffFen: 0, dueOn: PaymentPlan.day(today, plus: 1), today: today) == "scheduled")
        #expect(PaymentPlan.status(outstandingFen: 5, writtenOffFen: 0, dueOn: nil, today: today) == "scheduled")
        #expect(PaymentPlan.day(CalendarDay(year: 2026, month: 12, day: 31), plus: 90) == CalendarDay(year: 2027, month: 3, day: 31))
    }
}
