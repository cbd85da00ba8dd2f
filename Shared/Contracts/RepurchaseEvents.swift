public import Foundation

/// `repurchase.reminder`: reporting expects a customer to order a product line again (续约提醒/复购提醒), and tells
/// the customer's owner. Published by reporting's daily 09:00 (Asia/Shanghai) check at most once per (customer,
/// product line, expected date, kind); `notifications` turns it into an in-app notification and a WeCom push.
public struct RepurchaseReminder: DomainEvent, Equatable {
    public static let eventType = "repurchase.reminder"
    /// `reporting`.
    public static var source: String { Operation.Reporting.service }

    /// Why the owner is reminded.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// The next expected order is within the reminder window (`REPURCHASE_REMIND_DAYS`).
        case upcoming
        /// The expected order date has passed and the customer has no open deal.
        case overdue
        /// A contract's end date is within the reminder window.
        case renewal
    }

    public var kind: Kind
    public var customerID: String
    /// The customer's name as the newest signed contract carried it; the id when none did.
    public var customerName: String
    /// Who is told: the customer's owner.
    public var ownerID: String
    public var region: String
    /// The product line (for a renewal: the ending contract's lines, joined with "、").
    public var productLine: String
    /// `YYYY-MM-DD`: the next expected order (upcoming, overdue) or the contract's end date (renewal).
    public var expectedOn: String
    /// `YYYY-MM-DD`: the last purchase of the line (for a renewal: the ending contract's signing day).
    public var lastPurchaseOn: String
    /// The median gap between purchases, in days; `nil` for a renewal.
    public var medianGapDays: Int?
    /// The ending contract (renewal only).
    public var contractID: String?
    public var contractNumber: String?
    /// The schedule occurrence that produced it.
    public var occurrence: Date

    enum CodingKeys: String, CodingKey {
        case kind, customerName, region, productLine, expectedOn, lastPurchaseOn, medianGapDays, contractNumber, occurrence
        case customerID = "customerId"
        case ownerID = "ownerId"
        case contractID = "contractId"
    }

    public init(
        kind: Kind,
        customerID: String,
        customerName: String,
        ownerID: String,
        region: String,
        productLine: String,
        expectedOn: String,
        lastPurchaseOn: String,
        medianGapDays: Int?,
        contractID: String? = nil,
        contractNumber: String? = nil,
        occurrence: Date
    ) {
        self.kind = kind
        self.customerID = customerID
        self.customerName = customerName
        self.ownerID = ownerID
        self.region = region
        self.productLine = productLine
        self.expectedOn = expectedOn
        self.lastPurchaseOn = lastPurchaseOn
        self.medianGapDays = medianGapDays
        self.contractID = contractID
        self.contractNumber = contractNumber
        self.occurrence = occurrence
    }
}
