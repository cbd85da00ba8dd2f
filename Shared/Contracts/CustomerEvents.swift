public import Foundation

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
    /// An archived customer is hidden from lists and takes no new deals. Absent in events written before archiving
    /// existed, which read as `false`.
    public var archived: Bool

    enum CodingKeys: String, CodingKey {
        case id, name, region, industry, ownerID, contacts, version, archived
    }

    public init(
        id: String,
        name: String,
        region: String,
        industry: String,
        ownerID: String?,
        contacts: [CustomerContact],
        version: Int64,
        archived: Bool = false
    ) {
        self.id = id
        self.name = name
        self.region = region
        self.industry = industry
        self.ownerID = ownerID
        self.contacts = contacts
        self.version = version
        self.archived = archived
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        name = try container.decode(String.self, forKey: .name)
        region = try container.decode(String.self, forKey: .region)
        industry = try container.decode(String.self, forKey: .industry)
        ownerID = try container.decodeIfPresent(String.self, forKey: .ownerID)
        contacts = try container.decode([CustomerContact].self, forKey: .contacts)
        version = try container.decode(Int64.self, forKey: .version)
        archived = try container.decodeIfPresent(Bool.self, forKey: .archived) ?? false
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

/// `customer.imported`: the customers one batch of an import created (issue 10: up to the import's batch size, 1,000
/// rows), as one event rather than one `customer.created` per row. Each snapshot is version 1 of a new customer, exactly
/// what its `customer.created` would have carried; a consumer that keeps customers applies them all in one statement
/// (see the deals replica and the reporting projection). A 50,000-row file is 50 events, not 50,000: consumed one by
/// one, each in its own transaction, the single events cost the consumers more than the import itself
/// (benchmarks/README.md, "Customer import"). Rows an import updates still publish `customer.updated` each.
public struct CustomersImported: CustomerEvent, Equatable {
    public static let eventType = "customer.imported"
    /// The import job.
    public var importID: String
    /// The first row (1-based, as the sheet numbers it) of the batch.
    public var firstRow: Int
    /// The customers the batch created, in row order.
    public var customers: [CustomerSnapshot]
    public init(importID: String, firstRow: Int, customers: [CustomerSnapshot]) {
        self.importID = importID
        self.firstRow = firstRow
        self.customers = customers
    }
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

/// `customer.archived`: a customer was archived; it is hidden from lists and takes no new deals until restored.
public struct CustomerArchived: CustomerEvent, Equatable {
    public static let eventType = "customer.archived"
    public var customer: CustomerSnapshot
    /// Who archived it.
    public var byUserID: String
    public init(customer: CustomerSnapshot, byUserID: String) {
        self.customer = customer
        self.byUserID = byUserID
    }
}

/// `customer.restored`: an archived customer is active again.
public struct CustomerRestored: CustomerEvent, Equatable {
    public static let eventType = "customer.restored"
    public var customer: CustomerSnapshot
    /// Who restored it.
    public var byUserID: String
    public init(customer: CustomerSnapshot, byUserID: String) {
        self.customer = customer
        self.byUserID = byUserID
    }
}

/// `customer.merged`: a manager merged one customer into another (issue 10). The merged-away customer keeps its row,
/// read-only, pointing at the survivor; its contacts, visits and history now belong to the survivor. Services that
/// keep records by customer (deals, quotes, contracts) re-point them to `survivorID`.
public struct CustomerMerged: CustomerEvent, Equatable {
    public static let eventType = "customer.merged"
    /// The customer that remains.
    public var survivorID: String
    /// The customer merged into it.
    public var mergedID: String
    /// Who merged them.
    public var byUserID: String
    /// When.
    public var at: Date
    /// The survivor after the merge (its contacts now include the merged customer's).
    public var survivor: CustomerSnapshot

    enum CodingKeys: String, CodingKey {
        case survivorID = "survivorId"
        case mergedID = "mergedId"
        case byUserID = "by"
        case at, survivor
    }

    public init(survivorID: String, mergedID: String, byUserID: String, at: Date, survivor: CustomerSnapshot) {
        self.survivorID = survivorID
        self.mergedID = mergedID
        self.byUserID = byUserID
        self.at = at
        self.survivor = survivor
    }
}
