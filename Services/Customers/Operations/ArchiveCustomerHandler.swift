import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `customers.archive` and `customers.restore` (path id = customer id): archives a customer, hiding it from lists
/// (unless `archived=` asks for it) and closing it to new deals, or restores it. Whoever may change the customer may
/// (finance 403; out of scope 404); archiving an archived customer, or restoring an active one, is a 409. The change,
/// its audit line and `customer.archived` / `customer.restored` (carrying the flag, for the replicas) commit together.
struct ArchiveCustomerHandler: Sendable {
    /// The operation that archives; `openapi.yaml` routes `POST /customers/{id}/archive` to it (`x-rpc`).
    static let archive = "customers.archive"
    /// The operation that restores; `openapi.yaml` routes `POST /customers/{id}/restore` to it (`x-rpc`).
    static let restore = "customers.restore"

    let postgres: PostgresClient
    let repository: any CustomerRepository
    /// `true` archives, `false` restores.
    let archiving: Bool
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try CustomersService.writeScope(request)
        let id = try request.pathRecordID("customer")
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            var customer = try scope.visible(try await repository.find(id: id, on: connection, forUpdate: true), "customer", id: id)
            try CustomerRules.requireNotMerged(customer)
            guard customer.archived != archiving else {
                throw Problem.conflict(archiving ? "The customer is already archived." : "The customer is not archived.")
            }
            let now = Date()
            customer.archived = archiving
            customer.archivedAt = archiving ? now : nil
            customer.version += 1
            customer.updatedAt = now
            try await repository.update(customer, on: connection)
            try await repository.appendHistory(
                CustomerHistoryEntry(
                    at: now,
                    actorID: scope.caller.userID,
                    action: archiving ? .archived : .restored,
                    changes: ["archived": .object(["from": .bool(!archiving), "to": .bool(archiving)])]
                ),
                customerID: customer.id,
                on: connection
            )
            let snapshot = customer.snapshot
            let by = scope.caller.userID
            let envelope =
                archiving
                ? try EventEnvelope(
                    CustomerArchived(customer: snapshot, byUserID: by),
                    source: CustomersService.name,
                    subject: snapshot.id,
                    sequence: customer.version,
                    time: now,
                    traceparent: request.headers[RPC.Header.traceparent]
                )
                : try EventEnvelope(
                    CustomerRestored(customer: snapshot, byUserID: by),
                    source: CustomersService.name,
                    subject: snapshot.id,
                    sequence: customer.version,
                    time: now,
                    traceparent: request.headers[RPC.Header.traceparent]
                )
            try await Outbox.append(envelope, on: connection, logger: logger)
            return try .json(customer)
        }
    }
}
