public import Contracts
public import Foundation
public import ServiceRuntime

/// A deal (商机): one sales opportunity with one customer, moving through the pipeline.
public struct Deal: Sendable, Equatable, Encodable, ScopedRecord {
    public var id: RecordID
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
    /// Incremented by every stage change and edit; the `sequence` of the deal's events.
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

    public var scopeOwnerID: String? { ownerID }
    public var scopeRegion: String? { region }
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
        if !CalendarDay.isValid(date) { errors.append(.init(field: "expectedCloseDate", message: "must be a date YYYY-MM-DD")) }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return Fields(customerID: customerID, title: title, expectedAmountFen: amount, expectedCloseDate: date)
    }
}

/// One line of a deal's history: a move from one stage to another, or an edit of its fields, by whom and when.
public struct DealStageChange: Sendable, Equatable, Encodable {
    /// What the line records.
    public enum Kind: String, Sendable, Codable {
        /// A stage move (the deal's opening included).
        case stage
        /// An edit of the title, expected amount or expected close date; the stage stays.
        case edit
    }

    /// The line's number in the history table (not part of the API; it orders lines written in the same instant).
    public var entryID: Int64
    public var kind: Kind
    /// `nil` for the deal's first stage; always present (`null`), as the API document says. An edit: the deal's stage.
    @ExplicitNull public var fromStage: DealStage?
    public var toStage: DealStage
    public var lostReason: String?
    /// An edit's changed fields, `{"field": {"from": …, "to": …}}`; `nil` on a stage move.
    public var changes: [String: JSONValue]?
    /// The user who moved the deal (or whose signature or quote moved it).
    public var changedBy: String
    public var changedAt: Date

    public init(
        entryID: Int64,
        kind: Kind = .stage,
        fromStage: DealStage?,
        toStage: DealStage,
        lostReason: String?,
        changes: [String: JSONValue]? = nil,
        changedBy: String,
        changedAt: Date
    ) {
        self.entryID = entryID
        self.kind = kind
        self.fromStage = fromStage
        self.toStage = toStage
        self.lostReason = lostReason
        self.changes = changes
        self.changedBy = changedBy
        self.changedAt = changedAt
    }

    enum CodingKeys: String, CodingKey {
        case kind, fromStage, toStage, lostReason, changes, changedBy, changedAt
    }
}

/// The body of `deals.updateDeal`: the fields to change (absent ones stay) and, optionally, the version the caller
/// last saw.
public struct DealPatch: Sendable, Decodable, Equatable {
    public var title: String?
    public var expectedAmountFen: Fen?
    public var expectedCloseDate: String?
    public var version: Int64?

    public init(title: String? = nil, expectedAmountFen: Fen? = nil, expectedCloseDate: String? = nil, version: Int64? = nil) {
        self.title = title
        self.expectedAmountFen = expectedAmountFen
        self.expectedCloseDate = expectedCloseDate
        self.version = version
    }

    /// The deal with the patch applied and the changed fields as `{"field": {"from": …, "to": …}}` (in API names);
    /// every bad field at once (422).
    public func applied(to deal: Deal) throws(Problem) -> (deal: Deal, changes: [String: JSONValue]) {
        var errors: [Problem.FieldError] = []
        var next = deal
        if let title {
            let trimmed = title.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || trimmed.count > 200 { errors.append(.init(field: "title", message: "must be 1–200 characters")) }
            next.title = trimmed
        }
        if let expectedAmountFen {
            if expectedAmountFen < 0 { errors.append(.init(field: "expectedAmountFen", message: "must be a whole number of fen, 0 or more")) }
            next.expectedAmountFen = expectedAmountFen
        }
        if let expectedCloseDate {
            if !CalendarDay.isValid(expectedCloseDate) { errors.append(.init(field: "expectedCloseDate", message: "must be a date YYYY-MM-DD")) }
            next.expectedCloseDate = expectedCloseDate
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        var changes: [String: JSONValue] = [:]
        if deal.title != next.title { changes["title"] = .object(["from": .string(deal.title), "to": .string(next.title)]) }
        if deal.expectedAmountFen != next.expectedAmountFen {
            changes["expectedAmountFen"] = .object(["from": .integer(deal.expectedAmountFen), "to": .integer(next.expectedAmountFen)])
        }
        if deal.expectedCloseDate != next.expectedCloseDate {
            changes["expectedCloseDate"] = .object(["from": .string(deal.expectedCloseDate), "to": .string(next.expectedCloseDate)])
        }
        return (next, changes)
    }
}
