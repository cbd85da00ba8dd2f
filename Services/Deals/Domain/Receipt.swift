public import Contracts
import Foundation

/// Receipts (回款): money finance records against a signed contract, split over its installments. The rules, free of
/// I/O. A receipt is never edited: a mistake is reversed (its allocations stop counting) and recorded again.
public enum ReceiptRules {
    /// How the money arrived.
    public enum Method: String, Sendable, CaseIterable {
        case bankTransfer = "bank_transfer"
        case acceptanceBill = "acceptance_bill"
        case cash, other
    }

    public static let maxReferenceLength = 100
    public static let maxReasonLength = 500

    /// A manual allocation, as the client sends it.
    public struct AllocationEntry: Sendable, Decodable, Equatable {
        public var installmentId: String?
        public var amountFen: Fen?

        public init(installmentId: String?, amountFen: Fen?) {
            self.installmentId = installmentId
            self.amountFen = amountFen
        }
    }

    /// The body of `POST …/receipts`.
    public struct Entry: Sendable, Decodable, Equatable {
        public var amountFen: Fen?
        public var receivedOn: String?
        public var method: String?
        public var reference: String?
        public var allocations: [AllocationEntry]?

        public init(amountFen: Fen?, receivedOn: String?, method: String?, reference: String? = nil, allocations: [AllocationEntry]? = nil) {
            self.amountFen = amountFen
            self.receivedOn = receivedOn
            self.method = method
            self.reference = reference
            self.allocations = allocations
        }
    }

    /// A receipt whose fields are valid on their own.
    public struct Checked: Sendable, Equatable {
        public var amountFen: Fen
        public var receivedOn: CalendarDay
        public var method: Method
        public var reference: String?
        /// By hand, or `nil` for oldest first.
        public var allocations: [Allocation]?
    }

    /// Part of a receipt applied to one installment.
    public struct Allocation: Sendable, Equatable {
        public var installmentID: RecordID
        public var amountFen: Fen

        public init(installmentID: RecordID, amountFen: Fen) {
            self.installmentID = installmentID
            self.amountFen = amountFen
        }
    }

    /// Checks the fields of a receipt; every problem at once as a 422. The day the money arrived cannot be after
    /// `today`; manual allocations name distinct installments, each with more than 0 fen, summing to the amount.
    public static func check(_ entry: Entry, today: CalendarDay) throws(Problem) -> Checked {
        var errors: [Problem.FieldError] = []
        let amount = entry.amountFen ?? 0
        if amount <= 0 { errors.append(.init(field: "amountFen", message: "must be more than 0 fen")) }
        var day: CalendarDay?
        if let text = entry.receivedOn, let parsed = CalendarDay(text) {
            if parsed > today { errors.append(.init(field: "receivedOn", message: "cannot be after today (\(today))")) } else { day = parsed }
        } else {
            errors.append(.init(field: "receivedOn", message: "is required, a date YYYY-MM-DD"))
        }
        let method = entry.method.flatMap(Method.init(rawValue:))
        if method == nil {
            errors.append(.init(field: "method", message: "must be one of \(Method.allCases.map(\.rawValue).joined(separator: ", "))"))
        }
        let reference = entry.reference?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let reference, reference.count > maxReferenceLength {
            errors.append(.init(field: "reference", message: "must be at most \(maxReferenceLength) characters"))
        }
        var allocations: [Allocation]?
        if let entries = entry.allocations {
            if entries.isEmpty || entries.count > PaymentPlan.maxInstallments {
                errors.append(
                    .init(field: "allocations", message: "needs 1–\(PaymentPlan.maxInstallments) allocations, or leave it out for oldest first")
                )
            }
            var checked: [Allocation] = []
            var total: Fen = 0
            for (index, item) in entries.enumerated() {
                let id = item.installmentId.flatMap(RecordID.init)
                if id == nil { errors.append(.init(field: "allocations.\(index).installmentId", message: "must be an installment id")) }
                let share = item.amountFen ?? 0
                if share <= 0 { errors.append(.init(field: "allocations.\(index).amountFen", message: "must be more than 0 fen")) }
                if let id, checked.contains(where: { $0.installmentID == id }) {
                    errors.append(.init(field: "allocations.\(index).installmentId", message: "names an installment twice"))
                }
                if let id, share > 0 {
                    checked.append(Allocation(installmentID: id, amountFen: share))
                    total = total.addingReportingOverflow(share).partialValue
                }
            }
            if errors.isEmpty, total != amount {
                errors.append(.init(field: "allocations", message: "must sum to the receipt amount \(amount) fen, not \(total)"))
            }
            allocations = checked
        }
        guard errors.isEmpty, let day, let method else { throw Problem.validation(errors) }
        return Checked(
            amountFen: amount,
            receivedOn: day,
            method: method,
            reference: reference?.isEmpty == false ? reference : nil,
            allocations: allocations
        )
    }

    /// Where the receipt's money goes: its manual allocations, each within what is outstanding on its installment, or
    /// oldest first. A receipt over what is outstanding on the contract is a 409 (it conflicts with what was already
    /// collected); an allocation to an installment of another contract a 422.
    public static func allocate(_ receipt: Checked, over installments: [PaymentPlan.Open]) throws(Problem) -> [Allocation] {
        let outstanding = installments.reduce(Fen(0)) { $0 + max($1.outstandingFen, 0) }
        guard receipt.amountFen <= outstanding else {
            throw Problem.conflict("The receipt of \(receipt.amountFen) fen is more than the \(outstanding) fen outstanding on the contract.")
        }
        guard let manual = receipt.allocations else {
            return PaymentPlan.allocateOldestFirst(receipt.amountFen, over: installments).map {
                Allocation(installmentID: $0.installmentID, amountFen: $0.amountFen)
            }
        }
        var errors: [Problem.FieldError] = []
        for (index, allocation) in manual.enumerated() {
            guard let installment = installments.first(where: { $0.id == allocation.installmentID }) else {
                errors.append(.init(field: "allocations.\(index).installmentId", message: "is not an installment of this contract"))
                continue
            }
            if allocation.amountFen > installment.outstandingFen {
                throw Problem.conflict(
                    "Installment \(installment.sequence) has \(installment.outstandingFen) fen outstanding; \(allocation.amountFen) fen cannot be allocated to it."
                )
            }
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return manual
    }

    /// A reversal's or write-off's reason, trimmed: required, 1–500 characters (422 otherwise).
    public static func reason(_ text: String?) throws(Problem) -> String {
        let reason = text?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard (1...maxReasonLength).contains(reason.count) else {
            throw Problem.validation([.init(field: "reason", message: "is required (1–\(maxReasonLength) characters)")])
        }
        return reason
    }

    /// The body of a reversal or a write-off: `{"reason": "…"}`.
    public struct ReasonBody: Sendable, Decodable, Equatable {
        public var reason: String?
        public init(reason: String?) { self.reason = reason }
    }
}
