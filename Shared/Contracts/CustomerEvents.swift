/// A contact person at a customer.
public struct CustomerContact: Codable, Sendable, Equatable {
    public var name: String
    public var phone: String?
    public var email: String?
    public var title: String?

    public init(name: String, phone: String? = nil, email: String? = nil, title: String? = nil) {
        self.name = name
        self.phone = phone
        self.email = email
        self.title = title
    }
}

/// The customer state carried by customer events, so consumers can keep a replica without asking back.
public struct CustomerSnapshot: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var region: String
    public var industry: String
    public var ownerID: String?
    public var contacts: [CustomerContact]
    public var version: Int64

    public init(id: String, name: String, region: String, industry: String, ownerID: String?, contacts: [CustomerContact], version: Int64) {
        self.id = id
        self.name = name
        self.region = region
        self.industry = industry
        self.ownerID = ownerID
        self.contacts = contacts
        self.version = version
    }
}

/// A `customer.*` event: customers belong to the `customers` service.
public protocol CustomerEvent: DomainEvent {}

extension CustomerEvent {
    /// `customers`.
    public static var source: String { Operation.Customers.service }
}

/// `customer.created`: a customer was registered.
public struct CustomerCreated: CustomerEvent, Equatable {
    public static let eventType = "customer.created"
    public var customer: CustomerSnapshot
    public init(customer: CustomerSnapshot) { self.customer = customer }
}

/// `customer.updated`: a customer's master data changed; `changedFields` names what changed.
public struct CustomerUpdated: CustomerEvent, Equatable {
    public static let eventType = "customer.updated"
    public var customer: CustomerSnapshot
    public var changedFields: [String]
    public init(customer: CustomerSnapshot, changedFields: [String]) {
        self.customer = customer
        self.changedFields = changedFields
    }
}
