public import Contracts
public import Foundation

/// Quotes (报价): each version of a deal's quote is immutable; a new offer is a new version.
public enum Quote {
    /// A line as the client asks for it; price and discount default to the product's list price and none.
    public struct LineRequest: Sendable, Decodable, Equatable {
        public var productID: String?
        public var quantity: Int64?
        public var unitPriceFen: Fen?
        public var discountBasisPoints: Int64?

        enum CodingKeys: String, CodingKey {
            case productID = "productId"
            case quantity, unitPriceFen, discountBasisPoints
        }

        public init(productID: String?, quantity: Int64?, unitPriceFen: Fen? = nil, discountBasisPoints: Int64? = nil) {
            self.productID = productID
            self.quantity = quantity
            self.unitPriceFen = unitPriceFen
            self.discountBasisPoints = discountBasisPoints
        }
    }

    /// The body of `deals.createQuoteVersion`.
    public struct Draft: Sendable, Decodable, Equatable {
        public var lines: [LineRequest]?
        /// `YYYY-MM-DD`.
        public var validUntil: String?
        public var note: String?
    }

    /// The figures of a whole quote (or contract).
    public struct Totals: Sendable, Equatable, Codable {
        public var totalFen: Fen
        public var costFen: Fen
        /// total − cost.
        public var marginFen: Fen
        /// margin ÷ total in basis points, rounded half away from zero; 0 for a zero total.
        public var marginBasisPoints: Int64
    }

    /// One version of a deal's quote, as stored and answered.
    public struct Version: Sendable, Equatable, Encodable {
        public var id: RecordID
        public var dealID: RecordID
        public var version: Int
        public var lines: [PricedLine]
        public var totals: Totals
        public var validUntil: String?
        public var note: String?
        public var createdBy: String
        public var createdAt: Date
        /// The discount approval of a version beyond its author's limit (issue 12); `nil` within the limit.
        public var discount: QuoteDiscount? = nil

        /// Whether a contract may be made from the version: within its author's limit, or its discount approved.
        public var discountCleared: Bool { discount == nil || discount?.status == .approved }

        enum CodingKeys: String, CodingKey {
            case id, version, lines, validUntil, note, createdBy, createdAt
            case dealID = "dealId"
            case totalFen, costFen, marginFen, marginBasisPoints
            case discountStatus, discountApproval
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(dealID, forKey: .dealID)
            try container.encode(version, forKey: .version)
            try container.encode(lines.map(LineView.init), forKey: .lines)
            try container.encode(totals.totalFen, forKey: .totalFen)
            try container.encode(totals.costFen, forKey: .costFen)
            try container.encode(totals.marginFen, forKey: .marginFen)
            try container.encode(totals.marginBasisPoints, forKey: .marginBasisPoints)
            try container.encodeIfPresent(validUntil, forKey: .validUntil)
            try container.encodeIfPresent(note, forKey: .note)
            try container.encode(createdBy, forKey: .createdBy)
            try container.encode(createdAt, forKey: .createdAt)
            try container.encode(discount?.status.rawValue ?? "within_limit", forKey: .discountStatus)
            try container.encodeIfPresent(discount, forKey: .discountApproval)
        }
    }

    /// A priced line in API casing (`productId`), as every other id in the API is spelt.
    public struct LineView: Sendable, Equatable, Codable {
        public var productId: String
        public var productName: String
        public var productLine: String
        public var quantity: Int64
        public var unitPriceFen: Fen
        public var discountBasisPoints: Int64
        public var amountFen: Fen
        public var costFen: Fen

        public init(_ line: PricedLine) {
            productId = line.productID
            productName = line.productName
            productLine = line.productLine
            quantity = line.quantity
            unitPriceFen = line.unitPriceFen
            discountBasisPoints = line.discountBasisPoints
            amountFen = line.amountFen
            costFen = line.costFen
        }
    }

    /// A product as pricing needs it.
    public struct PricedProduct: Sendable, Equatable {
        public var id: String
        public var name: String
        public var productLine: String
        public var listPriceFen: Fen
        public var unitCostFen: Fen
        /// A retired product stays in the catalogue's history but cannot be quoted any more.
        public var retired: Bool

        public init(id: String, name: String, productLine: String, listPriceFen: Fen, unitCostFen: Fen, retired: Bool = false) {
            self.id = id
            self.name = name
            self.productLine = productLine
            self.listPriceFen = listPriceFen
            self.unitCostFen = unitCostFen
            self.retired = retired
        }
    }

    /// The most lines one version may carry.
    public static let maxLines = 200

    /// Validates the requested lines against the catalogue and prices them exactly.
    ///
    /// Each product may appear once per version, so that the diff between versions is unambiguous.
    /// - Parameters:
    ///   - lines: the lines as sent.
    ///   - products: the catalogue entries the lines name, by id (lower-case UUID text).
    /// - Throws: a 422 ``Contracts/Problem`` naming every bad field.
    public static func price(_ lines: [LineRequest]?, products: [String: PricedProduct]) throws(Problem) -> [PricedLine] {
        guard let lines, !lines.isEmpty else { throw Problem.validation([.init(field: "lines", message: "must have at least one line")]) }
        guard lines.count <= maxLines else {
            throw Problem.validation([.init(field: "lines", message: "must have at most \(maxLines) lines")])
        }
        var errors: [Problem.FieldError] = []
        var priced: [PricedLine] = []
        var seen = Set<String>()
        for (index, line) in lines.enumerated() {
            let field = "lines.\(index)"
            let productID = line.productID?.lowercased() ?? ""
            guard let product = products[productID] else {
                errors.append(.init(field: "\(field).productId", message: "is not a product in the catalogue"))
                continue
            }
            if product.retired {
                errors.append(.init(field: "\(field).productId", message: "is a retired product; it cannot be quoted any more"))
            }
            if !seen.insert(productID).inserted {
                errors.append(.init(field: "\(field).productId", message: "appears twice; put the whole quantity on one line"))
            }
            guard let quantity = line.quantity, quantity >= 1, quantity <= 1_000_000_000 else {
                errors.append(.init(field: "\(field).quantity", message: "must be a whole number from 1 to 1000000000"))
                continue
            }
            let unitPrice = line.unitPriceFen ?? product.listPriceFen
            guard unitPrice >= 0, unitPrice <= 100_000_000_000 else {
                errors.append(.init(field: "\(field).unitPriceFen", message: "must be from 0 to 100000000000 fen"))
                continue
            }
            let discount = line.discountBasisPoints ?? 0
            guard (0...10_000).contains(discount) else {
                errors.append(.init(field: "\(field).discountBasisPoints", message: "must be from 0 to 10000"))
                continue
            }
            guard let amount = lineAmount(quantity: quantity, unitPriceFen: unitPrice, discountBasisPoints: discount),
                let cost = Int64(exactly: Int128(quantity) * Int128(product.unitCostFen))
            else {
                errors.append(.init(field: field, message: "is too large"))
                continue
            }
            priced.append(
                PricedLine(
                    productID: productID,
                    productName: product.name,
                    productLine: product.productLine,
                    quantity: quantity,
                    unitPriceFen: unitPrice,
                    discountBasisPoints: discount,
                    amountFen: amount,
                    costFen: cost
                )
            )
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        guard totals(of: priced) != nil else { throw Problem.validation([.init(field: "lines", message: "add up to too large a total")]) }
        return priced
    }

    /// quantity × unit price × (10000 − discount) ÷ 10000, rounded half-up to the fen; `nil` if it does not fit in
    /// Int64. The product is taken in 128 bits so that no intermediate overflows.
    public static func lineAmount(quantity: Int64, unitPriceFen: Fen, discountBasisPoints: Int64) -> Fen? {
        let gross = Int128(quantity) * Int128(unitPriceFen) * Int128(10_000 - discountBasisPoints)
        return Int64(exactly: Ratio.divideRoundingHalfAwayFromZero(gross, by: 10_000))
    }

    /// Sums lines and computes the margin; `nil` when a sum does not fit in Int64.
    public static func totals(of lines: [PricedLine]) -> Totals? {
        var total = Int128(0)
        var cost = Int128(0)
        for line in lines {
            total += Int128(line.amountFen)
            cost += Int128(line.costFen)
        }
        guard let totalFen = Int64(exactly: total), let costFen = Int64(exactly: cost), let marginFen = Int64(exactly: total - cost)
        else { return nil }
        // A margin that does not fit (a 1-fen total against a huge cost) is refused like an overflowing sum.
        guard let basisPoints = total == 0 ? 0 : Margin.basisPoints(revenueFen: totalFen, costFen: costFen) else { return nil }
        return Totals(totalFen: totalFen, costFen: costFen, marginFen: marginFen, marginBasisPoints: basisPoints)
    }

    /// What changed from one version to the next, by product.
    public struct Diff: Sendable, Equatable, Encodable {
        /// The version compared with; `nil` for version 1 (every line counts as added).
        public var previousVersion: Int?
        public var added: [LineView]
        public var removed: [LineView]
        public var changed: [Change]
        public var totalDeltaFen: Fen

        /// A product on both versions whose quantity, price, discount or amount differs.
        public struct Change: Sendable, Equatable, Encodable {
            public var productId: String
            public var before: LineView
            public var after: LineView
        }

        /// Compares `current` with `previous` (`nil` for the first version).
        public init(from previous: Version?, to current: Version) {
            previousVersion = previous?.version
            let before = Dictionary((previous?.lines ?? []).map { ($0.productID, $0) }, uniquingKeysWith: { first, _ in first })
            let after = Dictionary(current.lines.map { ($0.productID, $0) }, uniquingKeysWith: { first, _ in first })
            added = current.lines.filter { before[$0.productID] == nil }.map(LineView.init)
            removed = (previous?.lines ?? []).filter { after[$0.productID] == nil }.map(LineView.init)
            changed = current.lines.compactMap { line in
                guard let old = before[line.productID], old != line else { return nil }
                return Change(productId: line.productID, before: LineView(old), after: LineView(line))
            }
            totalDeltaFen = current.totals.totalFen - (previous?.totals.totalFen ?? 0)
        }
    }
}
