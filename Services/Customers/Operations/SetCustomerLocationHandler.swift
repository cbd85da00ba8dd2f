import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `customers.setLocation` (path id = customer id): sets a customer's location (WGS-84, as received). Supervisors,
/// regional managers, gm and admin may, within their scope; a rep or finance gets 403, an out-of-scope customer 404,
/// an archived one 409. The change is a `customer.updated` (`changedFields: ["location"]`) and an audit line, in one
/// transaction; setting the same location again changes nothing.
struct SetCustomerLocationHandler: Sendable {
    /// The operation; `openapi.yaml` routes `PUT /customers/{id}/location` to it (`x-rpc`).
    static let operation = "customers.setLocation"

    let postgres: PostgresClient
    let repository: any CustomerRepository
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try CustomersService.writeScope(request)
        guard scope.caller.role != .rep else {
            throw Problem.forbidden("A rep cannot set a customer's location; their first check-in at a customer without one sets it.")
        }
        let id = try request.pathRecordID("customer")
        let location = try VisitRules.validate(try request.decode(LocationDraft.self))
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            let customer = try scope.visible(try await repository.find(id: id, on: connection, forUpdate: true), "customer", id: id)
            try CustomerRules.requireEditable(customer)
            guard customer.location != location else { return try .json(customer) }
            let changed = try await Self.move(
                customer,
                to: location,
                by: scope.caller.userID,
                repository: repository,
                traceparent: request.headers[RPC.Header.traceparent],
                on: connection,
                logger: logger
            )
            return try .json(changed)
        }
    }

    /// Moves a locked customer to `location`: a new version, its audit line and `customer.updated`, on the
    /// transaction's connection. A manager's correction and a rep's first check-in both come here.
    static func move(
        _ customer: Customer,
        to location: GeoPoint,
        by actorID: String,
        repository: any CustomerRepository,
        traceparent: String?,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Customer {
        var changed = customer
        changed.location = location
        changed.version += 1
        changed.updatedAt = Date()
        try await repository.update(changed, on: connection)
        try await repository.appendHistory(
            CustomerHistoryEntry(
                at: changed.updatedAt,
                actorID: actorID,
                action: .updated,
                changes: try CustomerHistoryEntry.differences(from: customer, to: changed)
            ),
            customerID: changed.id,
            on: connection
        )
        let event = try EventEnvelope(
            CustomerUpdated(customer: changed.snapshot, changedFields: ["location"]),
            source: CustomersService.name,
            subject: changed.snapshot.id,
            sequence: changed.version,
            time: changed.updatedAt,
            traceparent: traceparent
        )
        try await Outbox.append(event, on: connection, logger: logger)
        return changed
    }
}
