public import Contracts
public import Foundation

/// A record whose visibility follows the data scope: it has an owner and a region.
public protocol ScopedRecord: Sendable {
    /// The owner's user id, `nil` when the record has none.
    var scopeOwnerID: String? { get }
    /// The record's region, `nil` when it has none.
    var scopeRegion: String? { get }
}

extension DataScope {
    /// The record if it exists and is in scope; otherwise the same 404 problem, so that a caller cannot tell a record
    /// that is not theirs from one that does not exist.
    /// - Parameters:
    ///   - record: the record as found, or `nil`.
    ///   - kind: what it is, for the message (`deal`, `customer`).
    ///   - id: the id the caller asked for.
    public func visible<Record: ScopedRecord>(_ record: Record?, _ kind: String, id: RecordID) throws(Problem) -> Record {
        guard let record, contains(ownerID: record.scopeOwnerID, region: record.scopeRegion) else {
            throw Problem.notFound("No \(kind) \(id).")
        }
        return record
    }
}

extension RPCRequest {
    /// The `{id}` of the route as a ``Contracts/RecordID``; a value that is not a UUID is the 404 of a record that
    /// cannot exist.
    /// - Parameter kind: what the id names, for the message (`deal`, `customer`).
    public func pathRecordID(_ kind: String) throws(Problem) -> RecordID {
        guard let text = pathID, let id = RecordID(text) else {
            throw Problem.notFound("No \(kind) \(String((pathID ?? "").prefix(64))).")
        }
        return id
    }
}
