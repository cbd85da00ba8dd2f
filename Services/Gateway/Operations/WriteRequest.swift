import Contracts
import Logging
import PostgresNIO
import ServiceRuntime

/// What a write to the gateway's own data takes from its HTTP request besides its input: the admin asking, the raw
/// body and `Idempotency-Key` (a retry with the same key and body gets the first reply), and the trace context its
/// events carry.
struct WriteRequest: Sendable {
    var caller: CallerIdentity
    var body: [UInt8]
    var idempotencyKey: String?
    var traceparent: String?

    /// The caller as the audit trail records them.
    var actor: RecordID? { RecordID(caller.userID) }

    /// Runs `write` in one transaction, once per `Idempotency-Key` and `record` (see ``ServiceRuntime/IdempotentReplies``).
    /// - Parameter record: the user or region the write changes; `nil` for a create.
    func once(
        _ operation: String,
        record: RecordID? = nil,
        postgres: PostgresClient,
        logger: Logger,
        write: @escaping @Sendable (PostgresConnection) async throws -> RPCResponse
    ) async throws -> RPCResponse {
        try await once(operation, subject: record?.description, postgres: postgres, logger: logger, write: write)
    }

    /// Runs `write` in one transaction, once per `Idempotency-Key` and `subject`, a record named by other than an id
    /// (a calendar day: `calendar:2027-10-01`).
    func once(
        _ operation: String,
        subject: String?,
        postgres: PostgresClient,
        logger: Logger,
        write: @escaping @Sendable (PostgresConnection) async throws -> RPCResponse
    ) async throws -> RPCResponse {
        try await postgres.withTransaction(logger: logger) { connection in
            try await IdempotentReplies.run(
                caller: caller.userID,
                operation: operation,
                record: subject,
                key: idempotencyKey,
                body: body,
                on: connection,
                logger: logger
            ) { try await write(connection) }
        }
    }
}
