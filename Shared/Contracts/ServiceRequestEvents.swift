public import Foundation

/// `service_request.submitted`: a customer asked for after-sales service (售后服务请求) on their self-service page.
/// Published by `deals`, which owns the customer portal; `notifications` turns it into an in-app notification and a
/// WeCom push for the customer's owner, whose task list (`GET /service-requests`) holds the request.
///
/// The contact name, phone and description are the customer's own words: consumers must treat them as untrusted text.
public struct ServiceRequestSubmitted: DomainEvent, Equatable {
    public static let eventType = "service_request.submitted"
    /// `deals`.
    public static var source: String { Operation.Deals.service }

    public var requestID: String
    public var customerID: String
    public var customerName: String
    /// The customer's owner when the request arrived; `nil` for a customer nobody owns (no one is notified).
    public var ownerID: String?
    public var region: String
    /// The contract the customer chose, if any, by number.
    public var contractNumber: String?
    public var contactName: String
    public var phone: String
    public var description: String
    public var submittedAt: Date

    enum CodingKeys: String, CodingKey {
        case customerName, region, contractNumber, contactName, phone, description, submittedAt
        case requestID = "requestId"
        case customerID = "customerId"
        case ownerID = "ownerId"
    }

    public init(
        requestID: String,
        customerID: String,
        customerName: String,
        ownerID: String?,
        region: String,
        contractNumber: String?,
        contactName: String,
        phone: String,
        description: String,
        submittedAt: Date
    ) {
        self.requestID = requestID
        self.customerID = customerID
        self.customerName = customerName
        self.ownerID = ownerID
        self.region = region
        self.contractNumber = contractNumber
        self.contactName = contactName
        self.phone = phone
        self.description = description
        self.submittedAt = submittedAt
    }
}
