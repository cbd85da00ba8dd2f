import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `deals.createDeal`: a new deal in stage `lead` for a customer in the caller's scope. Owner and region come from
/// the customer replica (the caller when the customer has no owner); an unknown customer, or one out of scope, is a
/// 404; an archived customer is a 422. A customer the replica does not know yet (its `customer.created` is still on the way) is asked of its owner
/// through ``CustomerLookup`` and stored at its version, so the caller reads their own write and the event, when it
/// arrives, changes nothing it should not. The first stage is recorded in the history and published as `deal.stage_changed` with `from: nil`.
struct CreateDealHandler: Sendable {
    let postgres: PostgresClient
    let store: DealsStore
    let customers: any CustomerLookup
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try DealsService.writeScope(request)
        let fields = try DealRules.validate(try request.decode(DealDraft.self))
        try await catchUp(customerID: fields.customerID, caller: scope.caller, traceparent: request.headers[RPC.Header.traceparent])
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            guard let customer = try await store.customers.find(id: fields.customerID, on: connection),
                scope.contains(ownerID: customer.ownerID, region: customer.region)
            else { throw Problem.notFound("No customer \(fields.customerID).") }
            if let survivor = customer.mergedInto {
                throw Problem.validation([.init(field: "customerId", message: "was merged into customer \(survivor); open the deal there")])
            }
            guard !customer.archived else {
                throw Problem.validation([.init(field: "customerId", message: "is an archived customer; restore it before opening a deal")])
            }
            let now = Date()
            let deal = Deal(
                id: RecordID(),
                customerID: customer.id,
                customerName: customer.name,
                ownerID: customer.ownerID ?? scope.caller.userID,
                region: customer.region,
                title: fields.title,
                expectedAmountFen: fields.expectedAmountFen,
                expectedCloseDate: fields.expectedCloseDate,
                stage: .lead,
                lostReason: nil,
                lostFromStage: nil,
                version: 1,
                createdBy: scope.caller.userID,
                createdAt: now,
                updatedAt: now
            )
            try await store.deals.insert(deal, on: connection)
            try await store.recordStage(
                deal,
                from: nil,
                by: scope.caller.userID,
                traceparent: request.headers[RPC.Header.traceparent],
                on: connection
            )
            return try .json(deal, status: 201)
        }
    }

    /// Fills the replica with a customer it does not know yet, from its owner, outside the write's transaction: no
    /// transaction stays open while another service answers.
    private func catchUp(customerID: String, caller: CallerIdentity, traceparent: String?) async throws {
        guard RecordID(customerID) != nil else { return }
        let known = try await postgres.withConnection { connection in
            try await store.customers.find(id: customerID, on: connection) != nil
        }
        guard !known, let customer = try await customers.customer(id: customerID, as: caller, traceparent: traceparent) else { return }
        try await postgres.withTransaction(logger: logger) { connection in
            try await store.applyCustomer(customer, sequence: customer.version, on: connection)
        }
    }
}
