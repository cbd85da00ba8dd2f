import Contracts
import Foundation
import ServiceRuntime
import TestSupport
import Testing

@testable import Deals

/// What deals does with the customer events of issue 9: archived customers take no new deals, and a transfer moves
/// closed deals and their contracts too.
@Suite("Customer replica: archive and transfer")
struct CustomerReplicaTests {
    let fixture = DealOperationsTests()
    static let rep = DealOperationsTests.rep
    static let otherRep = DealOperationsTests.otherRep
    static let customerID = DealOperationsTests.customerID

    struct ContractOwner: Decodable {
        var id: String
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

    @Test("a transfer moves the customer's closed deals and signed contracts to the new owner, not only the open ones")
    func transferMovesClosedDeals() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            // A paid deal with a signed contract: collected in advance, then shipped whole, it becomes paid by itself.
            let shipping = ShipmentTests()
            let (paid, contract) = try await shipping.signedContract(service)
            try await shipping.collectAll(service, contract, installments: try await shipping.plan(service, contract))
            let shipped = await shipping.ship(service, contract, [(1, 10000), (2, 6)])
            #expect(shipped.status == 201, "\(shipped.text)")
            #expect(try await shipping.stage(service, paid) == .paid)
            // A lost deal, and an open one.
            let lost = try await fixture.createDeal(service).decode(DealView.self)
            #expect(await fixture.changeStage(service, #"{"stage":"lost","lostReason":"价格"}"#, of: lost.id).status == 200)
            let open = try await fixture.createDeal(service).decode(DealView.self)

            let transfer = CustomerTransferred(
                customer: DealOperationsTests.customer(owner: "rep-2", version: 5),
                fromOwnerID: "rep-1",
                toOwnerID: "rep-2",
                byUserID: "sup-1"
            )
            try await service.deliver(transfer, source: "customers", subject: Self.customerID, sequence: 5)

            for deal in [paid, lost, open] {
                #expect(await service.call(Operation.Deals.getDeal, as: Self.rep, id: deal.id).status == 404)
                let moved = try await service.call(Operation.Deals.getDeal, as: Self.otherRep, id: deal.id).decode(DealView.self)
                #expect(moved.ownerId == "rep-2", "\(moved.stage)")
            }
            #expect(await service.call(Operation.Deals.getContract, as: Self.rep, id: contract.id).status == 404)
            let signed = try await service.call(Operation.Deals.getContract, as: Self.otherRep, id: contract.id).decode(ContractOwner.self)
            #expect(signed.ownerId == "rep-2" && signed.status == .signed)
            let listed = try await service.call(Operation.Deals.listDeals, as: Self.otherRep).decode(ListPage<DealView>.self)
            #expect(Set(listed.items.map(\.stage)) == [.paid, .lost, .lead])
            // The contract lists page on the contract's copy of its deal's owner (deals migration 0013): it moved too.
            let theirs = try await service.call(Operation.Deals.listContracts, as: Self.otherRep).decode(ListPage<ContractOwner>.self)
            #expect(theirs.items.map(\.id) == [contract.id] && theirs.items.map(\.ownerId) == ["rep-2"])
            let mine = try await service.call(Operation.Deals.listContracts, as: Self.rep).decode(ListPage<ContractOwner>.self)
            #expect(mine.items.isEmpty)
        }
    }

    @Test("a customer update (not a transfer) still moves only open deals")
    func updateMovesOpenOnly() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let lost = try await fixture.lead(service)
            #expect(await fixture.changeStage(service, #"{"stage":"lost","lostReason":"价格"}"#, of: lost.id).status == 200)
            let open = try await fixture.createDeal(service).decode(DealView.self)
            let updated = CustomerUpdated(customer: DealOperationsTests.customer(owner: "rep-2", version: 2), changedFields: ["owner"])
            try await service.deliver(updated, source: "customers", subject: Self.customerID, sequence: 2)
            #expect(try await service.call(Operation.Deals.getDeal, as: Self.otherRep, id: open.id).decode(DealView.self).ownerId == "rep-2")
            #expect(try await service.call(Operation.Deals.getDeal, as: Self.rep, id: lost.id).decode(DealView.self).ownerId == "rep-1")
        }
    }
}
