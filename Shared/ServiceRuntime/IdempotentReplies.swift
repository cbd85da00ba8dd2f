import Contracts
import Foundation
public import Logging
import Persistence
public import PostgresNIO

/// Makes a write safe to retry: the first reply to an `Idempotency-Key` is stored in the same transaction as the
/// write, and a repeat of the same request gets that reply instead of a second write.
///
/// The table `idempotency_keys` lives in each service's schema (the persistence kit's migration `kit_0003`). Reusing a key with a
/// different body is a client error (422), as in the IETF Idempotency-Key draft.
///
/// A key answers only for the same operation on the same record: the record (the request's path id) is part of
/// the stored operation (`deals.changeStage 4f…`), so reusing a key for another deal is a new request, not a replay
/// of the first deal's answer.
public enum IdempotentReplies {
    /// Runs `write` once per `(caller, operation, record, key)` of an RPC request; without a key it just runs it.
    /// - Parameters:
    ///   - request: the RPC request; its `x-idempotency-key` header is the key, its path id (if any) the record.
    ///   - connection: a connection inside the write's transaction.
    ///   - write: the write; its reply is stored when it is a success (2xx).
    public static func run(
        _ request: RPCRequest,
        on connection: PostgresConnection,
        logger: Logger,
        write: () async throws -> RPCResponse
    ) async throws -> RPCResponse {
        try await run(
            caller: request.identity?.userID ?? "",
            operation: request.operation,
            record: request.pathID,
            key: request.idempotencyKey,
            body: request.body,
            on: connection,
            logger: logger,
            write: write
        )
    }

    /// Runs `write` once per `(caller, operation, record, key)`; without a key it just runs it. For writes that do
    /// not arrive as an RPC, such as the gateway's own operations.
    /// - Parameters:
    ///   - caller: the caller's user id (empty for an anonymous caller).
    ///   - operation: the operation name, e.g. `gateway.users.create`.
    ///   - record: the record the operation changes (the path id), `nil` for one that names none (a create).
    ///   - key: the client's `Idempotency-Key`, if any.
    ///   - body: the request body; a repeat of the key with a different body is a 422.
    ///   - connection: a connection inside the write's transaction.
    ///   - write: the write; its reply is stored when it is a success (2xx).
    public static func run(
        caller: String,
        operation name: String,
        record: String? = nil,
        key: String?,
        body: [UInt8],
        on connection: PostgresConnection,
        logger: Logger,
        write: () async throws -> RPCResponse
    ) async throws -> RPCResponse {
        guard let key else { return try await write() }
        guard (1...255).contains(key.count) else {
            throw Problem.badRequest("Idempotency-Key must be 1–255 characters.")
        }
        let operation = record.map { "\(name) \($0)" } ?? name
        let hash = String(StableHash.fnv1a64(body), radix: 16)
        // The insert waits for a concurrent transaction holding the same key, so exactly one of two racing
        // requests writes; the other sees its committed reply (or takes over if it rolled back).
        let claimed = try await connection.query(
            """
            INSERT INTO idempotency_keys (caller, operation, key, request_hash, status, body)
            VALUES (\(caller), \(operation), \(key), \(hash), 0, ''::bytea)
            ON CONFLICT DO NOTHING
            RETURNING 1
            """,
            logger: logger
        )
        var isFirst = false
        for try await _ in claimed { isFirst = true }
        if !isFirst {
            let rows = try await connection.query(
                """
                SELECT request_hash, status, body FROM idempotency_keys
                WHERE caller = \(caller) AND operation = \(operation) AND key = \(key)
                """,
                logger: logger
            )
            for try await (storedHash, status, storedBody) in rows.decode((String, Int, Data).self) {
                guard storedHash == hash else {
                    throw Problem.validation(
                        [.init(field: "Idempotency-Key", message: "was already used with a different request body")]
                    )
                }
                return RPCResponse(status: status, body: Array(storedBody))
            }
        }
        let response = try await write()
        try await connection.query(
            """
            UPDATE idempotency_keys SET status = \(response.status), body = \(Data(response.body))
            WHERE caller = \(caller) AND operation = \(operation) AND key = \(key)
            """,
            logger: logger
        )
        return response
    }
}

extension PostgresClient {
    /// Runs an RPC write the way every write operation runs: in one transaction, once per `Idempotency-Key`
    /// (see ``IdempotentReplies``), so the change, its outbox rows and its stored reply commit together.
    ///
    /// The write is bounded by the caller's deadline (``RPCRequest/deadline``), so a write the gateway has answered
    /// 504 for is not applied afterwards: each statement is cancelled by PostgreSQL when the deadline passes
    /// (`statement_timeout` for this transaction only), and a write that finishes its statements after the deadline
    /// is rolled back instead of committed. Only a commit already under way at the deadline can still land, which is
    /// what the gateway's 504 tells the client (retry with the same key).
    ///
    /// The transaction also runs under the watchdog of ``Persistence/PostgresSettings/defaultTransactionDeadline``
    /// (``Persistence/PostgresClient/withTransaction(deadline:logger:_:)``): a write whose connection stops answering
    /// fails instead of holding the RPC consumer.
    /// - Parameters:
    ///   - request: the RPC request, whose key, caller, operation and body identify a repeat.
    ///   - logger: the request's logger.
    ///   - write: the write, on the transaction's connection.
    public func idempotentWrite(
        _ request: RPCRequest,
        logger: Logger,
        _ write: @escaping @Sendable (PostgresConnection) async throws -> RPCResponse
    ) async throws -> RPCResponse {
        try await withTransaction(deadline: PostgresSettings.defaultTransactionDeadline, logger: logger) { connection in
            if let deadline = request.deadline {
                let remaining = Int((deadline.timeIntervalSinceNow * 1000).rounded(.up))
                guard remaining > 0 else { throw Self.pastDeadline }
                try await connection.query("SELECT set_config('statement_timeout', \(String(remaining)), true)", logger: logger)
            }
            let reply = try await IdempotentReplies.run(request, on: connection, logger: logger) { try await write(connection) }
            if let deadline = request.deadline, deadline <= Date() { throw Self.pastDeadline }
            return reply
        }
    }

    /// Why a write was rolled back: its caller's deadline passed first. (A statement cancelled by the deadline's
    /// `statement_timeout` answers the same; see ``Contracts/Problem/init(_:operation:logger:)``.)
    private static let pastDeadline = Problem.timeout("The write did not finish before its deadline and was not applied; retry it.")
}
