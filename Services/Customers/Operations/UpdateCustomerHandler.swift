import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `customers.update`: applies a partial update; a change publishes `customer.updated` naming the changed
/// fields and is written to the audit trail, a no-op changes nothing and publishes nothing. With `version`, a stale
/// update is a 409, and so is any update of an archived customer (restore it first). Only customers in the caller's scope can be found (404 otherwise); finance may not write (403);
/// the owner changes only through `customers.transfer`.
struct UpdateCustomerHandler: Sendable {
    let postgres: PostgresClient
    let repository: any CustomerRepository
    let users: OrgReplica
    let regions: RegionReplica
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try CustomersService.writeScope(request)
        let id = try request.pathRecordID("customer")
        let patch = try request.decode(CustomerPatch.self)
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            var customer = try scope.visible(try await repository.find(id: id, on: connection, forUpdate: true), "customer", id: id)
            try CustomerRules.requireEditable(customer)
            if let ownerID = patch.ownerID, ownerID != customer.ownerID {
                throw Problem.validation(
                    [.init(field: "ownerId", message: "cannot change here; move customers with POST /api/v1/customers/transfer")]
                )
            }
            if let expected = patch.version, expected != customer.version {
                throw Problem.conflict("The customer is at version \(customer.version), not \(expected); reload and retry.")
            }
            let current = customer.ruleFields
            let (fields, changed) = try CustomerRules.apply(patch, to: current)
            guard !changed.isEmpty else { return try .json(customer) }
            let before = customer
            customer.take(fields)
            customer.version += 1
            customer.updatedAt = Date()
            // Moving a customer to a region the caller does not manage would hand it out of their own reach.
            guard scope.contains(ownerID: customer.ownerID, region: customer.region) else {
                throw Problem.validation([.init(field: "region", message: "is outside your region")])
            }
            // A customer already stored in an unknown region keeps it; moving one needs a region that exists.
            if changed.contains("region") {
                try await CreateCustomerHandler.requireRegion(customer.region, regions: regions, on: connection)
            }
            if changed.contains(where: ["name", "creditCode", "contacts"].contains) {
                var probe = DuplicateRule.Probe(fields)
                // Only what changed is compared, so an old, confirmed likeness does not block every later edit.
                if !changed.contains("name") { probe.normalizedName = nil }
                if !changed.contains("creditCode") { probe.creditCode = nil }
                if !changed.contains("contacts") {
                    probe.mobiles = []
                } else {
                    let before = Set(DuplicateRule.mobiles(of: before.contacts))
                    probe.mobiles = probe.mobiles.filter { !before.contains($0) }
                }
                let duplicates = DuplicateCheck(repository: repository, users: users)
                try await repository.lockDuplicateKeys(of: probe, on: connection)
                try await duplicates.enforce(
                    try await duplicates.matches(probe, excluding: customer.id, on: connection),
                    confirmed: patch.confirmDuplicate == true,
                    scope: scope,
                    on: connection
                )
            }
            try await repository.update(customer, on: connection)
            try await repository.appendHistory(
                CustomerHistoryEntry(
                    at: customer.updatedAt,
                    actorID: scope.caller.userID,
                    action: .updated,
                    changes: try CustomerHistoryEntry.differences(from: before, to: customer)
                ),
                customerID: customer.id,
                on: connection
            )
            let event = try EventEnvelope(
                CustomerUpdated(customer: customer.snapshot, changedFields: changed),
                source: CustomersService.name,
                subject: customer.snapshot.id,
                sequence: customer.version,
                time: customer.updatedAt,
                traceparent: request.headers[RPC.Header.traceparent]
            )
            try await Outbox.append(event, on: connection, logger: logger)
            return try .json(customer)
        }
    }
}
