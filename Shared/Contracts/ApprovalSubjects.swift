public import Foundation

/// What an approval decides on (issue 12, ADR 0011): a contract, an expense claim (报销申请) or a quote discount above the
/// rep's limit. Events written before subjects existed carry none, which means ``contract``.
public enum ApprovalSubjectType: String, Codable, Sendable, CaseIterable {
    case contract
    case expenseClaim = "expense_claim"
    case discount

    /// The Chinese name, for pushes and notification titles: 合同, 报销, 折扣.
    public var displayName: String {
        switch self {
        case .contract: "合同"
        case .expenseClaim: "报销"
        case .discount: "折扣"
        }
    }
}

/// What the service that owns a subject asks approvals to decide: the subject, its reference and title for the
/// approver, the amount the policy tiers apply to, and whose it is (owner, region: the data scope of the approval).
public struct ApprovalSubjectRequest: Codable, Sendable, Equatable {
    public var subjectType: ApprovalSubjectType
    /// The subject's id in its owning service (a UUID as lower-case text).
    public var subjectID: String
    /// The subject's reference shown to approvers, e.g. `BX-2026-000012`.
    public var number: String
    /// One line for the approver, e.g. `差旅 · 上海客户拜访`.
    public var title: String
    public var amountFen: Fen
    public var ownerID: String
    public var region: String
    /// The customer the subject concerns, when it concerns one.
    public var customerName: String?
    public var submittedBy: String
    public var submittedAt: Date

    public init(
        subjectType: ApprovalSubjectType,
        subjectID: String,
        number: String,
        title: String,
        amountFen: Fen,
        ownerID: String,
        region: String,
        customerName: String?,
        submittedBy: String,
        submittedAt: Date
    ) {
        self.subjectType = subjectType
        self.subjectID = subjectID
        self.number = number
        self.title = title
        self.amountFen = amountFen
        self.ownerID = ownerID
        self.region = region
        self.customerName = customerName
        self.submittedBy = submittedBy
        self.submittedAt = submittedAt
    }
}

/// An owner's event that asks approvals to decide a subject other than a contract (contracts keep
/// `contract.submitted`). Approvals registers one generic handler for every such event type.
public protocol ApprovalSubjectSubmission: DomainEvent {
    /// The request the event makes of approvals.
    var approvalRequest: ApprovalSubjectRequest { get }
}

/// The category of an expense claim (报销类别).
public enum ExpenseCategory: String, Codable, Sendable, CaseIterable {
    /// 差旅
    case travel
    /// 招待
    case entertainment
    /// 交通
    case transport
    /// 其他
    case other

    /// The Chinese name, for approvers' titles and pushes.
    public var displayName: String {
        switch self {
        case .travel: "差旅"
        case .entertainment: "招待"
        case .transport: "交通"
        case .other: "其他"
        }
    }
}

/// An `expense_claim.*` event: expense claims belong to the `deals` service.
public protocol ExpenseClaimEvent: DomainEvent {}

extension ExpenseClaimEvent {
    /// `deals`.
    public static var source: String { Operation.Deals.service }
}

/// `expense_claim.submitted`: a rep sent an expense claim (报销申请) to approval; approvals starts one under the
/// expense policy and answers with `approval.completed` carrying `subjectType` `expense_claim`.
public struct ExpenseClaimSubmitted: ExpenseClaimEvent, ApprovalSubjectSubmission, Equatable {
    public static let eventType = "expense_claim.submitted"
    public var claimID: String
    public var number: String
    public var category: ExpenseCategory
    public var amountFen: Fen
    /// The day the money was spent, `YYYY-MM-DD` (Asia/Shanghai).
    public var spentOn: String
    public var description: String
    public var customerID: String?
    public var customerName: String?
    public var dealID: String?
    public var ownerID: String
    public var region: String
    public var submittedBy: String
    public var submittedAt: Date

    public init(
        claimID: String,
        number: String,
        category: ExpenseCategory,
        amountFen: Fen,
        spentOn: String,
        description: String,
        customerID: String?,
        customerName: String?,
        dealID: String?,
        ownerID: String,
        region: String,
        submittedBy: String,
        submittedAt: Date
    ) {
        self.claimID = claimID
        self.number = number
        self.category = category
        self.amountFen = amountFen
        self.spentOn = spentOn
        self.description = description
        self.customerID = customerID
        self.customerName = customerName
        self.dealID = dealID
        self.ownerID = ownerID
        self.region = region
        self.submittedBy = submittedBy
        self.submittedAt = submittedAt
    }

    /// The claim as a subject to approve: titled by its category and description.
    public var approvalRequest: ApprovalSubjectRequest {
        ApprovalSubjectRequest(
            subjectType: .expenseClaim,
            subjectID: claimID,
            number: number,
            title: "\(category.displayName) · \(String(description.prefix(60)))",
            amountFen: amountFen,
            ownerID: ownerID,
            region: region,
            customerName: customerName,
            submittedBy: submittedBy,
            submittedAt: submittedAt
        )
    }
}

/// A `quote.*` event: quotes belong to the `deals` service.
public protocol QuoteEvent: DomainEvent {}

extension QuoteEvent {
    /// `deals`.
    public static var source: String { Operation.Deals.service }
}

/// `quote.discount_approval_requested`: a quote version gives a discount above its author's limit (折扣超权限), so it
/// waits for approval (待折扣审批) before it may become a contract. Published by deals in the transaction that stores
/// the version; approvals starts one under the discount policy, whose tiers apply to ``discountFen`` (list total −
/// quoted total), and answers with `approval.completed` carrying `subjectType` `discount` and the version's id.
public struct QuoteDiscountApprovalRequested: QuoteEvent, ApprovalSubjectSubmission, Equatable {
    public static let eventType = "quote.discount_approval_requested"
    /// The quote version's id: the approval's subject.
    public var quoteID: String
    public var dealID: String
    public var dealTitle: String
    public var version: Int
    /// The version's reference, `Q-<first 8 of the deal id, upper case>` (a deal has no number of its own).
    public var reference: String
    /// Σ quantity × list price.
    public var listTotalFen: Fen
    /// The version's total.
    public var quotedTotalFen: Fen
    /// list total − quoted total: what the discount is worth, the amount the policy tiers apply to.
    public var discountFen: Fen
    /// The largest line discount off the list price, in basis points (1 800 = 18 %).
    public var maxDiscountBasisPoints: Int64
    /// The author's limit when the version was made, in basis points.
    public var limitBasisPoints: Int64
    public var customerID: String
    public var customerName: String
    public var ownerID: String
    public var region: String
    public var submittedBy: String
    public var submittedAt: Date

    public init(
        quoteID: String,
        dealID: String,
        dealTitle: String,
        version: Int,
        reference: String,
        listTotalFen: Fen,
        quotedTotalFen: Fen,
        discountFen: Fen,
        maxDiscountBasisPoints: Int64,
        limitBasisPoints: Int64,
        customerID: String,
        customerName: String,
        ownerID: String,
        region: String,
        submittedBy: String,
        submittedAt: Date
    ) {
        self.quoteID = quoteID
        self.dealID = dealID
        self.dealTitle = dealTitle
        self.version = version
        self.reference = reference
        self.listTotalFen = listTotalFen
        self.quotedTotalFen = quotedTotalFen
        self.discountFen = discountFen
        self.maxDiscountBasisPoints = maxDiscountBasisPoints
        self.limitBasisPoints = limitBasisPoints
        self.customerID = customerID
        self.customerName = customerName
        self.ownerID = ownerID
        self.region = region
        self.submittedBy = submittedBy
        self.submittedAt = submittedAt
    }

    /// `18%` or `18.5%` for basis points.
    static func percent(_ basisPoints: Int64) -> String {
        let whole = basisPoints / 100
        let rest = basisPoints % 100
        guard rest != 0 else { return "\(whole)%" }
        return rest % 10 == 0 ? "\(whole).\(rest / 10)%" : "\(whole).\(rest < 10 ? "0" : "")\(rest)%"
    }

    /// The version as a subject to approve: `报价 Q-1A2B3C4D v3 折扣 18%（权限 10%）· <deal title>`, worth the discount.
    public var approvalRequest: ApprovalSubjectRequest {
        ApprovalSubjectRequest(
            subjectType: .discount,
            subjectID: quoteID,
            number: "\(reference) v\(version)",
            title:
                "报价 \(reference) v\(version) 折扣 \(Self.percent(maxDiscountBasisPoints))（权限 \(Self.percent(limitBasisPoints))）· \(String(dealTitle.prefix(40)))",
            amountFen: discountFen,
            ownerID: ownerID,
            region: region,
            customerName: customerName,
            submittedBy: submittedBy,
            submittedAt: submittedAt
        )
    }
}
