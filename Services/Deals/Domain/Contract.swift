public import Contracts
public import Foundation
public import ServiceRuntime

/// A contract (合同) bound to one quote version, whose lines and total it copies.
public struct Contract: Sendable, Equatable, Encodable, ScopedRecord {
    /// Where a contract is in its approval and signature.
    public enum Status: String, Sendable, Codable, CaseIterable {
        case draft
        case pendingApproval = "pending_approval"
        case approved, rejected, signed
    }

    public var id: RecordID
    /// `HT-<year>-<6-digit sequence>`.
    public var number: String
    public var dealID: RecordID
    public var quoteID: RecordID
    public var quoteVersion: Int
    public var lines: [PricedLine]
    public var amountFen: Fen
    public var costFen: Fen
    public var status: Status
    /// Incremented by every change; the `sequence` of the contract's events.
    public var version: Int64
    public var submittedBy: String?
    public var submittedAt: Date?
    public var decidedAt: Date?
    public var decisionComment: String?
    public var signedAt: Date?
    public var createdBy: String
    public var createdAt: Date
    public var updatedAt: Date
    /// From the deal (not stored with the contract): they decide its data scope.
    public var customerID: String
    public var customerName: String
    public var ownerID: String
    public var region: String
    /// The end of the contract's term, `YYYY-MM-DD` (Asia/Shanghai), if it has one: a renewal is expected then.
    public var endsOn: String? = nil

    enum CodingKeys: String, CodingKey {
        case id, number, quoteVersion, lines, amountFen, costFen, status, version, submittedBy, submittedAt, decidedAt
        case decisionComment, signedAt, createdBy, createdAt, updatedAt, customerName, region, endsOn
        case dealID = "dealId"
        case quoteID = "quoteId"
        case customerID = "customerId"
        case ownerID = "ownerId"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(number, forKey: .number)
        try container.encode(dealID, forKey: .dealID)
        try container.encode(quoteID, forKey: .quoteID)
        try container.encode(quoteVersion, forKey: .quoteVersion)
        try container.encode(lines.map(Quote.LineView.init), forKey: .lines)
        try container.encode(amountFen, forKey: .amountFen)
        try container.encode(costFen, forKey: .costFen)
        try container.encode(status, forKey: .status)
        try container.encode(version, forKey: .version)
        try container.encodeIfPresent(submittedBy, forKey: .submittedBy)
        try container.encodeIfPresent(submittedAt, forKey: .submittedAt)
        try container.encodeIfPresent(decidedAt, forKey: .decidedAt)
        try container.encodeIfPresent(decisionComment, forKey: .decisionComment)
        try container.encodeIfPresent(signedAt, forKey: .signedAt)
        try container.encode(createdBy, forKey: .createdBy)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encode(customerID, forKey: .customerID)
        try container.encode(customerName, forKey: .customerName)
        try container.encode(ownerID, forKey: .ownerID)
        try container.encode(region, forKey: .region)
        try container.encodeIfPresent(endsOn, forKey: .endsOn)
    }

    public var scopeOwnerID: String? { ownerID }
    public var scopeRegion: String? { region }
}

/// The body of `deals.createContract`: `{"quoteId": "<version id>"}` or `{"dealId": "…", "version": 2}`, with an
/// optional `endsOn` (`YYYY-MM-DD`) for a contract that runs for a term.
public struct ContractDraft: Sendable, Decodable, Equatable {
    public var quoteID: String?
    public var dealID: String?
    public var version: Int?
    public var endsOn: String?

    enum CodingKeys: String, CodingKey {
        case quoteID = "quoteId"
        case dealID = "dealId"
        case version, endsOn
    }

    public init(quoteID: String? = nil, dealID: String? = nil, version: Int? = nil, endsOn: String? = nil) {
        self.quoteID = quoteID
        self.dealID = dealID
        self.version = version
        self.endsOn = endsOn
    }

    /// The end date, checked: a real calendar day written `YYYY-MM-DD`.
    public func checkedEndsOn() throws(Problem) -> String? {
        guard let endsOn else { return nil }
        guard let day = CalendarDay(endsOn), day.year >= 2000, day.year <= 2999 else {
            throw Problem.validation([.init(field: "endsOn", message: "must be a date written YYYY-MM-DD, e.g. 2027-11-30")])
        }
        return day.description
    }
}

/// The contract's status machine: draft → pending_approval → approved | rejected → signed; a rejected contract may
/// be resubmitted, a recalled approval returns it to draft.
public enum ContractRules {
    /// Whether a contract in `status` may be submitted for approval.
    public static func canSubmit(_ status: Contract.Status) -> Bool { status == .draft || status == .rejected }

    /// Whether a contract in `status` may be signed.
    public static func canSign(_ status: Contract.Status) -> Bool { status == .approved }

    /// The status an approval outcome moves a pending contract to; `nil` when the contract is not pending, so a late
    /// or repeated outcome changes nothing.
    public static func status(after outcome: ApprovalOutcome, from status: Contract.Status) -> Contract.Status? {
        guard status == .pendingApproval else { return nil }
        switch outcome {
        case .approved: return .approved
        case .rejected: return .rejected
        case .recalled: return .draft
        }
    }

    /// The contract number, `HT-<year>-<sequence padded to 6 digits>`.
    public static func number(year: Int, sequence: Int64) -> String {
        let digits = String(sequence)
        return "HT-\(year)-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }
}
