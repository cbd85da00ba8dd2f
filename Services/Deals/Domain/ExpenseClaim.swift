public import Contracts
public import Foundation
public import ServiceRuntime

/// An expense claim (报销申请, issue 12): money a rep spent for the company, approved through the approvals service
/// under the expense policy (subject `expense_claim`, ADR 0011) and paid by finance.
public struct ExpenseClaim: Sendable, Equatable, Encodable, ScopedRecord {
    /// Where a claim stands: `draft` → `pending_approval` → `approved` → `paid`, or `rejected` (which may be submitted
    /// again, like a recalled claim, which is back in `draft`).
    public enum Status: String, Codable, Sendable, CaseIterable {
        case draft
        case pendingApproval = "pending_approval"
        case approved, rejected, paid
    }

    public var id: RecordID
    public var number: String
    public var ownerID: String
    public var region: String
    public var category: ExpenseCategory
    public var amountFen: Fen
    /// `YYYY-MM-DD`, Asia/Shanghai.
    public var spentOn: String
    public var description: String
    public var customerID: String?
    public var customerName: String?
    public var dealID: String?
    public var status: Status
    public var version: Int64
    public var submittedBy: String?
    public var submittedAt: Date?
    /// The approval that decided it, from `approval.completed`.
    public var approvalID: String?
    public var decidedAt: Date?
    public var decisionComment: String?
    public var paidBy: String?
    public var paidAt: Date?
    public var createdBy: String
    public var createdAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, number, region, category, amountFen, spentOn, description, customerName, status, version, submittedAt, decidedAt
        case decisionComment, paidAt, createdAt, updatedAt, submittedBy, paidBy, createdBy
        case ownerID = "ownerId"
        case customerID = "customerId"
        case dealID = "dealId"
        case approvalID = "approvalId"
    }

    public var scopeOwnerID: String? { ownerID }
    public var scopeRegion: String? { region }
}

/// A claim as its author sends it (`POST /expense-claims`); checked by ``ExpenseClaimRules/validate(_:today:)``.
struct ExpenseClaimDraft: Decodable, Sendable {
    var category: String
    var amountFen: Int64
    var spentOn: String
    var description: String
    var customerID: String?
    var dealID: String?

    enum CodingKeys: String, CodingKey {
        case category, amountFen, spentOn, description
        case customerID = "customerId"
        case dealID = "dealId"
    }
}

/// The rules of expense claims, without I/O.
enum ExpenseClaimRules {
    /// The largest claim one form may carry: 1,000,000.00 CNY.
    static let maximumFen: Fen = 100_000_000

    /// A draft's checked fields.
    struct Fields: Equatable {
        var category: ExpenseCategory
        var amountFen: Fen
        var spentOn: CalendarDay
        var description: String
        var customerID: String?
        var dealID: RecordID?
    }

    /// Checks a draft; every broken rule is reported with its field (422).
    static func validate(_ draft: ExpenseClaimDraft, today: CalendarDay) throws(Problem) -> Fields {
        var errors: [Problem.FieldError] = []
        let category = ExpenseCategory(rawValue: draft.category)
        if category == nil { errors.append(.init(field: "category", message: "must be travel, entertainment, transport or other")) }
        if draft.amountFen <= 0 || draft.amountFen > maximumFen {
            errors.append(.init(field: "amountFen", message: "must be between 1 and \(maximumFen) fen"))
        }
        let spentOn = CalendarDay(draft.spentOn)
        if let spentOn {
            if today < spentOn { errors.append(.init(field: "spentOn", message: "must not be in the future")) }
        } else {
            errors.append(.init(field: "spentOn", message: "must be a date YYYY-MM-DD"))
        }
        let description = draft.description.trimmingCharacters(in: .whitespacesAndNewlines)
        if description.isEmpty || description.count > 500 {
            errors.append(.init(field: "description", message: "must have 1 to 500 characters"))
        }
        let customerID = draft.customerID.flatMap { $0.isEmpty ? nil : $0.lowercased() }
        if let customerID, RecordID(customerID) == nil { errors.append(.init(field: "customerId", message: "is not a customer id")) }
        var dealID: RecordID?
        if let text = draft.dealID, !text.isEmpty {
            dealID = RecordID(text)
            if dealID == nil { errors.append(.init(field: "dealId", message: "is not a deal id")) }
        }
        guard errors.isEmpty, let category, let spentOn else { throw Problem.validation(errors) }
        return Fields(
            category: category,
            amountFen: draft.amountFen,
            spentOn: spentOn,
            description: description,
            customerID: customerID,
            dealID: dealID
        )
    }

    /// Whether a claim in `status` may be sent to approval: a draft (new or recalled) or a rejected one.
    static func canSubmit(_ status: ExpenseClaim.Status) -> Bool {
        status == .draft || status == .rejected
    }

    /// The status an approval outcome leaves a pending claim in; `nil` when the claim is not pending (a late or
    /// repeated outcome), which changes nothing.
    static func status(after outcome: ApprovalOutcome, from current: ExpenseClaim.Status) -> ExpenseClaim.Status? {
        guard current == .pendingApproval else { return nil }
        switch outcome {
        case .approved: return .approved
        case .rejected: return .rejected
        case .recalled: return .draft
        }
    }

    /// `BX-2026-000012`.
    static func number(year: Int, sequence: Int64) -> String {
        let digits = String(sequence)
        return "BX-\(year)-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }
}
