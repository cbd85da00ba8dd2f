public import Contracts
import Foundation

/// When an installment of a payment plan falls due: on a fixed day, or a number of days after the contract's
/// delivery (its date is unknown until everything has shipped).
public enum InstallmentDue: Sendable, Equatable {
    case on(CalendarDay)
    case afterDelivery(days: Int)

    /// The day it falls due, if known: a fixed day, or the delivery day plus the days once delivered.
    public func day(deliveredOn: CalendarDay?) -> CalendarDay? {
        switch self {
        case .on(let day): return day
        case .afterDelivery(let days): return deliveredOn.map { PaymentPlan.day($0, plus: days) }
        }
    }
}

/// One installment of a payment plan before it is stored: its 1-based position, label, amount and due rule.
public struct PlannedInstallment: Sendable, Equatable {
    public var sequence: Int
    public var label: String
    public var amountFen: Fen
    public var due: InstallmentDue

    public init(sequence: Int, label: String, amountFen: Fen, due: InstallmentDue) {
        self.sequence = sequence
        self.label = label
        self.amountFen = amountFen
        self.due = due
    }
}

/// The payment terms a plan is proposed from (configuration `PAYMENT_TERMS`): shares of the contract amount in basis
/// points, each due a number of days after the signing or after the delivery.
///
/// Written `label:percent:anchor[+days]`, terms separated by `;`, e.g. the default
/// `预付款:30%:signing;发货款:60%:delivery+30;质保金:10%:delivery+90` (30% on the signing day, 60% 30 days after
/// delivery, 10% retention 90 days after delivery). Percentages have at most two decimals and sum to exactly 100%;
/// 1–12 terms; labels 1–40 characters without `:` or `;`; days 0–3650.
public struct PaymentTerms: Sendable, Equatable {
    /// What a term's days count from.
    public enum Anchor: String, Sendable, Equatable {
        case signing, delivery
    }

    /// One term: a share of the amount due `days` after `anchor`.
    public struct Term: Sendable, Equatable {
        public var label: String
        public var basisPoints: Int
        public var anchor: Anchor
        public var days: Int

        public init(label: String, basisPoints: Int, anchor: Anchor, days: Int) {
            self.label = label
            self.basisPoints = basisPoints
            self.anchor = anchor
            self.days = days
        }
    }

    public var terms: [Term]

    /// The default terms, as text.
    public static let defaultText = "预付款:30%:signing;发货款:60%:delivery+30;质保金:10%:delivery+90"

    /// The default terms.
    public static let standard = PaymentTerms(terms: [
        Term(label: "预付款", basisPoints: 3000, anchor: .signing, days: 0),
        Term(label: "发货款", basisPoints: 6000, anchor: .delivery, days: 30),
        Term(label: "质保金", basisPoints: 1000, anchor: .delivery, days: 90),
    ])

    public init(terms: [Term]) { self.terms = terms }

    /// Parses terms written as described on the type.
    /// - Returns: the terms, or a message saying what is wrong with the text.
    public static func parse(_ text: String) -> Result<PaymentTerms, TermsError> {
        var terms: [Term] = []
        let entries = text.split(separator: ";", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard (1...PaymentPlan.maxInstallments).contains(entries.count) else {
            return .failure(TermsError("needs 1–\(PaymentPlan.maxInstallments) terms separated by ';'"))
        }
        for (index, entry) in entries.enumerated() {
            let parts = entry.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 3 else { return .failure(TermsError("term \(index + 1) '\(entry)' is not label:percent:anchor[+days]")) }
            let label = parts[0]
            guard (1...PaymentPlan.maxLabelLength).contains(label.count) else {
                return .failure(TermsError("term \(index + 1) needs a label of 1–\(PaymentPlan.maxLabelLength) characters"))
            }
            guard parts[1].hasSuffix("%"), let basisPoints = Self.basisPoints(String(parts[1].dropLast())), basisPoints > 0 else {
                return .failure(TermsError("term \(index + 1) '\(parts[1])' is not a percentage like 30% or 12.5%"))
            }
            let anchorParts = parts[2].split(separator: "+", omittingEmptySubsequences: false)
            guard let anchor = Anchor(rawValue: String(anchorParts[0])), anchorParts.count <= 2 else {
                return .failure(TermsError("term \(index + 1) '\(parts[2])' is not signing[+days] or delivery[+days]"))
            }
            var days = 0
            if anchorParts.count == 2 {
                guard let value = Int(anchorParts[1]), (0...PaymentPlan.maxDays).contains(value) else {
                    return .failure(TermsError("term \(index + 1) '\(parts[2])' needs 0–\(PaymentPlan.maxDays) days after its +"))
                }
                days = value
            }
            terms.append(Term(label: label, basisPoints: basisPoints, anchor: anchor, days: days))
        }
        let total = terms.reduce(0) { $0 + $1.basisPoints }
        guard total == 10_000 else { return .failure(TermsError("the percentages sum to \(total / 100).\(total % 100)%, not 100%")) }
        return .success(PaymentTerms(terms: terms))
    }

    /// Why a terms text was refused.
    public struct TermsError: Error, Equatable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// `30` → 3000, `12.5` → 1250; `nil` unless 0–100 with at most two decimals.
    static func basisPoints(_ text: String) -> Int? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            parts[0].count <= 3, let whole = Int(parts[0])
        else { return nil }
        var fraction = 0
        if parts.count == 2 {
            guard parts[1].count <= 2, let value = Int(String(parts[1]).padding(toLength: 2, withPad: "0", startingAt: 0)) else { return nil }
            fraction = value
        }
        let result = whole * 100 + fraction
        return result <= 10_000 ? result : nil
    }

    /// The plan these terms propose for a contract of `amountFen` signed on `signedOn`: each term's share rounded
    /// down, the remainder on the last, so the installments sum exactly to the amount. A term whose share rounds to
    /// 0 fen (a tiny contract) is left out, since an installment is never 0; a contract of 0 fen gets no plan.
    public func propose(amountFen: Fen, signedOn: CalendarDay) -> [PlannedInstallment] {
        let amounts = PaymentPlan.split(amountFen, basisPoints: terms.map(\.basisPoints))
        var plan: [PlannedInstallment] = []
        for (term, amount) in zip(terms, amounts) where amount > 0 {
            let due: InstallmentDue =
                switch term.anchor {
                case .signing: .on(PaymentPlan.day(signedOn, plus: term.days))
                case .delivery: .afterDelivery(days: term.days)
                }
            plan.append(PlannedInstallment(sequence: plan.count + 1, label: term.label, amountFen: amount, due: due))
        }
        return plan
    }
}

/// The rules of a payment plan (回款计划), free of I/O.
///
/// - A plan has 1–12 installments that sum exactly to the contract amount in fen; each is more than 0 fen, has a
///   label of 1–40 characters, and is due on a day or a number of days (0–3650) after delivery, never both.
/// - An edit replaces the plan **by position**: the n-th installment of the edit updates the installment of sequence
///   n (keeping its id, its receipts and what was written off on it); positions past the old plan add installments;
///   old installments past the new plan's length are removed, which is allowed only for one nothing was ever
///   allocated to or written off. An installment cannot be made smaller than what is already settled on it (paid by
///   receipts that were not reversed, plus written off).
public enum PaymentPlan {
    public static let maxInstallments = 12
    public static let maxLabelLength = 40
    public static let maxDays = 3650

    /// Splits `amount` by basis points: each share rounded down, the remainder on the last share, so the shares sum
    /// exactly to `amount`. The basis points need not sum to 10,000 (the last share takes whatever is left).
    public static func split(_ amount: Fen, basisPoints: [Int]) -> [Fen] {
        guard !basisPoints.isEmpty else { return [] }
        var shares: [Fen] = []
        for points in basisPoints.dropLast() {
            // ⌊a·p/10000⌋ without forming a·p, which could overflow for a large amount.
            let share = amount / 10_000 * Fen(points) + amount % 10_000 * Fen(points) / 10_000
            shares.append(share)
        }
        shares.append(amount - shares.reduce(0, +))
        return shares
    }

    /// An installment of an edit, as the client sends it (`PUT …/payment-plan`).
    public struct EditedInstallment: Sendable, Decodable, Equatable {
        public var label: String?
        public var amountFen: Fen?
        public var dueOn: String?
        public var dueAfterDeliveryDays: Int?

        public init(label: String?, amountFen: Fen?, dueOn: String? = nil, dueAfterDeliveryDays: Int? = nil) {
            self.label = label
            self.amountFen = amountFen
            self.dueOn = dueOn
            self.dueAfterDeliveryDays = dueAfterDeliveryDays
        }
    }

    /// The body of `PUT …/payment-plan`.
    public struct Edit: Sendable, Decodable, Equatable {
        public var installments: [EditedInstallment]?

        public init(installments: [EditedInstallment]?) { self.installments = installments }
    }

    /// What is already settled on an installment of the current plan, by sequence.
    public struct Settled: Sendable, Equatable {
        public var sequence: Int
        /// Paid (receipts not reversed) plus written off.
        public var settledFen: Fen
        /// Whether any receipt (reversed ones too) was ever allocated to it, or anything written off.
        public var hasHistory: Bool

        public init(sequence: Int, settledFen: Fen, hasHistory: Bool) {
            self.sequence = sequence
            self.settledFen = settledFen
            self.hasHistory = hasHistory
        }
    }

    /// Checks an edit against the contract amount and the current plan; every problem at once, as a 422 naming
    /// `installments.<index>.<field>`.
    /// - Returns: the new plan, sequences 1…n.
    public static func validate(_ edit: Edit, amountFen: Fen, current: [Settled]) throws(Problem) -> [PlannedInstallment] {
        guard let items = edit.installments else {
            throw Problem.validation([.init(field: "installments", message: "is required")])
        }
        guard (1...maxInstallments).contains(items.count) else {
            throw Problem.validation([.init(field: "installments", message: "needs 1–\(maxInstallments) installments")])
        }
        var errors: [Problem.FieldError] = []
        var plan: [PlannedInstallment] = []
        var total: Fen = 0
        var overflow = false
        for (index, item) in items.enumerated() {
            let field = "installments.\(index)"
            let label = item.label?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if !(1...maxLabelLength).contains(label.count) {
                errors.append(.init(field: "\(field).label", message: "is required (1–\(maxLabelLength) characters)"))
            }
            let amount = item.amountFen ?? 0
            if amount <= 0 { errors.append(.init(field: "\(field).amountFen", message: "must be more than 0 fen")) }
            let sum = total.addingReportingOverflow(max(amount, 0))
            overflow = overflow || sum.overflow
            total = sum.partialValue
            if let settled = current.first(where: { $0.sequence == index + 1 }), amount > 0, amount < settled.settledFen {
                errors.append(
                    .init(field: "\(field).amountFen", message: "cannot be less than the \(settled.settledFen) fen already paid or written off on it")
                )
            }
            var due: InstallmentDue?
            switch (item.dueOn, item.dueAfterDeliveryDays) {
            case (let text?, nil):
                if let day = CalendarDay(text) {
                    due = .on(day)
                } else {
                    errors.append(.init(field: "\(field).dueOn", message: "must be a date YYYY-MM-DD"))
                }
            case (nil, let days?):
                if (0...maxDays).contains(days) {
                    due = .afterDelivery(days: days)
                } else {
                    errors.append(.init(field: "\(field).dueAfterDeliveryDays", message: "must be 0–\(maxDays)"))
                }
            case (nil, nil):
                errors.append(.init(field: "\(field).dueOn", message: "either dueOn or dueAfterDeliveryDays is required"))
            case (_?, _?):
                errors.append(.init(field: "\(field).dueOn", message: "give dueOn or dueAfterDeliveryDays, not both"))
            }
            if let due { plan.append(PlannedInstallment(sequence: index + 1, label: label, amountFen: amount, due: due)) }
        }
        for removed in current where removed.sequence > items.count && removed.hasHistory {
            errors.append(
                .init(field: "installments", message: "installment \(removed.sequence) has receipts or a write-off and cannot be removed")
            )
        }
        if errors.isEmpty, overflow || total != amountFen {
            errors.append(.init(field: "installments", message: "must sum to the contract amount \(amountFen) fen exactly, not \(total)"))
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return plan
    }

    /// What an allocation needs to know about an installment.
    public struct Open: Sendable, Equatable {
        public var id: RecordID
        public var sequence: Int
        /// When it falls due, if known.
        public var dueOn: CalendarDay?
        public var outstandingFen: Fen

        public init(id: RecordID, sequence: Int, dueOn: CalendarDay?, outstandingFen: Fen) {
            self.id = id
            self.sequence = sequence
            self.dueOn = dueOn
            self.outstandingFen = outstandingFen
        }
    }

    /// Splits a receipt over the installments oldest first: by due day, then sequence, undated ones last; each takes
    /// up to what is outstanding on it. The caller has checked that `amount` is at most the total outstanding.
    public static func allocateOldestFirst(_ amount: Fen, over installments: [Open]) -> [(installmentID: RecordID, amountFen: Fen)] {
        let ordered = installments.sorted { lhs, rhs in
            switch (lhs.dueOn, rhs.dueOn) {
            case (let l?, let r?): return l != r ? l < r : lhs.sequence < rhs.sequence
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return lhs.sequence < rhs.sequence
            }
        }
        var left = amount
        var allocations: [(installmentID: RecordID, amountFen: Fen)] = []
        for installment in ordered where left > 0 && installment.outstandingFen > 0 {
            let share = min(left, installment.outstandingFen)
            allocations.append((installment.id, share))
            left -= share
        }
        return allocations
    }

    /// The day `days` after `day` in the business calendar.
    public static func day(_ day: CalendarDay, plus days: Int) -> CalendarDay {
        let calendar = BusinessCalendar.calendar
        guard let moved = calendar.date(byAdding: .day, value: days, to: BusinessCalendar.start(of: day)) else { return day }
        return BusinessCalendar.day(of: moved)
    }

    /// An installment's status on `today`: `paid` or `written_off` when nothing is outstanding (written off if any
    /// of it was), otherwise `overdue` after its due day, `due` on it, and `scheduled` before it or while it waits
    /// for the delivery that dates it.
    public static func status(outstandingFen: Fen, writtenOffFen: Fen, dueOn: CalendarDay?, today: CalendarDay) -> String {
        if outstandingFen <= 0 { return writtenOffFen > 0 ? "written_off" : "paid" }
        guard let dueOn else { return "scheduled" }
        if dueOn < today { return "overdue" }
        return dueOn == today ? "due" : "scheduled"
    }
}
