public import Contracts
public import Foundation

/// Discount authority (折扣权限, issue 12): how far below the list price each role may quote a line without approval,
/// and the approval state of a quote version that goes further.
///
/// A line's discount counts off the **list price**: a lowered unit price is a discount as much as `discountBasisPoints`
/// is, so neither route passes the limit unseen. A line priced at or above the list price gives none.
public enum DiscountRules {
    /// The limits a fresh installation starts with (migration 0012): rep 10 %, supervisor 20 %, regional manager 30 %,
    /// gm unlimited (`nil`). A role without a limit row (admin, finance) has no discount authority of its own.
    public static let defaults: [(role: Role, basisPoints: Int64?)] = [
        (.rep, 1_000), (.supervisor, 2_000), (.regionalManager, 3_000), (.gm, nil),
    ]

    /// The roles that have a limit, in the order the API lists them.
    public static var roles: [Role] { defaults.map(\.role) }

    /// What a version's lines give away, measured against the list prices.
    public struct Assessment: Sendable, Equatable {
        /// Σ quantity × list price.
        public var listTotalFen: Fen
        /// Σ over the lines below list price of (list amount − line amount): what the discount is worth.
        public var discountFen: Fen
        /// The largest line discount off the list price, in basis points, rounded up (so a line over the limit never
        /// shows as equal to it).
        public var maxDiscountBasisPoints: Int64
        /// The indexes of the lines above the limit.
        public var linesAboveLimit: [Int]

        /// Whether any line goes beyond the limit.
        public var needsApproval: Bool { !linesAboveLimit.isEmpty }
    }

    /// Measures `lines` against the list prices of `products` and `limit` (basis points; `nil` = unlimited).
    /// Exact: a line is above the limit when (list − amount) × 10 000 > limit × list, in 128-bit integers.
    public static func assess(_ lines: [PricedLine], listPrices: [String: Fen], limit: Int64?) -> Assessment {
        var listTotal = Int128(0)
        var discountTotal = Int128(0)
        var maxBasisPoints = Int64(0)
        var above: [Int] = []
        for (index, line) in lines.enumerated() {
            let list = Int128(line.quantity) * Int128(listPrices[line.productID] ?? line.unitPriceFen)
            listTotal += list
            let discount = list - Int128(line.amountFen)
            guard discount > 0, list > 0 else { continue }
            discountTotal += discount
            let basisPoints = Int64((discount * 10_000 + list - 1) / list)
            maxBasisPoints = max(maxBasisPoints, basisPoints)
            if let limit, discount * 10_000 > Int128(limit) * list { above.append(index) }
        }
        return Assessment(
            listTotalFen: Int64(clamping: listTotal),
            discountFen: Int64(clamping: discountTotal),
            maxDiscountBasisPoints: maxBasisPoints,
            linesAboveLimit: above
        )
    }

    /// A quote version's reference for people: `Q-` and the first 8 characters of its deal's id, upper case.
    public static func reference(dealID: RecordID) -> String {
        "Q-" + String(dealID.description.prefix(8)).uppercased()
    }

    /// The status an approval outcome moves a pending discount to; `nil` when the discount is not pending (a late
    /// duplicate), which the caller ignores.
    public static func status(after outcome: ApprovalOutcome, from status: QuoteDiscount.Status) -> QuoteDiscount.Status? {
        guard status == .pendingApproval else { return nil }
        switch outcome {
        case .approved: return .approved
        case .rejected: return .rejected
        case .recalled: return .recalled
        }
    }
}

/// One role's discount limit as the API shows it.
public struct DiscountLimit: Sendable, Equatable, Encodable {
    public var role: Role
    /// Basis points per line off the list price; `nil` = unlimited.
    public var maxDiscountBasisPoints: Int64?
    public var updatedBy: String?
    public var updatedAt: Date?

    enum CodingKeys: String, CodingKey {
        case role, maxDiscountBasisPoints, updatedBy, updatedAt
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(role, forKey: .role)
        // Unlimited is an explicit null, so a client never mistakes it for a missing field.
        try container.encode(maxDiscountBasisPoints, forKey: .maxDiscountBasisPoints)
        try container.encodeIfPresent(updatedBy, forKey: .updatedBy)
        try container.encodeIfPresent(updatedAt, forKey: .updatedAt)
    }
}

/// The discount approval of one quote version that went beyond its author's limit (quote versions never change, so
/// the state lives beside them).
public struct QuoteDiscount: Sendable, Equatable, Encodable {
    /// `pending_approval` (待折扣审批) → `approved`, `rejected` or `recalled`. A version within its author's limit has
    /// none (`within_limit` in the API).
    public enum Status: String, Codable, Sendable, CaseIterable {
        case pendingApproval = "pending_approval"
        case approved, rejected, recalled
    }

    public var quoteID: RecordID
    public var dealID: RecordID
    public var status: Status
    public var limitBasisPoints: Int64
    public var maxDiscountBasisPoints: Int64
    public var listTotalFen: Fen
    public var discountFen: Fen
    public var approvalID: String?
    public var decidedAt: Date?
    public var decisionComment: String?
    public var requestedBy: String
    public var requestedAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case status, limitBasisPoints, maxDiscountBasisPoints, listTotalFen, discountFen, decidedAt, decisionComment
        case requestedBy, requestedAt
        case approvalID = "approvalId"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status, forKey: .status)
        try container.encode(limitBasisPoints, forKey: .limitBasisPoints)
        try container.encode(maxDiscountBasisPoints, forKey: .maxDiscountBasisPoints)
        try container.encode(listTotalFen, forKey: .listTotalFen)
        try container.encode(discountFen, forKey: .discountFen)
        try container.encodeIfPresent(approvalID, forKey: .approvalID)
        try container.encodeIfPresent(decidedAt, forKey: .decidedAt)
        try container.encodeIfPresent(decisionComment, forKey: .decisionComment)
        try container.encode(requestedBy, forKey: .requestedBy)
        try container.encode(requestedAt, forKey: .requestedAt)
    }

    /// The 409 for using a version whose discount is not approved (to make a contract from it).
    public func notApproved(version: Int) -> Problem {
        var problem = Problem.conflict(
            status == .pendingApproval
                ? "Quote version \(version) gives a discount above its author's limit and awaits discount approval (待折扣审批)."
                : "Quote version \(version)'s discount was \(status.rawValue); make a new version within the limit or have it approved."
        )
        problem.type = "https://salesdesk.example/problems/quote-discount-not-approved"
        problem.title = "Quote discount not approved"
        problem.extensions = ["discountStatus": .string(status.rawValue), "requestedVersion": .integer(Int64(version))]
        return problem
    }
}
