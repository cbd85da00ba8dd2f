import Contracts
import Foundation
import ServiceRuntime
import TestSupport
import Testing

@testable import Deals

/// Input a careless or hostile caller can send: each is a 4xx naming the problem, and the service keeps answering.
extension DealOperationsTests {
    @Test("a NUL character or bytes that are not UTF-8 in a body are a 422, not a 500 from PostgreSQL")
    func nulAndInvalidUTF8() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            try await seedCustomer(service)
            let deal = { (title: String) in
                #"{"customerId":"\#(Self.customerID)","title":"\#(title)","expectedAmountFen":1,"expectedCloseDate":"2027-03-31"}"#
            }
            let withNul = await service.call(Operation.Deals.createDeal, as: Self.rep, deal(#"M8\u0000"#))
            #expect(withNul.status == 422, "\(withNul.text)")
            let invalid = Array(deal("M8").utf8).map { $0 == UInt8(ascii: "8") ? 0xC3 : $0 }
            let notUTF8 = await service.handle(
                RPCRequest(operation: Operation.Deals.createDeal, body: invalid, identity: Self.rep, headers: Self.rep.headers)
            )
            #expect(notUTF8.status == 422, "\(notUTF8.text)")
            // An escaped backslash followed by "u0000" is ordinary text.
            let created = await service.call(Operation.Deals.createDeal, as: Self.rep, deal(#"C:\\u0000"#))
            #expect(created.status == 201)
            #expect(try created.decode(DealView.self).title == #"C:\u0000"#)
            #expect(await service.call(Operation.Deals.listDeals, as: Self.rep, query: "owner=a%00b").status == 422)
        }
    }

    @Test("a cursor carrying an extreme time is a 422 on every newest-first list, and the service answers afterwards")
    func extremeCursor() async throws {
        let plain = "\(Int64.max):\(UUID().uuidString.lowercased())"
        let token = Base64URL.encode(Data(plain.utf8))
        try await RPCHarness.with(DealsService.self) { service in
            for operation in [Operation.Deals.listDeals, Operation.Deals.listContracts] {
                #expect(await service.call(operation, as: Self.rep, query: "cursor=\(token)").status == 422, "\(operation)")
            }
            #expect(await service.call(Operation.Deals.listDeals, as: Self.rep).status == 200)
        }
    }

    @Test("a quote whose margin does not fit (a 1-fen total against a huge cost) is a 422, not a crash")
    func marginOverflow() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            func product(_ json: String) async throws -> String {
                let created = await service.call(Operation.Deals.createProduct, as: Self.admin, json)
                #expect(created.status == 201)
                return try created.decode(ProductView.self).id
            }
            let penny = try await product(#"{"name":"垫片","productLine":"fasteners","listPriceFen":1,"unitCostFen":0}"#)
            let costly = try await product(#"{"name":"机床","productLine":"machines","listPriceFen":100000000000,"unitCostFen":100000000000}"#)
            let deal = try await lead(service)
            // Total 1 fen; cost 10 000 × 100 000 000 000 fen: the margin in basis points is −10¹⁹, beyond Int64.
            let lines = #"{"lines":[{"productId":"\#(penny)","quantity":1},{"productId":"\#(costly)","quantity":10000,"discountBasisPoints":10000}]}"#
            let quote = await service.call(Operation.Deals.createQuoteVersion, as: Self.rep, lines, id: deal.id)
            #expect(quote.status == 422, "\(quote.text)")
            #expect(await service.call(Operation.Deals.getDeal, as: Self.rep, id: deal.id).status == 200)
        }
    }
}
