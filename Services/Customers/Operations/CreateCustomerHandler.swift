import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `customers.create`: validates the draft, stores the customer, its `customer.created` event and the first line
/// of its audit trail in one transaction.
///
/// The owner is the caller unless `ownerId` names someone they may assign (``OwnerAssignment``); the new customer
/// must lie in the caller's scope, so a regional manager registers customers of their own region only.
struct CreateCustomerHandler: Sendable {
    let postgres: PostgresClient
    let repository: any CustomerRepository
    let users: OrgReplica
    let regions: RegionReplica
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try CustomersService.writeScope(request)
        let draft = try request.decode(CustomerDraft.self)
        let fields = try CustomerRules.validate(draft)
        let ownerID = draft.ownerID.flatMap { $0.isEmpty ? nil : $0 } ?? scope.caller.userID
        let now = Date()
        let customer = Customer(
            id: RecordID(),
            name: fields.name,
            region: fields.region,
            industry: fields.industry,
            address: fields.address,
            notes: fields.notes,
            ownerID: ownerID,
            contacts: fields.contacts,
            version: 1,
            createdAt: now,
            updatedAt: now,
            creditCode: fields.creditCode,
            level: fields.level,
            source: fields.source,
            externalID: fields.externalID
        )
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            if ownerID != scope.caller.userID {
                let user = try await users.user(id: ownerID, on: connection).map(ReplicatedUser.init)
                try OwnerAssignment.check(ownerID, user: user, scope: scope, field: "ownerId")
            }
            guard scope.contains(ownerID: customer.ownerID, region: customer.region) else {
                throw Problem.validation([.init(field: "region", message: "is outside your region")])
            }
            try await Self.requireRegion(customer.region, regions: regions, on: connection)
            if let externalID = customer.externalID, try await repository.externalIDTaken(externalID, excluding: nil, on: connection) {
                throw Problem.conflict("Another customer has the external id '\(externalID)'.")
            }
            let probe = DuplicateRule.Probe(fields)
            let duplicates = DuplicateCheck(repository: repository, users: users)
            try await repository.lockDuplicateKeys(of: probe, on: connection)
            try await duplicates.enforce(
                try await duplicates.matches(probe, excluding: nil, on: connection),
                confirmed: draft.confirmDuplicate == true,
                scope: scope,
                on: connection
            )
            try await repository.insert(customer, on: connection)
            try await repository.appendHistory(
                try CustomerHistoryEntry.created(customer, by: scope.caller.userID),
                customerID: customer.id,
                on: connection
            )
            let event = try EventEnvelope(
                CustomerCreated(customer: customer.snapshot),
                source: CustomersService.name,
                subject: customer.snapshot.id,
                sequence: customer.version,
                time: now,
                traceparent: request.headers[RPC.Header.traceparent]
            )
            try await Outbox.append(event, on: connection, logger: logger)
            return try .json(customer, status: 201)
        }
    }

    /// A customer's region must be one the admin created (422 on `region` otherwise).
    static func requireRegion(_ region: String, regions: RegionReplica, on connection: PostgresConnection) async throws {
        guard try await regions.exists(region, on: connection) else {
            throw Problem.validation([.init(field: "region", message: "no region '\(region)'; an admin creates regions")])
        }
    }
}
