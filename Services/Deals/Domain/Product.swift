public import Contracts
public import Foundation

/// A product in the catalogue, with its product line, list price and unit cost (for margins).
public struct Product: Sendable, Equatable, Encodable {
    public var id: RecordID
    public var name: String
    public var productLine: String
    public var listPriceFen: Fen
    public var unitCostFen: Fen
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name, productLine, listPriceFen, unitCostFen, createdAt
    }

    /// The product as quote pricing sees it.
    var priced: Quote.PricedProduct {
        Quote.PricedProduct(
            id: id.description,
            name: name,
            productLine: productLine,
            listPriceFen: listPriceFen,
            unitCostFen: unitCostFen
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
        let name = name?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if name.isEmpty || name.count > 200 { errors.append(.init(field: "name", message: "must be 1–200 characters")) }
        let line = productLine?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if line.isEmpty || line.count > 100 { errors.append(.init(field: "productLine", message: "must be 1–100 characters")) }
        let price = listPriceFen ?? -1
        if !(0...100_000_000_000).contains(price) { errors.append(.init(field: "listPriceFen", message: "must be from 0 to 100000000000 fen")) }
        let cost = unitCostFen ?? -1
        if !(0...100_000_000_000).contains(cost) { errors.append(.init(field: "unitCostFen", message: "must be from 0 to 100000000000 fen")) }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return (name, line, price, cost)
    }
}
