public import Contracts
public import Foundation
public import ServiceRuntime

/// A customer (客户): a company we sell to, with at least one way to reach someone there.
public struct Customer: Sendable, Equatable, Codable, ScopedRecord {
    public var id: RecordID
    public var name: String
    /// Region code, e.g. `east-china`.
    public var region: String
    public var industry: String
    public var address: String?
    public var notes: String?
    /// The rep who owns the relationship.
    public var ownerID: String?
    public var contacts: [CustomerContact]
    /// Incremented by every change; the `sequence` of the customer's events.
    public var version: Int64
    public var createdAt: Date
    public var updatedAt: Date
    /// An archived customer is hidden from lists unless asked for and takes no new deals.
    public var archived: Bool = false
    /// When it was archived; `nil` while active.
    public var archivedAt: Date? = nil
    /// Where the customer is (WGS-84), set by a manager or taken from a rep's first check-in; `nil` until then.
    public var location: GeoPoint? = nil

    enum CodingKeys: String, CodingKey {
        case id, name, region, industry, address, notes, contacts, version, createdAt, updatedAt, archived, archivedAt, location
        case ownerID = "ownerId"
    }

    public var scopeOwnerID: String? { ownerID }
    public var scopeRegion: String? { region }

    /// The state carried by customer events.
    var snapshot: CustomerSnapshot {
        CustomerSnapshot(
            id: id.description,
            name: name,
            region: region,
            industry: industry,
            ownerID: ownerID,
            contacts: contacts,
            version: version,
            archived: archived
        )
    }
}

/// The fields a client may set when creating a customer; optional so that a missing one is reported as a
/// validation error with the others, not as the first decoding failure.
public struct CustomerDraft: Sendable, Decodable, Equatable {
    public var name: String?
    public var region: String?
    public var industry: String?
    public var address: String?
    public var notes: String?
    public var ownerID: String?
    public var contacts: [ContactDraft]?

    enum CodingKeys: String, CodingKey {
        case name, region, industry, address, notes, contacts
        case ownerID = "ownerId"
    }

    public init(
        name: String? = nil,
        region: String? = nil,
        industry: String? = nil,
        address: String? = nil,
        notes: String? = nil,
        ownerID: String? = nil,
        contacts: [ContactDraft]? = nil
    ) {
        self.name = name
        self.region = region
        self.industry = industry
        self.address = address
        self.notes = notes
        self.ownerID = ownerID
        self.contacts = contacts
    }
}

/// A contact as a client sends it.
public struct ContactDraft: Sendable, Decodable, Equatable {
    public var name: String?
    public var phone: String?
    public var email: String?
    public var title: String?

    public init(name: String? = nil, phone: String? = nil, email: String? = nil, title: String? = nil) {
        self.name = name
        self.phone = phone
        self.email = email
        self.title = title
    }
}

/// A partial update: only the members present change.
public struct CustomerPatch: Sendable, Decodable, Equatable {
    public var name: String?
    public var region: String?
    public var industry: String?
    public var address: String?
    public var notes: String?
    public var contacts: [ContactDraft]?
    /// When given, the update applies only if the customer is still at this version (optimistic locking).
    public var version: Int64?
    /// Read only to refuse an owner change here: ownership moves through `customers.transfer` alone, so every
    /// change of owner publishes `customer.transferred` and is audited as a transfer.
    public var ownerID: String?

    enum CodingKeys: String, CodingKey {
        case name, region, industry, address, notes, contacts, version
        case ownerID = "ownerId"
    }

    public init(
        name: String? = nil,
        region: String? = nil,
        industry: String? = nil,
        address: String? = nil,
        notes: String? = nil,
        contacts: [ContactDraft]? = nil,
        version: Int64? = nil,
        ownerID: String? = nil
    ) {
        self.name = name
        self.region = region
        self.industry = industry
        self.address = address
        self.notes = notes
        self.contacts = contacts
        self.version = version
        self.ownerID = ownerID
    }
}
