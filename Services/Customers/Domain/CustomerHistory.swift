public import Contracts
public import Foundation

/// One line of a customer's audit trail: who did what, when, and the values before and after.
public struct CustomerHistoryEntry: Sendable, Equatable, Encodable {
    /// What happened to the customer.
    public enum Action: String, Sendable, Codable {
        case created
        case updated
        case transferred
        case archived
        case restored
        case merged
    }

    public var at: Date
    public var actorID: String
    public var action: Action
    /// Per changed field `{"from": old, "to": new}`, e.g. `{"owner": {"from": "u-1", "to": "u-2"}}`.
    public var changes: [String: JSONValue]
    /// The line's number in the trail (its order among lines of the same instant); 0 until it is stored.
    public var entryID: Int64

    enum CodingKeys: String, CodingKey {
        case at, action, changes
        case actorID = "actorId"
    }

    public init(at: Date, actorID: String, action: Action, changes: [String: JSONValue], entryID: Int64 = 0) {
        self.at = at
        self.actorID = actorID
        self.action = action
        self.changes = changes
        self.entryID = entryID
    }

    /// A customer registered: every field it starts with, from nothing.
    static func created(_ customer: Customer, by actorID: String) throws -> CustomerHistoryEntry {
        let empty = Customer(
            id: customer.id,
            name: "",
            region: "",
            industry: "",
            address: nil,
            notes: nil,
            ownerID: nil,
            contacts: [],
            version: 0,
            createdAt: customer.createdAt,
            updatedAt: customer.createdAt
        )
        var changes = try differences(from: empty, to: customer)
        // A created customer has no "before"; null says so more honestly than an empty string.
        for (field, change) in changes {
            if case .object(var members) = change {
                members["from"] = .null
                changes[field] = .object(members)
            }
        }
        return CustomerHistoryEntry(at: customer.createdAt, actorID: actorID, action: .created, changes: changes)
    }

    /// The fields that differ between two states of a customer, as `{"field": {"from": …, "to": …}}`.
    static func differences(from old: Customer, to new: Customer) throws -> [String: JSONValue] {
        var changes: [String: JSONValue] = [:]
        func compare<Value: Encodable & Equatable>(_ field: String, _ before: Value, _ after: Value) throws {
            guard before != after else { return }
            changes[field] = .object(["from": try JSONValue(encoding: before), "to": try JSONValue(encoding: after)])
        }
        try compare("name", old.name, new.name)
        try compare("region", old.region, new.region)
        try compare("industry", old.industry, new.industry)
        try compare("address", old.address, new.address)
        try compare("notes", old.notes, new.notes)
        try compare("owner", old.ownerID, new.ownerID)
        try compare("contacts", old.contacts, new.contacts)
        try compare("location", old.location, new.location)
        try compare("creditCode", old.creditCode, new.creditCode)
        try compare("level", old.level, new.level)
        try compare("source", old.source, new.source)
        try compare("externalId", old.externalID, new.externalID)
        return changes
    }
}
