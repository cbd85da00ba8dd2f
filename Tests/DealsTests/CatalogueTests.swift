import Contracts
import Foundation
import ServiceRuntime
import TestSupport
import Testing

@testable import Deals

/// Editing and retiring catalogue products (issue 9), through the deals router.
@Suite("Catalogue changes")
struct CatalogueTests {
    let fixture = DealOperationsTests()
    static let admin = DealOperationsTests.admin
    static let finance = DealOperationsTests.finance
    static let rep = DealOperationsTests.rep

    struct ProductBody: Decodable {
        var id: String
        var name: String
        var productLine: String
        var listPriceFen: Fen
        var unitCostFen: Fen
        var version: Int64
        var retired: Bool
        var retiredAt: Date?
    }

    struct HistoryLine: Decodable {
        var action: String
        var actorId: String
        var changes: [String: JSONValue]
    }

    struct Line: Decodable {
        var unitPriceFen: Fen
        var costFen: Fen
        var productName: String
    }

    struct QuoteLines: Decodable {
        var lines: [Line]
        var totalFen: Fen
    }

    func product(_ service: RPCHarness, _ id: String, includeRetired: Bool = true) async throws -> ProductBody? {
        let list = try await service.call(Operation.Deals.listProducts, as: Self.rep, query: includeRetired ? "includeRetired=true" : nil)
            .decode(ListPage<ProductBody>.self)
        return list.items.first { $0.id == id }
    }

    @Test("admin and finance change a product's name, line, price and cost; each change is kept in its history and published")
    func edit() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (bolt, _) = try await fixture.createProducts(service)
            let first = await service.call(
                UpdateProductHandler.operation,
                as: Self.admin,
                #"{"listPriceFen":150,"name":"M8 螺栓 (镀锌)","version":1}"#,
                id: bolt
            )
            #expect(first.status == 200, "\(first.text)")
            let changed = try first.decode(ProductBody.self)
            #expect(changed.listPriceFen == 150 && changed.name == "M8 螺栓 (镀锌)" && changed.version == 2 && !changed.retired)
            let second = await service.call(
                UpdateProductHandler.operation,
                as: Self.finance,
                #"{"unitCostFen":95,"productLine":"bolts"}"#,
                id: bolt
            )
            #expect(second.status == 200, "\(second.text)")
            #expect(try await product(service, bolt)?.productLine == "bolts")

            // A stale version, a rep, a bad field, an unknown product.
            #expect(await service.call(UpdateProductHandler.operation, as: Self.admin, #"{"listPriceFen":1,"version":1}"#, id: bolt).status == 409)
            #expect(await service.call(UpdateProductHandler.operation, as: Self.rep, #"{"listPriceFen":1}"#, id: bolt).status == 403)
            let bad = await service.call(UpdateProductHandler.operation, as: Self.admin, #"{"listPriceFen":-1,"name":" "}"#, id: bolt)
            #expect(bad.status == 422)
            #expect(Set(try bad.problem().errors?.map(\.field) ?? []) == ["listPriceFen", "name"])
            #expect(await service.call(UpdateProductHandler.operation, as: Self.admin, #"{"name":"x"}"#, id: UUID().uuidString).status == 404)
            // A no-op: same values, nothing recorded.
            let same = await service.call(UpdateProductHandler.operation, as: Self.admin, #"{"unitCostFen":95}"#, id: bolt)
            #expect(try same.decode(ProductBody.self).version == 3)

            let history = try await service.call(ProductHistoryHandler.operation, as: Self.rep, id: bolt).decode(ListPage<HistoryLine>.self)
            #expect(history.items.map(\.action) == ["updated", "updated", "created"])
            #expect(history.items.map(\.actorId) == ["fin-1", "admin-1", "admin-1"])
            #expect(history.items[1].changes["listPriceFen"] == .object(["from": .integer(135), "to": .integer(150)]))
            #expect(history.items[0].changes["unitCostFen"] == .object(["from": .integer(90), "to": .integer(95)]))
            #expect(history.items[2].changes["name"] == .object(["from": .null, "to": .string("M8 螺栓")]))
            let page = try await service.call(ProductHistoryHandler.operation, as: Self.rep, id: bolt, query: "limit=2").decode(
                ListPage<HistoryLine>.self
            )
            #expect(page.items.count == 2)
            let rest = try await service.call(ProductHistoryHandler.operation, as: Self.rep, id: bolt, query: "cursor=\(page.nextCursor ?? "")")
                .decode(ListPage<HistoryLine>.self)
            #expect(rest.items.map(\.action) == ["created"] && rest.nextCursor == nil)
            #expect(await service.call(ProductHistoryHandler.operation, as: Self.rep, id: UUID().uuidString).status == 404)

            let events = try await service.outbox(ProductUpdated.self)
            #expect(events.map(\.changedFields) == [["name", "listPriceFen"], ["productLine", "unitCostFen"]])
            #expect(events.last?.product.version == 3 && events.last?.product.unitCostFen == 95)
            #expect(try await service.outbox(type: ProductUpdated.eventType).map(\.sequence) == [2, 3])
        }
    }

    @Test("quote versions keep the price and cost they were made with; the next version takes the new ones")
    func quotesKeepTheirPrices() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (deal, v1, _) = try await fixture.quotedDeal(service)
            let products = try await service.call(Operation.Deals.listProducts, as: Self.rep).decode(ListPage<ProductBody>.self)
            let bolt = try #require(products.items.first { $0.productLine == "fasteners" })
            let update = await service.call(
                UpdateProductHandler.operation,
                as: Self.admin,
                #"{"listPriceFen":200,"unitCostFen":120,"name":"M8 螺栓 新"}"#,
                id: bolt.id
            )
            #expect(update.status == 200)

            let kept = try await service.call(Operation.Deals.getQuote, as: Self.rep, id: v1.id).decode(QuoteLines.self)
            #expect(kept.lines.map(\.unitPriceFen) == [135])
            #expect(kept.lines.map(\.costFen) == [90 * 10_000])
            #expect(kept.lines.map(\.productName) == ["M8 螺栓"])
            #expect(kept.totalFen == v1.totalFen)

            let v3 = await service.call(
                Operation.Deals.createQuoteVersion,
                as: Self.rep,
                #"{"lines":[{"productId":"\#(bolt.id)","quantity":10}]}"#,
                id: deal.id
            )
            #expect(v3.status == 201, "\(v3.text)")
            let priced = try v3.decode(QuoteLines.self)
            #expect(priced.lines.map(\.unitPriceFen) == [200] && priced.lines.map(\.costFen) == [1_200])
        }
    }

    @Test("a retired product is hidden from the catalogue by default, cannot be quoted (422) and takes no edits (409)")
    func retire() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (deal, v1, _) = try await fixture.quotedDeal(service)
            let products = try await service.call(Operation.Deals.listProducts, as: Self.rep).decode(ListPage<ProductBody>.self)
            let gear = try #require(products.items.first { $0.productLine == "gears" })
            #expect(await service.call(RetireProductHandler.operation, as: Self.rep, id: gear.id).status == 403)
            let retired = await service.call(RetireProductHandler.operation, as: Self.finance, id: gear.id, key: "retire-1")
            #expect(retired.status == 200, "\(retired.text)")
            let body = try retired.decode(ProductBody.self)
            #expect(body.retired && body.retiredAt != nil && body.version == gear.version + 1)
            // The same key answers the same; another key finds it retired.
            #expect(await service.call(RetireProductHandler.operation, as: Self.finance, id: gear.id, key: "retire-1").status == 200)
            #expect(await service.call(RetireProductHandler.operation, as: Self.finance, id: gear.id, key: "retire-2").status == 409)
            #expect(await service.call(UpdateProductHandler.operation, as: Self.admin, #"{"name":"x"}"#, id: gear.id).status == 409)

            #expect(try await product(service, gear.id, includeRetired: false) == nil)
            #expect(try await product(service, gear.id)?.retired == true)
            #expect(await service.call(Operation.Deals.listProducts, as: Self.rep, query: "includeRetired=yes").status == 422)

            let quote = await service.call(
                Operation.Deals.createQuoteVersion,
                as: Self.rep,
                #"{"lines":[{"productId":"\#(gear.id)","quantity":1}]}"#,
                id: deal.id
            )
            #expect(quote.status == 422)
            #expect(try quote.problem().errors?.map(\.field) == ["lines.0.productId"])
            // Quotes made before keep it.
            #expect(await service.call(Operation.Deals.getQuote, as: Self.rep, id: v1.id).status == 200)

            let events = try await service.outbox(ProductRetired.self)
            #expect(events.count == 1 && events.first?.product.retired == true && events.first?.byUserID == "fin-1")
            let history = try await service.call(ProductHistoryHandler.operation, as: Self.rep, id: gear.id).decode(ListPage<HistoryLine>.self)
            #expect(history.items.first?.action == "retired")
            #expect(history.items.first?.changes["retired"] == .object(["from": .bool(false), "to": .bool(true)]))
        }
    }
}
