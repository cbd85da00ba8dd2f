import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `customers.merge` (`POST /customers/{id}/merge`, body `{"from": "<id>"}`): a manager merges customer `from` into
/// customer `id`, the survivor (``CustomerMerge``).
///
/// Supervisors and above, and both customers must be in their scope (404 otherwise); reps and finance 403. The merged
/// customer's contacts (without repeats), visits and audit trail move to the survivor; the merged customer keeps its
/// row, read-only, with `mergedInto`. Both get a `merged` audit line, and `customer.merged` commits with them, so the
/// deals service re-points deals, quotes and contracts. Merging again what is already merged answers the survivor.
struct MergeCustomersHandler: Sendable {
    static let operation = "customers.merge"

    struct Body: Decodable {
        var from: String?
    }

    let postgres: PostgresClient
    let repository: any CustomerRepository
    let visits: any VisitRepository
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try CustomersService.writeScope(request)
        guard CustomerMerge.roles.contains(scope.caller.role) else {
            throw Problem.forbidden("Only a supervisor or a manager may merge customers.")
        }
        let survivorID = try request.pathRecordID("customer")
        let body = try request.decode(Body.self)
        guard let text = body.from, !text.isEmpty else { throw Problem.validation([.init(field: "from", message: "is required")]) }
        guard let mergedID = RecordID(text) else { throw Problem.validation([.init(field: "from", message: "is not a customer id")]) }
        guard mergedID != survivorID else {
            throw Problem.validation([.init(field: "from", message: "is the customer itself; pick the other customer")])
        }
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            let locked = try await repository.lock(ids: [survivorID, mergedID], on: connection)
            var survivor = try scope.visible(locked.first { $0.id == survivorID }, "customer", id: survivorID)
            var merged = try scope.visible(locked.first { $0.id == mergedID }, "customer", id: mergedID)
            if merged.mergedInto == survivor.id { return try .json(survivor) }
            try CustomerRules.requireEditable(survivor)
            try CustomerRules.requireNotMerged(merged)
            let before = survivor
            survivor = try CustomerMerge.survivor(survivor, absorbing: merged)
            let now = Date()
            let actor = scope.caller.userID

            // The merged customer first: its credit code leaves the live set before the survivor may take it.
            merged.mergedInto = survivor.id
            merged.version += 1
            merged.updatedAt = now
            try await repository.update(merged, on: connection)
            survivor.version += 1
            survivor.updatedAt = now
            try await repository.update(survivor, on: connection)

            let movedVisits = try await visits.moveVisits(from: merged.id, to: survivor.id, on: connection)
            let movedHistory = try await repository.moveHistory(from: merged.id, to: survivor.id, on: connection)
            var changes = try CustomerHistoryEntry.differences(from: before, to: survivor)
            changes["mergedFrom"] = Self.change(to: .object(["id": .string(merged.id.description), "name": .string(merged.name)]))
            changes["movedVisits"] = Self.change(to: .integer(Int64(movedVisits)))
            changes["movedHistory"] = Self.change(to: .integer(Int64(movedHistory)))
            try await repository.appendHistory(
                CustomerHistoryEntry(at: now, actorID: actor, action: .merged, changes: changes),
                customerID: survivor.id,
                on: connection
            )
            try await repository.appendHistory(
                CustomerHistoryEntry(
                    at: now,
                    actorID: actor,
                    action: .merged,
                    changes: ["mergedInto": Self.change(to: .string(survivor.id.description))]
                ),
                customerID: merged.id,
                on: connection
            )
            let event = try EventEnvelope(
                CustomerMerged(
                    survivorID: survivor.id.description,
                    mergedID: merged.id.description,
                    byUserID: actor,
                    at: now,
                    survivor: survivor.snapshot
                ),
                source: CustomersService.name,
                subject: survivor.id.description,
                sequence: survivor.version,
                time: now,
                traceparent: request.headers[RPC.Header.traceparent]
            )
            try await Outbox.append(event, on: connection, logger: logger)
            return try .json(survivor)
        }
    }

    /// A history change `{from: null, to: value}`, the shape every line of the trail has.
    private static func change(to value: JSONValue) -> JSONValue {
        .object(["from": .null, "to": value])
    }
}
