import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `customers.transfer`: moves one, many (`customerIds`) or all of a user's customers (`fromUserId`) to another
/// owner (`toUserId`), e.g. when a rep leaves.
///
/// Supervisors and up only (others: 403). With `customerIds`, every id must be a customer in the caller's scope,
/// otherwise the answer is 404 and nothing moves; with `fromUserId`, the user's customers in the caller's scope
/// move (none is `"transferred": 0`, which tells nothing about other scopes). The new owner must be an active user
/// the caller may assign (``OwnerAssignment``). Owner, version, one `customer.transferred` event and one audit line
/// per customer commit in one transaction; a customer the target already owns is left as it is.
struct TransferCustomersHandler: Sendable {
    let postgres: PostgresClient
    let repository: any CustomerRepository
    let users: OrgReplica
    let logger: Logger

    /// Bounds one transaction's locks and events; a larger move is a few requests, or `fromUserId`.
    static let maxCustomerIDs = 1000

    struct Body: Decodable {
        var customerIDs: [String]?
        var fromUserID: String?
        var toUserID: String?

        enum CodingKeys: String, CodingKey {
            case customerIDs = "customerIds"
            case fromUserID = "fromUserId"
            case toUserID = "toUserId"
        }
    }

    /// Which customers to move.
    enum Selection {
        case ids([RecordID])
        case ownedBy(String)
    }

    struct Result: Encodable {
        var transferred: Int
        var customerIDs: [String]

        enum CodingKeys: String, CodingKey {
            case transferred
            case customerIDs = "customerIds"
        }
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try CustomersService.writeScope(request)
        guard scope.canReassignOwners else {
            throw Problem.forbidden("Only supervisors, regional managers, the general manager and admins transfer customers.")
        }
        let (selection, toUserID) = try Self.validate(try request.decode(Body.self))
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            if toUserID != scope.caller.userID {
                let user = try await users.user(id: toUserID, on: connection).map(ReplicatedUser.init)
                try OwnerAssignment.check(toUserID, user: user, scope: scope, field: "toUserId")
            }
            let customers: [Customer]
            switch selection {
            case .ids(let ids):
                let found = try await repository.lock(ids: ids, on: connection)
                let visible = Set(found.filter { scope.contains(ownerID: $0.ownerID, region: $0.region) }.map(\.id))
                let missing = ids.filter { !visible.contains($0) }
                guard missing.isEmpty else {
                    let list = missing.map(\.description).joined(separator: ", ")
                    throw Problem.notFound("No customer \(list); nothing was transferred.")
                }
                customers = found
            case .ownedBy(let ownerID):
                customers = try await repository.lockOwned(by: ownerID, scope: scope, on: connection)
            }
            let now = Date()
            var moved: [String] = []
            // A merged-away customer is read-only: it stays with whoever owned it when it was merged.
            for var customer in customers where customer.ownerID != toUserID && customer.mergedInto == nil {
                let fromOwnerID = customer.ownerID
                customer.ownerID = toUserID
                customer.version += 1
                customer.updatedAt = now
                try await repository.update(customer, on: connection)
                try await repository.appendHistory(
                    CustomerHistoryEntry(
                        at: now,
                        actorID: scope.caller.userID,
                        action: .transferred,
                        changes: ["owner": .object(["from": fromOwnerID.map(JSONValue.string) ?? .null, "to": .string(toUserID)])]
                    ),
                    customerID: customer.id,
                    on: connection
                )
                let event = try EventEnvelope(
                    CustomerTransferred(
                        customer: customer.snapshot,
                        fromOwnerID: fromOwnerID,
                        toOwnerID: toUserID,
                        byUserID: scope.caller.userID
                    ),
                    source: CustomersService.name,
                    subject: customer.snapshot.id,
                    sequence: customer.version,
                    time: now,
                    traceparent: request.headers[RPC.Header.traceparent]
                )
                try await Outbox.append(event, on: connection, logger: logger)
                moved.append(customer.snapshot.id)
            }
            return try .json(Result(transferred: moved.count, customerIDs: moved))
        }
    }

    /// Checks the body's shape: exactly one of `customerIds` and `fromUserId`, and a `toUserId`.
    static func validate(_ body: Body) throws(Problem) -> (Selection, toUserID: String) {
        var errors: [Problem.FieldError] = []
        let toUserID = body.toUserID?.trimmingCharacters(in: .whitespaces) ?? ""
        if toUserID.isEmpty { errors.append(.init(field: "toUserId", message: "is required")) }
        let fromUserID = body.fromUserID?.trimmingCharacters(in: .whitespaces)
        var selection: Selection?
        switch (body.customerIDs, fromUserID) {
        case (nil, nil), (.some, .some):
            errors.append(.init(field: "customerIds", message: "give exactly one of customerIds and fromUserId"))
        case (.some(let texts), nil):
            if texts.isEmpty || texts.count > maxCustomerIDs {
                errors.append(.init(field: "customerIds", message: "must list 1 to \(maxCustomerIDs) customer ids"))
            } else {
                var ids: [RecordID] = []
                var seen: Set<RecordID> = []
                for (index, text) in texts.enumerated() {
                    guard let id = RecordID(text) else {
                        errors.append(.init(field: "customerIds[\(index)]", message: "is not a customer id"))
                        continue
                    }
                    if seen.insert(id).inserted { ids.append(id) }
                }
                selection = .ids(ids)
            }
        case (nil, .some(let fromUserID)):
            if fromUserID.isEmpty {
                errors.append(.init(field: "fromUserId", message: "must not be empty"))
            } else if fromUserID == toUserID {
                errors.append(.init(field: "toUserId", message: "is the same user as fromUserId"))
            } else {
                selection = .ownedBy(fromUserID)
            }
        }
        guard errors.isEmpty, let selection else { throw Problem.validation(errors) }
        return (selection, toUserID)
    }
}
