import Contracts
import Foundation
public import Logging
import PostgresNIO

/// A customer as deals knows it.
struct ReplicatedCustomer: Sendable, Equatable {
    var id: String
    var name: String
    var region: String
    var ownerID: String?
    /// An archived customer takes no new deals.
    var archived: Bool = false
    /// A customer merged into another takes no new deals either; this is the survivor.
    var mergedInto: String? = nil
}

/// Deals' local copy of each customer's name, region and owner.
public struct CustomerReplicaRepository: Sendable {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    /// Stores the customer's state unless a newer version is already kept.
    /// - Returns: whether this state was stored (`false` for a stale, out-of-order event).
    @discardableResult
    func upsert(_ customer: CustomerSnapshot, sequence: Int64, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            """
            INSERT INTO customer_replica (id, name, region, owner_id, archived, sequence)
            VALUES (\(customer.id), \(customer.name), \(customer.region), \(customer.ownerID), \(customer.archived), \(sequence))
            ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, region = EXCLUDED.region, owner_id = EXCLUDED.owner_id,
                archived = EXCLUDED.archived, sequence = EXCLUDED.sequence, updated_at = now()
            WHERE customer_replica.sequence < EXCLUDED.sequence
            RETURNING 1
            """,
            logger: logger
        )
        for try await _ in rows { return true }
        return false
    }

    /// ``upsert(_:sequence:on:)`` for many customers in one statement, each at its own version; returns the ids of
    /// the rows it wrote.
    func upsert(_ snapshots: [CustomerSnapshot], on connection: PostgresConnection) async throws -> [String] {
        guard !snapshots.isEmpty else { return [] }
        let json = String(decoding: try JSONCoding.encoder.encode(snapshots.map(ReplicaRecord.init)), as: UTF8.self)
        let rows = try await connection.query(
            """
            INSERT INTO customer_replica (id, name, region, owner_id, archived, sequence)
            SELECT id, name, region, "ownerId", archived, version
            FROM jsonb_to_recordset(\(json)::jsonb) AS r(id text, name text, region text, "ownerId" text, archived boolean, version bigint)
            ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, region = EXCLUDED.region, owner_id = EXCLUDED.owner_id,
                archived = EXCLUDED.archived, sequence = EXCLUDED.sequence, updated_at = now()
            WHERE customer_replica.sequence < EXCLUDED.sequence
            RETURNING id
            """,
            logger: logger
        )
        var written: [String] = []
        for try await id in rows.decode(String.self) { written.append(id) }
        return written
    }

    /// A snapshot as the bulk upsert reads it (`jsonb_to_recordset`).
    private struct ReplicaRecord: Encodable {
        var id: String
        var name: String
        var region: String
        var ownerID: String?
        var archived: Bool
        var version: Int64
        enum CodingKeys: String, CodingKey {
            case id, name, region, archived, version
            case ownerID = "ownerId"
        }
        init(_ snapshot: CustomerSnapshot) {
            id = snapshot.id
            name = snapshot.name
            region = snapshot.region
            ownerID = snapshot.ownerID
            archived = snapshot.archived
            version = snapshot.version
        }
    }

    func find(id: String, on connection: PostgresConnection) async throws -> ReplicatedCustomer? {
        let rows = try await connection.query(
            "SELECT id, name, region, owner_id, archived, merged_into FROM customer_replica WHERE id = \(id)",
            logger: logger
        )
        for try await (id, name, region, ownerID, archived, mergedInto) in rows.decode((String, String, String, String?, Bool, String?).self) {
            return ReplicatedCustomer(id: id, name: name, region: region, ownerID: ownerID, archived: archived, mergedInto: mergedInto)
        }
        return nil
    }

    /// Marks `mergedID` as merged into `survivorID` (idempotent). A customer the replica has not seen yet is kept
    /// as a row of its own, so a late `customer.created` for it cannot make it a live customer again.
    func markMerged(_ mergedID: String, into survivor: CustomerSnapshot, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO customer_replica (id, name, region, owner_id, archived, sequence, merged_into)
            VALUES (\(mergedID), '', \(survivor.region), NULL, true, 0, \(survivor.id))
            ON CONFLICT (id) DO UPDATE SET merged_into = EXCLUDED.merged_into, updated_at = now()
            """,
            logger: logger
        )
    }
}
