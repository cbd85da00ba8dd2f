public import Foundation

/// `shipment.recorded`: the warehouse recorded a shipment (发货) against a signed contract's lines. When it leaves
/// nothing to ship, `completesDelivery` is true: the contract is delivered and its deal moves to `delivered` in the
/// same transaction. Owned by `deals`; carries no prices.
public struct ShipmentRecorded: ContractEvent, Equatable {
    public static let eventType = "shipment.recorded"

    /// What one contract line shipped.
    public struct Line: Codable, Sendable, Equatable {
        /// The 1-based position of the line on the contract.
        public var lineNumber: Int
        public var productID: String
        public var productLine: String
        public var quantity: Int64

        enum CodingKeys: String, CodingKey {
            case lineNumber, productLine, quantity
            case productID = "productId"
        }

        public init(lineNumber: Int, productID: String, productLine: String, quantity: Int64) {
            self.lineNumber = lineNumber
            self.productID = productID
            self.productLine = productLine
            self.quantity = quantity
        }
    }

    public var shipmentID: String
    public var party: ContractParty
    /// `YYYY-MM-DD` (Asia/Shanghai), the day the goods left.
    public var shippedOn: String
    public var carrier: String
    public var trackingNumber: String?
    public var lines: [Line]
    /// Whether this shipment left nothing to ship on the contract.
    public var completesDelivery: Bool
    public var byUserID: String
    public var at: Date

    enum CodingKeys: String, CodingKey {
        case party, shippedOn, carrier, trackingNumber, lines, completesDelivery, at
        case shipmentID = "shipmentId"
        case byUserID = "byUserId"
    }

    public init(
        shipmentID: String,
        party: ContractParty,
        shippedOn: String,
        carrier: String,
        trackingNumber: String?,
        lines: [Line],
        completesDelivery: Bool,
        byUserID: String,
        at: Date
    ) {
        self.shipmentID = shipmentID
        self.party = party
        self.shippedOn = shippedOn
        self.carrier = carrier
        self.trackingNumber = trackingNumber
        self.lines = lines
        self.completesDelivery = completesDelivery
        self.byUserID = byUserID
        self.at = at
    }
}
