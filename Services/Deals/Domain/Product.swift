public import Contracts
public import Foundation

/// A product in the catalogue, with its product line, list price and unit cost (for margins).
public struct Product: Sendable, Equatable, Encodable {
    public var id: RecordID
    public var name: String
    public var productLine: String
    public var listPriceFen: Fen
    public var unitCostFen: Fen
    /// Incremented by every change; a patch naming another version is refused (409).
    public var version: Int64
    /// When the product left the catalogue; a retired product cannot be quoted.
    public var retiredAt: Date?
    public var createdAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name, productLine, listPriceFen, unitCostFen, version, retired, retiredAt, createdAt, updatedAt
    }

    public var retired: Bool { retiredAt != nil }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(productLine, forKey: .productLine)
        try container.encode(listPriceFen, forKey: .listPriceFen)
        try container.encode(unitCostFen, forKey: .unitCostFen)
        try container.encode(version, forKey: .version)
        try container.encode(retired, forKey: .retired)
        try container.encodeIfPresent(retiredAt, forKey: .retiredAt)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }

    /// The product as quote pricing sees it.
    var priced: Quote.PricedProduct {
        Quote.PricedProduct(
            id: id.description,
            name: name,
            productLine: productLine,
            listPriceFen: listPriceFen,
            unitCostFen: unitCostFen,
            retired: retired
        )
    }

    /// The product as `product.*` events carry it.
    var snapshot: ProductSnapshot {
        ProductSnapshot(
            id: id.description,
            name: name,
            productLine: productLine,
            listPriceFen: listPriceFen,
            unitCostFen: unitCostFen,
            retired: retired,
            version: version
        )
    }
}

/// The body of `deals.createProduct`.
public struct ProductDraft: Sendable, Decodable, Equatable {
    public var name: String?
    public var productLine: String?
    public var listPriceFen: Fen?
    public var unitCostFen: Fen?

    public init(name: String?, productLine: String?, listPriceFen: Fen?, unitCostFen: Fen?) {
        self.name = name
        self.productLine = productLine
        self.listPriceFen = listPriceFen
        self.unitCostFen = unitCostFen
    }

    /// Validates every field at once.
    func validated() throws(Problem) -> (name: String, productLine: String, listPriceFen: Fen, unitCostFen: Fen) {
        var errors: [Problem.FieldError] = []
        let name = ProductRules.name(name, into: &errors) ?? ""
        let line = ProductRules.productLine(productLine, into: &errors) ?? ""
        let price = ProductRules.fen(listPriceFen, field: "listPriceFen", into: &errors) ?? 0
        let cost = ProductRules.fen(unitCostFen, field: "unitCostFen", into: &errors) ?? 0
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return (name, line, price, cost)
    }
}

/// The body of `deals.updateProduct`: the fields to change (absent ones stay) and, optionally, the version the caller
/// last saw.
public struct ProductPatch: Sendable, Decodable, Equatable {
    public var name: String?
    public var productLine: String?
    public var listPriceFen: Fen?
    public var unitCostFen: Fen?
    public var version: Int64?

    public init(name: String? = nil, productLine: String? = nil, listPriceFen: Fen? = nil, unitCostFen: Fen? = nil, version: Int64? = nil) {
        self.name = name
        self.productLine = productLine
        self.listPriceFen = listPriceFen
        self.unitCostFen = unitCostFen
        self.version = version
    }

    /// The product with the patch applied, and the names of the fields that changed; every bad field at once (422).
    func applied(to product: Product) throws(Problem) -> (product: Product, changed: [String]) {
        var errors: [Problem.FieldError] = []
        var next = product
        if name != nil, let value = ProductRules.name(name, into: &errors) { next.name = value }
        if productLine != nil, let value = ProductRules.productLine(productLine, into: &errors) { next.productLine = value }
        if listPriceFen != nil, let value = ProductRules.fen(listPriceFen, field: "listPriceFen", into: &errors) { next.listPriceFen = value }
        if unitCostFen != nil, let value = ProductRules.fen(unitCostFen, field: "unitCostFen", into: &errors) { next.unitCostFen = value }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return (next, ProductRules.changedFields(from: product, to: next))
    }
}

/// Field rules of the catalogue, shared by creation and change.
enum ProductRules {
    static let maxFen: Fen = 100_000_000_000

    static func name(_ text: String?, into errors: inout [Problem.FieldError]) -> String? {
        let name = text?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !name.isEmpty, name.count <= 200 else {
            errors.append(.init(field: "name", message: "must be 1–200 characters"))
            return nil
        }
        return name
    }

    static func productLine(_ text: String?, into errors: inout [Problem.FieldError]) -> String? {
        let line = text?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !line.isEmpty, line.count <= 100 else {
            errors.append(.init(field: "productLine", message: "must be 1–100 characters"))
            return nil
        }
        return line
    }

    static func fen(_ value: Fen?, field: String, into errors: inout [Problem.FieldError]) -> Fen? {
        guard let value, (0...maxFen).contains(value) else {
            errors.append(.init(field: field, message: "must be from 0 to \(maxFen) fen"))
            return nil
        }
        return value
    }

    /// The API names of the fields that differ.
    static func changedFields(from old: Product, to new: Product) -> [String] {
        var changed: [String] = []
        if old.name != new.name { changed.append("name") }
        if old.productLine != new.productLine { changed.append("productLine") }
        if old.listPriceFen != new.listPriceFen { changed.append("listPriceFen") }
        if old.unitCostFen != new.unitCostFen { changed.append("unitCostFen") }
        return changed
    }

    /// Per changed field `{"from": old, "to": new}`; `old` `nil` is a creation (every field from null).
    static func changes(from old: Product?, to new: Product) -> [String: JSONValue] {
        var changes: [String: JSONValue] = [:]
        func add(_ field: String, _ before: JSONValue?, _ after: JSONValue) {
            guard before != after else { return }
            changes[field] = .object(["from": before ?? .null, "to": after])
        }
        add("name", old.map { .string($0.name) }, .string(new.name))
        add("productLine", old.map { .string($0.productLine) }, .string(new.productLine))
        add("listPriceFen", old.map { .integer($0.listPriceFen) }, .integer(new.listPriceFen))
        add("unitCostFen", old.map { .integer($0.unitCostFen) }, .integer(new.unitCostFen))
        if let old, old.retired != new.retired { changes["retired"] = .object(["from": .bool(old.retired), "to": .bool(new.retired)]) }
        return changes
    }
}

/// One line of a product's history: who created, changed or retired it, when, and the values before and after.
public struct ProductHistoryEntry: Sendable, Equatable, Encodable {
    public enum Action: String, Sendable, Codable {
        case created, updated, retired
    }

    /// The line's number (orders lines of the same instant; not part of the API).
    public var entryID: Int64
    public var at: Date
    public var actorID: String
    public var action: Action
    public var changes: [String: JSONValue]

    enum CodingKeys: String, CodingKey {
        case at, action, changes
        case actorID = "actorId"
    }
}
