import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Deals

/// Issue 11: a contract's optional end date (renewal reminders), and the customer `contract.signed` now names.
@Suite("Contract end date")
struct ContractEndDateTests {
    struct EndingContractView: Decodable {
        var id: String
        var endsOn: String?
    }

    @Test("endsOn is optional, checked, kept on the contract and carried by contract.signed with the customer")
    func endDateTravelsToSignature() async throws {
        let fixture = DealOperationsTests()
        try await RPCHarness.with(DealsService.self) { service in
            let (deal, _, _) = try await fixture.quotedDeal(service)
            let bad = await service.call(
                Operation.Deals.createContract,
                as: DealOperationsTests.rep,
                #"{"dealId":"\#(deal.id)","version":2,"endsOn":"2027-02-30"}"#
            )
            #expect(bad.status == 422, "\(bad.text)")
            #expect(try bad.problem().errors?.map(\.field) == ["endsOn"])

            let created = await service.call(
                Operation.Deals.createContract,
                as: DealOperationsTests.rep,
                #"{"dealId":"\#(deal.id)","version":2,"endsOn":"2027-11-30"}"#
            )
            #expect(created.status == 201, "\(created.text)")
            let contract = try created.decode(EndingContractView.self)
            #expect(contract.endsOn == "2027-11-30")
            let fetched = await service.call(Operation.Deals.getContract, as: DealOperationsTests.rep, id: contract.id)
            #expect(try fetched.decode(EndingContractView.self).endsOn == "2027-11-30")

            let submitted = await service.call(Operation.Deals.submitContract, as: DealOperationsTests.rep, id: contract.id)
            #expect(submitted.status == 200, "\(submitted.text)")
            let view = try submitted.decode(ContractView.self)
            try await service.deliver(fixture.approval(of: view, .approved), source: "approvals", subject: "ap-1", sequence: 4)
            let signed = await service.call(Operation.Deals.signContract, as: DealOperationsTests.rep, id: contract.id)
            #expect(signed.status == 200, "\(signed.text)")
            let event = try #require(try await service.outbox(ContractSigned.self).first)
            #expect(event.endsOn == "2027-11-30")
            #expect(event.customerID == DealOperationsTests.customerID && event.customerName == DealOperationsTests.customerName)
        }
    }

    @Test("a contract.signed published before issue 11 (no customer, no end date) still decodes")
    func oldEventsDecode() throws {
        let json = #"""
            {"contractID":"c-1","number":"HT-2026-000001","dealID":"d-1","ownerID":"rep-1","region":"east-china","amountFen":100,
             "lines":[],"signedAt":"2026-11-01T02:00:00Z"}
            """#
        let event = try JSONCoding.decoder.decode(ContractSigned.self, from: Data(json.utf8))
        #expect(event.contractID == "c-1" && event.customerID == nil && event.customerName == nil && event.endsOn == nil)
    }
}
