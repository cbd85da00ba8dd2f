public import Contracts
public import Foundation

/// A deal (商机): one sales opportunity with one customer, moving through the pipeline.
public struct Deal: Sendable, Equatable, Encodable {
    public var id: UUID
    /// The customer's id as the customers service spells it (lower-case UUID text).
    public var customerID: String
    public var customerName: String
    /// The customer's owner (or its creator when the customer has none); follows the customer while the deal is open.
    public var ownerID: String
    public var region: String
    public var title: String
    public var expectedAmountFen: Fen
    /// `YYYY-MM-DD`, a business date in Asia/Shanghai.
    public var expectedCloseDate: String
    public var stage: DealStage
    public var lostReason: String?
    /// The stage a lost deal was lost from; a reopen returns it there.
    public var lostFromStage: DealStage?
    /// Incremented by every stage change; the `sequence` of `deal.stage_changed`.
    public var version: Int64
    public var createdBy: String
    public var createdAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, customerName, region, title, expectedAmountFen, expectedCloseDate, stage, lostReason, lostFromStage, version
        case createdBy, createdAt, updatedAt
        case customerID = "customerId"
        case ownerID = "ownerId"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id.uuidString.lowercased(), forKey: .id)
        try container.encode(customerID, forKey: .customerID)
        try container.encode(customerName, forKey: .customerName)
        try container.encode(ownerID, forKey: .ownerID)
        try container.encode(region, forKey: .region)
        try container.encode(title, forKey: .title)
        try container.encode(expectedAmountFen, forKey: .expectedAmountFen)
        try container.encode(expectedCloseDate, forKey: .expectedCloseDate)
        try container.encode(stage, forKey: .stage)
        try container.encodeIfPresent(lostReason, forKey: .lostReason)
        try container.encodeIfPresent(lostFromStage, forKey: .lostFromStage)
        try container.encode(version, forKey: .version)
        try container.encode(createdBy, forKey: .createdBy)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }
}

/// The body of `deals.createDeal`; optional members so that every missing field is reported at once.
public struct DealDraft: Sendable, Decodable, Equatable {
    public var customerID: String?
    public var title: String?
    public var expectedAmountFen: Fen?
    public var expectedCloseDate: String?

    enum CodingKeys: String, CodingKey {
        case customerID = "customerId"
        case title, expectedAmountFen, expectedCloseDate
    }

    public init(customerID: String?, title: String?, expectedAmountFen: Fen?, expectedCloseDate: String?) {
        self.customerID = customerID
        self.title = title
        self.expectedAmountFen = expectedAmountFen
        self.expectedCloseDate = expectedCloseDate
    }
}

/// Field rules of deals.
public enum DealRules {
    /// A valid draft's fields.
    public struct Fields: Sendable, Equatable {
        public var customerID: String
        public var title: String
        public var expectedAmountFen: Fen
        public var expectedCloseDate: String
    }

    /// Validates a draft, reporting every bad field.
    public static func validate(_ draft: DealDraft) throws(Problem) -> Fields {
        var errors: [Problem.FieldError] = []
        let customerID = draft.customerID?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        if customerID.isEmpty { errors.append(.init(field: "customerId", message: "is required")) }
        let title = draft.title?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if title.isEmpty || title.count > 200 { errors.append(.init(field: "title", message: "must be 1–200 characters")) }
        let amount = draft.expectedAmountFen ?? -1
        if amount < 0 { errors.append(.init(field: "expectedAmountFen", message: "must be a whole number of fen, 0 or more")) }
        let date = draft.expectedCloseDate ?? ""
        if !isBusinessDate(date) { errors.append(.init(field: "expectedCloseDate", message: "must be a date YYYY-MM-DD")) }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return Fields(customerID: customerID, title: title, expectedAmountFen: amount, expectedCloseDate: date)
    }

    /// Whether `text` is a real calendar date written `YYYY-MM-DD` (2026-02-30 is not).
    public static func isBusinessDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1900...2999).contains(year), (1...12).contains(month), day >= 1
        else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= days[month - 1]
    }
}

/// The pipeline's stage rules, free of I/O.
///
/// - Forward one step at a time: lead → qualified → quoted → contract → delivered → paid.
/// - `quoted` needs at least one quote version; `contract` needs a signed contract (the "accepted quote": a contract
///   made from the deal's current version, approved and signed). Signing moves an earlier deal straight to `contract`.
/// - `lost`, with a reason, from any open stage (everything but `paid` and `lost`).
/// - No going back, except the explicit reopen of a lost deal to the stage it was lost from.
public enum DealStageRules {
    /// What the rules need to know about a deal besides its stage.
    public struct Facts: Sendable, Equatable {
        public var hasQuote: Bool
        public var hasSignedContract: Bool

        public init(hasQuote: Bool, hasSignedContract: Bool) {
            self.hasQuote = hasQuote
            self.hasSignedContract = hasSignedContract
        }
    }

    /// A requested move, as `deals.changeStage` names it.
    public enum Move: Sendable, Equatable {
        case to(DealStage)
        case reopen
    }

    /// The body of `deals.changeStage`: `{"stage": "<stage>" | "reopen", "lostReason": "…"}`.
    public struct Request: Sendable, Decodable, Equatable {
        public var stage: String?
        public var lostReason: String?
    }

    /// The pipeline order of the open and won stages.
    public static let order: [DealStage] = [.lead, .qualified, .quoted, .contract, .delivered, .paid]

    /// Whether a deal in this stage can still move (not won-and-paid, not lost).
    public static func isOpen(_ stage: DealStage) -> Bool { stage != .paid && stage != .lost }

    /// The result of a valid move.
    public struct Outcome: Sendable, Equatable {
        public var to: DealStage
        public var lostReason: String?
        public var lostFromStage: DealStage?
    }

    /// Parses the request body into a move.
    public static func move(_ request: Request) throws(Problem) -> Move {
        guard let text = request.stage, !text.isEmpty else { throw Problem.validation([.init(field: "stage", message: "is required")]) }
        if text == "reopen" { return .reopen }
        guard let stage = DealStage(rawValue: text) else {
            let names = DealStage.allCases.map(\.rawValue).joined(separator: ", ")
            throw Problem.validation([.init(field: "stage", message: "must be one of \(names), reopen")])
        }
        return .to(stage)
    }

    /// Checks a move from `current`; an illegal one is a 409 (it conflicts with the deal's state), a missing reason
    /// a 422.
    public static func apply(
        _ move: Move,
        from current: DealStage,
        lostFrom: DealStage?,
        lostReason: String?,
        facts: Facts
    ) throws(Problem) -> Outcome {
        switch move {
        case .reopen:
            guard current == .lost, let target = lostFrom else {
                throw Problem.conflict("Only a lost deal can be reopened; this one is \(current.rawValue).")
            }
            return Outcome(to: target, lostReason: nil, lostFromStage: nil)
        case .to(.lost):
            guard isOpen(current) else { throw Problem.conflict("A \(current.rawValue) deal cannot be marked lost.") }
            let reason = lostReason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            guard !reason.isEmpty, reason.count <= 500 else {
                throw Problem.validation([.init(field: "lostReason", message: "is required (1–500 characters) when a deal is lost")])
            }
            return Outcome(to: .lost, lostReason: reason, lostFromStage: current)
        case .to(let target):
            guard isOpen(current) else {
                let hint = current == .lost ? " Reopen it first." : ""
                throw Problem.conflict("The deal is \(current.rawValue) and cannot move to \(target.rawValue).\(hint)")
            }
            guard let from = order.firstIndex(of: current), let to = order.firstIndex(of: target), to == from + 1 else {
                throw Problem.conflict(
                    "A \(current.rawValue) deal can move only to \(next(after: current).map(\.rawValue) ?? "nothing") or lost, not \(target.rawValue)."
                )
            }
            if target == .quoted, !facts.hasQuote { throw Problem.conflict("A deal becomes quoted with its first quote version; create one.") }
            if target == .contract, !facts.hasSignedContract {
                throw Problem.conflict("A deal reaches the contract stage when a contract from its current quote is signed.")
            }
            return Outcome(to: target, lostReason: nil, lostFromStage: nil)
        }
    }

    /// The stage after `stage` in the pipeline.
    public static func next(after stage: DealStage) -> DealStage? {
        guard let index = order.firstIndex(of: stage), index + 1 < order.count else { return nil }
        return order[index + 1]
    }

    /// Where a deal goes when one of its contracts is signed: to `contract` from any earlier open stage, else it stays.
    public static func afterSigning(_ stage: DealStage) -> DealStage? {
        [.lead, .qualified, .quoted].contains(stage) ? .contract : nil
    }

    /// Where a deal goes when a quote version is created: a qualified deal becomes quoted (a deal quoted while still a
    /// lead waits for its qualification, then moves on by hand).
    public static func afterQuote(_ stage: DealStage) -> DealStage? {
        stage == .qualified ? .quoted : nil
    }
}
