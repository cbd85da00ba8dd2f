import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Deals

/// Input a careless or hostile caller can send: each is a 4xx naming the problem, and the service keeps running.
@Suite("Deals: hostile input")
struct HostileInputTests {
    let logger = Logger(label: "test.deals.hostile")
    let rep = CallerIdentity(userID: "rep-1", role: .rep, region: "east-china")
    let admin = CallerIdentity(userID: "admin-1", role: .admin)
    let customerID = "6f1c1f3e-7d0a-4d8e-9c57-0c3b6a1d2e01"

    func call(
        _ router: RPCRouter,
        _ operation: String,
        _ body: [UInt8] = [],
        as identity: CallerIdentity,
        id: String? = nil,
        query: String? = nil
    ) async -> RPCResponse {
        var headers: [String: String] = [:]
        if let id { headers[RPC.Header.pathID] = id }
        if let query { headers[RPC.Header.query] = query }
        return await router.handle(RPCRequest(operation: operation, body: body, identity: identity, headers: headers), logger: logger)
    }

    func field(_ response: RPCResponse, _ name: String) throws -> String? {
        try JSONCoding.decoder.decode(JSONValue.self, from: Data(response.body))[name]?.stringValue
    }

    func seeded(_ body: @escaping @Sendable (RPCRouter, PostgresClient) async throws -> Void) async throws {
        let migrations = try Migrator.load(bundleDirectory: try #require(DealsService.migrationsDirectory))
        try await TestSchema.with(migrations: migrations) { client, _ in
            let snapshot = CustomerSnapshot(
                id: customerID,
                name: "宁波精工紧固件有限公司",
                region: "east-china",
                industry: "fasteners",
                ownerID: "rep-1",
                contacts: [],
                version: 1
            )
            let envelope = try EventEnvelope(CustomerCreated(customer: snapshot), source: "customers", subject: customerID, sequence: 1)
            let handler = try #require(DealsService.eventHandlers(logger: logger).handler(for: envelope.type))
            let logger = logger
            try await client.withTransaction(logger: logger) { try await handler(envelope, $0, logger) }
            try await body(DealsService.rpcRouter(postgres: client, logger: logger), client)
        }
    }

    @Test("a NUL character or bytes that are not UTF-8 in a body are a 422, not a 500 from PostgreSQL")
    func nulAndInvalidUTF8() async throws {
        try await seeded { router, _ in
            let nul = #"{"customerId":"\#(customerID)","title":"M8\u0000","expectedAmountFen":1,"expectedCloseDate":"2027-03-31"}"#
            let withNul = await call(router, Operation.Deals.createDeal, Array(nul.utf8), as: rep)
            #expect(withNul.status == 422, "\(String(decoding: withNul.body, as: UTF8.self))")
            let invalid =
                Array(#"{"customerId":"\#(customerID)","title":""#.utf8) + [0xC3, 0x28]
                + Array(#"","expectedAmountFen":1,"expectedCloseDate":"2027-03-31"}"#.utf8)
            #expect(await call(router, Operation.Deals.createDeal, invalid, as: rep).status == 422)
            // An escaped backslash followed by "u0000" is ordinary text.
            let text = #"{"customerId":"\#(customerID)","title":"C:\\u0000","expectedAmountFen":1,"expectedCloseDate":"2027-03-31"}"#
            let created = await call(router, Operation.Deals.createDeal, Array(text.utf8), as: rep)
            #expect(created.status == 201)
            let title = try field(created, "title")
            #expect(title == #"C:\u0000"#)
            #expect(await call(router, Operation.Deals.listDeals, as: rep, query: "owner=a%00b").status == 422)
        }
    }

    @Test("a cursor carrying an extreme time is a 422 on every newest-first list, and the service answers afterwards")
    func extremeCursor() async throws {
        let plain = "\(Int64.max):\(UUID().uuidString.lowercased())"
        let token = Data(plain.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        try await seeded { router, _ in
            for operation in [Operation.Deals.listDeals, Operation.Deals.listContracts] {
                let response = await call(router, operation, as: rep, query: "cursor=\(token)")
                #expect(response.status == 422, "\(operation)")
            }
            #expect(await call(router, Operation.Deals.listDeals, as: rep).status == 200)
        }
    }

    @Test("a quote whose margin does not fit (a 1-fen total against a huge cost) is a 422, not a crash")
    func marginOverflow() async throws {
        try await seeded { router, _ in
            func product(_ json: String) async throws -> String {
                let created = await call(router, Operation.Deals.createProduct, Array(json.utf8), as: admin)
                #expect(created.status == 201)
                return try #require(try field(created, "id"))
            }
            let penny = try await product(#"{"name":"垫片","productLine":"fasteners","listPriceFen":1,"unitCostFen":0}"#)
            let costly = try await product(#"{"name":"机床","productLine":"machines","listPriceFen":100000000000,"unitCostFen":100000000000}"#)
            let deal = await call(
                router,
                Operation.Deals.createDeal,
                Array(#"{"customerId":"\#(customerID)","title":"t","expectedAmountFen":1,"expectedCloseDate":"2027-03-31"}"#.utf8),
                as: rep
            )
            let dealID = try #require(try field(deal, "id"))
            // Total 1 fen; cost 10 000 × 100 000 000 000 fen: the margin in basis points is −10¹⁹, beyond Int64.
            let lines = #"{"lines":[{"productId":"\#(penny)","quantity":1},{"productId":"\#(costly)","quantity":10000,"discountBasisPoints":10000}]}"#
            let quote = await call(router, Operation.Deals.createQuoteVersion, Array(lines.utf8), as: rep, id: dealID)
            #expect(quote.status == 422, "\(String(decoding: quote.body, as: UTF8.self))")
            #expect(await call(router, Operation.Deals.getDeal, as: rep, id: dealID).status == 200)
        }
    }
}
