public import Foundation

/// The identifier of a SalesDesk record: a UUID that always reads and writes as lower-case text, the canonical
/// form of RFC 9562 (Foundation's `uuidString` is upper case).
///
/// Domain types hold ids as ``RecordID`` so that their synthesized `Codable` writes the API's form, and the
/// persistence kit binds it to a PostgreSQL `uuid` column. Parsing accepts either case.
public struct RecordID: Sendable, Hashable, Comparable, Codable, LosslessStringConvertible {
    /// The UUID behind the id.
    public let uuid: UUID

    /// Wraps a UUID.
    public init(_ uuid: UUID) {
        self.uuid = uuid
    }

    /// A new random id.
    public init() {
        uuid = UUID()
    }

    /// Parses UUID text in either case; `nil` when it is not a UUID.
    public init?(_ description: String) {
        guard let uuid = UUID(uuidString: description) else { return nil }
        self.uuid = uuid
    }

    /// The lower-case text form, e.g. `5f0c…`.
    public var description: String { uuid.uuidString.lowercased() }

    public static func < (lhs: RecordID, rhs: RecordID) -> Bool { lhs.description < rhs.description }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let id = RecordID(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "is not an id (a UUID)")
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension UUID {
    /// The lower-case text form of this UUID, as every SalesDesk API and event writes it.
    public var recordID: RecordID { RecordID(self) }
}
