import Contracts
import Foundation
public import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// Reporting's projections in its own schema.
public struct ReportingRepository: Sendable {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    /// Keeps the envelope in the event log (for replay); a second copy of the same id is ignored.
    func record(_ envelope: EventEnvelope, on connection: PostgresConnection) async throws {
        let json = String(decoding: try envelope.encoded(), as: UTF8.self)
        try await connection.query(
            """
            INSERT INTO event_log (id, type, source, subject, sequence, time, envelope)
            VALUES (\(envelope.id), \(envelope.type), \(envelope.source), \(envelope.subject), \(envelope.sequence), \(envelope.time), \(json)::jsonb)
            ON CONFLICT (id) DO NOTHING
            """,
            logger: logger
        )
    }

    /// Upserts a customer's state unless a newer version is already known.
    func upsertCustomer(_ customer: CustomerSnapshot, sequence: Int64, time: Date, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO customer_projection (id, region, industry, owner_id, sequence, created_at, updated_at)
            VALUES (\(customer.id), \(customer.region), \(customer.industry), \(customer.ownerID), \(sequence), \(time), \(time))
            ON CONFLICT (id) DO UPDATE SET region = EXCLUDED.region, industry = EXCLUDED.industry, owner_id = EXCLUDED.owner_id,
                sequence = EXCLUDED.sequence, updated_at = EXCLUDED.updated_at
            WHERE customer_projection.sequence < EXCLUDED.sequence
            """,
            logger: logger
        )
    }

    /// ``upsertCustomer(_:sequence:time:on:)`` for many customers in one statement, each at its own version.
    func upsertCustomers(_ snapshots: [CustomerSnapshot], time: Date, on connection: PostgresConnection) async throws {
        guard !snapshots.isEmpty else { return }
        let json = String(decoding: try JSONCoding.encoder.encode(snapshots.map(ProjectedCustomer.init)), as: UTF8.self)
        try await connection.query(
            """
            INSERT INTO customer_projection (id, region, industry, owner_id, sequence, created_at, updated_at)
            SELECT id, region, industry, "ownerId", version, \(time), \(time)
            FROM jsonb_to_recordset(\(json)::jsonb) AS r(id text, region text, industry text, "ownerId" text, version bigint)
            ON CONFLICT (id) DO UPDATE SET region = EXCLUDED.region, industry = EXCLUDED.industry, owner_id = EXCLUDED.owner_id,
                sequence = EXCLUDED.sequence, updated_at = EXCLUDED.updated_at
            WHERE customer_projection.sequence < EXCLUDED.sequence
            """,
            logger: logger
        )
    }

    /// A snapshot as the bulk upsert reads it (`jsonb_to_recordset`).
    private struct ProjectedCustomer: Encodable {
        var id: String
        var region: String
        var industry: String
        var ownerID: String?
        var version: Int64
        enum CodingKeys: String, CodingKey {
            case id, region, industry, version
            case ownerID = "ownerId"
        }
        init(_ snapshot: CustomerSnapshot) {
            id = snapshot.id
            region = snapshot.region
            industry = snapshot.industry
            ownerID = snapshot.ownerID
            version = snapshot.version
        }
    }

    /// Takes a customer out of the projection (it was merged into another).
    func removeCustomer(id: String, on connection: PostgresConnection) async throws {
        try await connection.query("DELETE FROM customer_projection WHERE id = \(id)", logger: logger)
    }

    /// Moves the customer count changes the projection's trigger appends (migration 0017) into `customer_counts`
    /// (a ``Persistence/CountsFolder``, every five seconds); ``customerCounts(scope:on:)`` adds those not moved yet.
    static let customerCountsFold = CountsFolder.statement(
        moving: "customer_count_changes",
        into: "customer_counts",
        keys: ["owner_id", "region", "industry"],
        count: "customers"
    )

    /// Customer counts within `scope`: in all, by region and by industry. A customer is in scope by its owner and
    /// region, as in the customers service. Reads the aggregate `customer_counts` (migration 0011) with the changes
    /// not folded into it yet (`customer_count_changes`, migration 0017, ``customerCountsFold``), not the customers.
    func customerCounts(
        scope: DataScope,
        on connection: PostgresConnection
    ) async throws -> (total: Int, byRegion: [String: Int], byIndustry: [String: Int]) {
        var byRegion: [String: Int] = [:]
        var byIndustry: [String: Int] = [:]
        var total = 0
        let rows = try await connection.query(
            """
            SELECT region, industry, sum(customers)::bigint
            FROM (
                SELECT owner_id, region, industry, customers FROM customer_counts
                UNION ALL
                SELECT owner_id, region, industry, customers FROM customer_count_changes
            ) c
            WHERE (\(scope.ownerIDs)::text[] IS NULL OR owner_id = ANY(\(scope.ownerIDs)))
              AND (\(scope.region)::text IS NULL OR region = \(scope.region))
            GROUP BY region, industry
            HAVING sum(customers) > 0
            """,
            logger: logger
        )
        for try await (region, industry, count) in rows.decode((String, String, Int64).self) {
            let count = Int(count)
            total += count
            byRegion[region, default: 0] += count
            byIndustry[industry, default: 0] += count
        }
        return (total, byRegion, byIndustry)
    }
}
