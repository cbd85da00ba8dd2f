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
    /// The unified social credit code (统一社会信用代码), normalized and valid by ``CreditCode``; unique among live customers.
    public var creditCode: String? = nil
    /// A = key account (重点), B = normal, C = small; `nil` = not graded.
    public var level: CustomerLevel? = nil
    /// How the customer came to us.
    public var source: CustomerSource? = nil
    /// The customer's id in the spreadsheet it was imported from; unique.
    public var externalID: String? = nil
    /// Set when this customer was merged into another (the survivor); it is then read-only.
    public var mergedInto: RecordID? = nil

    /// `active`, `archived` or `merged`, derived from ``archived`` and ``mergedInto``.
    public var status: CustomerStatus {
        if mergedInto != nil { return .merged }
        return archived ? .archived : .active
    }

    enum CodingKeys: String, CodingKey {
        case id, name, region, industry, address, notes, contacts, version, createdAt, updatedAt, archived, archivedAt, location
        case creditCode, level, source, status, mergedInto
        case ownerID = "ownerId"
        case externalID = "externalId"
    }

    public init(
        id: RecordID,
        name: String,
        region: String,
        industry: String,
        address: String? = nil,
        notes: String? = nil,
        ownerID: String?,
        contacts: [CustomerContact],
        version: Int64,
        createdAt: Date,
        updatedAt: Date,
        archived: Bool = false,
        archivedAt: Date? = nil,
        location: GeoPoint? = nil,
        creditCode: String? = nil,
        level: CustomerLevel? = nil,
        source: CustomerSource? = nil,
        externalID: String? = nil,
        mergedInto: RecordID? = nil
    ) {
        self.id = id
        self.name = name
        self.region = region
        self.industry = industry
        self.address = address
        self.notes = notes
        self.ownerID = ownerID
        self.contacts = contacts
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.archived = archived
        self.archivedAt = archivedAt
        self.location = location
        self.creditCode = creditCode
        self.level = level
        self.source = source
        self.externalID = externalID
        self.mergedInto = mergedInto
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try container.decode(RecordID.self, forKey: .id),
            name: try container.decode(String.self, forKey: .name),
            region: try container.decode(String.self, forKey: .region),
            industry: try container.decode(String.self, forKey: .industry),
            address: try container.decodeIfPresent(String.self, forKey: .address),
            notes: try container.decodeIfPresent(String.self, forKey: .notes),
            ownerID: try container.decodeIfPresent(String.self, forKey: .ownerID),
            contacts: try container.decode([CustomerContact].self, forKey: .contacts),
            version: try container.decode(Int64.self, forKey: .version),
            createdAt: try container.decode(Date.self, forKey: .createdAt),
            updatedAt: try container.decode(Date.self, forKey: .updatedAt),
            archived: try container.decodeIfPresent(Bool.self, forKey: .archived) ?? false,
            archivedAt: try container.decodeIfPresent(Date.self, forKey: .archivedAt),
            location: try container.decodeIfPresent(GeoPoint.self, forKey: .location),
            creditCode: try container.decodeIfPresent(String.self, forKey: .creditCode),
            level: try container.decodeIfPresent(CustomerLevel.self, forKey: .level),
            source: try container.decodeIfPresent(CustomerSource.self, forKey: .source),
            externalID: try container.decodeIfPresent(String.self, forKey: .externalID),
            mergedInto: try container.decodeIfPresent(RecordID.self, forKey: .mergedInto)
        )
    }

    /// Writes every member, `null` for an absent optional one, so a client sees the whole shape; `status` is derived.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(region, forKey: .region)
        try container.encode(industry, forKey: .industry)
        try container.encodeIfPresent(address, forKey: .address)
        try container.encodeIfPresent(notes, forKey: .notes)
        try container.encodeIfPresent(ownerID, forKey: .ownerID)
        try container.encode(contacts, forKey: .contacts)
        try container.encode(version, forKey: .version)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encode(archived, forKey: .archived)
        try container.encodeIfPresent(archivedAt, forKey: .archivedAt)
        try container.encodeIfPresent(location, forKey: .location)
        try container.encode(creditCode, forKey: .creditCode)
        try container.encode(level, forKey: .level)
        try container.encode(source, forKey: .source)
        try container.encode(externalID, forKey: .externalID)
        try container.encode(status, forKey: .status)
        try container.encodeIfPresent(mergedInto, forKey: .mergedInto)
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

/// A customer's grade: A = key account (重点客户), B = normal, C = small.
public enum CustomerLevel: String, Sendable, Codable, CaseIterable {
    case a = "A"
    case b = "B"
    case c = "C"
}

/// How a customer came to us.
public enum CustomerSource: String, Sendable, Codable, CaseIterable {
    case referral
    case exhibition
    case website
    case coldCall = "cold_call"
    case advertising
    case existing
    case other
}

/// Where a customer stands: `active`, `archived` (hidden, restorable) or `merged` (read-only, see `mergedInto`).
public enum CustomerStatus: String, Sendable, Codable {
    case active
    case archived
    case merged
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
    public var creditCode: String?
    /// `A`, `B` or `C`; a string so that a wrong value is a field error, not a decoding failure.
    public var level: String?
    public var source: String?
    public var externalID: String?
    /// Create even though a customer with the same normalized name or a contact's mobile exists (never for the
    /// same credit code, which is unique).
    public var confirmDuplicate: Bool?

    enum CodingKeys: String, CodingKey {
        case name, region, industry, address, notes, contacts, creditCode, level, source, confirmDuplicate
        case ownerID = "ownerId"
        case externalID = "externalId"
    }

    public init(
        name: String? = nil,
        region: String? = nil,
        industry: String? = nil,
        address: String? = nil,
        notes: String? = nil,
        ownerID: String? = nil,
        contacts: [ContactDraft]? = nil,
        creditCode: String? = nil,
        level: String? = nil,
        source: String? = nil,
        externalID: String? = nil,
        confirmDuplicate: Bool? = nil
    ) {
        self.name = name
        self.region = region
        self.industry = industry
        self.address = address
        self.notes = notes
        self.ownerID = ownerID
        self.contacts = contacts
        self.creditCode = creditCode
        self.level = level
        self.source = source
        self.externalID = externalID
        self.confirmDuplicate = confirmDuplicate
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
    /// A string clears the code when empty; absent leaves it.
    public var creditCode: String?
    /// `A`, `B`, `C`; an empty string clears the grade.
    public var level: String?
    /// A source; an empty string clears it.
    public var source: String?
    /// Save even though another customer has the same normalized name or a contact's mobile.
    public var confirmDuplicate: Bool?

    enum CodingKeys: String, CodingKey {
        case name, region, industry, address, notes, contacts, version, creditCode, level, source, confirmDuplicate
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
        ownerID: String? = nil,
        creditCode: String? = nil,
        level: String? = nil,
        source: String? = nil,
        confirmDuplicate: Bool? = nil
    ) {
        self.creditCode = creditCode
        self.level = level
        self.source = source
        self.confirmDuplicate = confirmDuplicate
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
