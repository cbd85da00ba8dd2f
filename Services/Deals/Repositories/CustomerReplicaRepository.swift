import Contracts
public import Logging
public import PostgresNIO

/// Deals' local copy of each customer's name, region and owner.
public struct CustomerReplicaRepository: Sendable {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    /// Stores the customer's state unless a newer version is already kept.
    func upsert(_ customer: CustomerSnapshot, sequence: Int64, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO customer_replica (id, name, region, owner_id, sequence)
            VALUES (\(customer.id), \(customer.name), \(customer.region), \(customer.ownerID), \(sequence))
            ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, region = EXCLUDED.region, owner_id = EXCLUDED.owner_id,
                sequence = EXCLUDED.sequence, updated_at = now()
            WHERE customer_replica.sequence < EXCLUDED.sequence
            """,
            logger: logger
        )
    }
}
