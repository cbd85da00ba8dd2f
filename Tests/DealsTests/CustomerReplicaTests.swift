import Contracts
import Foundation
import ServiceRuntime
import TestSupport
import Testing

@testable import Deals

/// What deals does with the customer events of issue 9: archived customers take no new deals.
@Suite("Customer replica: archive and transfer")
struct CustomerReplicaTests {
    let fixture = DealOperationsTests()
    static let rep = DealOperationsTests.rep
    static let otherRep = DealOperationsTests.otherRep
    static let customerID = DealOperationsTests.customerID

    struct ContractOwner: Decodable {
        var ownerId: String
        var status: Contract.Status
    }

    @Test("a new deal on an archived customer is a 422; restored, it is accepted; existing deals stay")
    func archivedCustomer() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let deal = try await fixture.lead(service)
            var archived = DealOperationsTests.customer(owner: "rep-1", version: 2)
            archived.archived = true
            try await service.deliver(
                CustomerArchived(customer: archived, byUserID: "rep-1"),
                source: "customers",
                subject: Self.customerID,
                sequence: 2
            )
            let refused = await fixture.createDeal(service)
            #expect(refused.status == 422, "\(refused.text)")
            #expect(try refused.problem().errors?.map(\.field) == ["customerId"])
            #expect(await service.call(Operation.Deals.getDeal, as: Self.rep, id: deal.id).status == 200)

            // A late, older event does not un-archive it.
            try await fixture.seedCustomer(service, owner: "rep-1", sequence: 1)
            #expect(await fixture.createDeal(service).status == 422)

            let restored = DealOperationsTests.customer(owner: "rep-1", version: 3)
            try await service.deliver(
                CustomerRestored(customer: restored, byUserID: "sup-1"),
                source: "customers",
                subject: Self.customerID,
                sequence: 3
            )
            #expect(await fixture.createDeal(service).status == 201)
        }
    }

    @Test("an event written before archiving existed (no archived member) reads as an active customer")
    func oldSnapshot() throws {
        let json = #"{"id":"c-1","name":"n","region":"east-china","industry":"i","ownerID":"rep-1","contacts":[],"version":4}"#
        let snapshot = try JSONCoding.decoder.decode(CustomerSnapshot.self, from: Data(json.utf8))
        #expect(!snapshot.archived && snapshot.ownerID == "rep-1" && snapshot.version == 4)
    }
}
