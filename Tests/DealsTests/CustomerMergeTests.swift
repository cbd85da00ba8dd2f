import Contracts
import Foundation
import ServiceRuntime
import TestSupport
import Testing

@testable import Deals

/// What deals does with `customer.merged` (issue 10): the merged customer's deals, and so their quotes and contracts,
/// belong to the survivor; the merged customer takes no new deals; a redelivery changes nothing.
@Suite("Customer replica: merge")
struct CustomerMergeTests {
    let fixture = DealOperationsTests()
    static let survivorID = "0b6f1f3e-7d0a-4d8e-9c57-0c3b6a1d2e02"

    struct DealCustomer: Decodable {
        var customerId: String
        var customerName: String
        var ownerId: String
    }

    @Test("a merge re-points the merged customer's deals to the survivor, once, and refuses new deals on the merged one")
    func merge() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let deal = try await fixture.lead(service)
            let survivor = CustomerSnapshot(
                id: Self.survivorID,
                name: "宁波精工",
                region: "east-china",
                industry: "fasteners",
                ownerID: "rep-2",
                contacts: [],
                version: 4
            )
            let event = CustomerMerged(
                survivorID: Self.survivorID,
                mergedID: DealOperationsTests.customerID,
                byUserID: "sup-1",
                at: Date(),
                survivor: survivor
            )
            let envelope = try await service.deliver(event, source: "customers", subject: Self.survivorID, sequence: 4)
            let moved = try await service.call(Operation.Deals.getDeal, as: DealOperationsTests.otherRep, id: deal.id).decode(DealCustomer.self)
            #expect(moved.customerId == Self.survivorID && moved.customerName == "宁波精工")
            // An open deal follows its (new) customer's owner.
            #expect(moved.ownerId == "rep-2")
            #expect(await service.call(Operation.Deals.getDeal, as: DealOperationsTests.rep, id: deal.id).status == 404)

            // Redelivered, the same message changes nothing; a second copy with a new id finds nothing to move.
            try await service.deliver(envelope)
            _ = try await service.deliver(event, source: "customers", subject: Self.survivorID, sequence: 4)
            let listed = try await service.call(Operation.Deals.listDeals, as: DealOperationsTests.otherRep, query: "customer=\(Self.survivorID)")
                .decode(ListPage<DealCustomer>.self)
            #expect(listed.items.count == 1)

            let refused = await fixture.createDeal(service)
            #expect(refused.status == 422, "\(refused.text)")
            // A late, older event about the merged customer does not revive it.
            try await fixture.seedCustomer(service, owner: "rep-1", sequence: 2)
            let stillRefused = await fixture.createDeal(service)
            #expect(stillRefused.status == 422, "\(stillRefused.text)")
        }
    }
}
