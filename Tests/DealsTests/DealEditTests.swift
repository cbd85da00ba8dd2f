import Contracts
import Foundation
import ServiceRuntime
import TestSupport
import Testing

@testable import Deals

/// Editing a deal's title, expected amount and close date (issue 9), through the deals router.
@Suite("Deal edits")
struct DealEditTests {
    let fixture = DealOperationsTests()
    static let rep = DealOperationsTests.rep

    struct DealBody: Decodable {
        var title: String
        var expectedAmountFen: Fen
        var expectedCloseDate: String
        var version: Int64
        var stage: DealStage
    }

    struct HistoryLine: Decodable {
        var kind: String
        var fromStage: DealStage?
        var toStage: DealStage
        var changes: [String: JSONValue]?
        var changedBy: String
    }

    @Test("the owner edits title, amount and close date: a history line next to the stage moves, and deal.updated")
    func ownerEdits() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let deal = try await fixture.lead(service)
            let response = await service.call(
                UpdateDealHandler.operation,
                as: Self.rep,
                #"{"title":"2027 紧固件框架合同","expectedAmountFen":9500000,"expectedCloseDate":"2027-04-30","version":1}"#,
                id: deal.id
            )
            #expect(response.status == 200, "\(response.text)")
            let edited = try response.decode(DealBody.self)
            #expect(edited.title == "2027 紧固件框架合同" && edited.expectedAmountFen == 9_500_000 && edited.expectedCloseDate == "2027-04-30")
            #expect(edited.version == 2 && edited.stage == .lead)
            let fetched = try await service.call(Operation.Deals.getDeal, as: Self.rep, id: deal.id).decode(DealBody.self)
            #expect(fetched.expectedAmountFen == 9_500_000)

            let qualified = await fixture.changeStage(service, #"{"stage":"qualified"}"#, of: deal.id)
            #expect(qualified.status == 200)
            let history = try await service.call(GetDealHistoryHandler.operation, as: Self.rep, id: deal.id).decode(ListPage<HistoryLine>.self)
            #expect(history.items.map(\.kind) == ["stage", "edit", "stage"])
            let edit = history.items[1]
            #expect(edit.fromStage == .lead && edit.toStage == .lead && edit.changedBy == "rep-1")
            #expect(edit.changes?["expectedAmountFen"] == .object(["from": .integer(8_000_000), "to": .integer(9_500_000)]))
            #expect(edit.changes?["expectedCloseDate"] == .object(["from": .string("2027-03-31"), "to": .string("2027-04-30")]))
            #expect(edit.changes?.keys.sorted() == ["expectedAmountFen", "expectedCloseDate", "title"])
            #expect(history.items[0].changes == nil)

            let events = try await service.outbox(DealUpdated.self)
            #expect(events.count == 1)
            #expect(events.first?.changedFields == ["expectedAmountFen", "expectedCloseDate", "title"])
            #expect(events.first?.expectedAmountFen == 9_500_000 && events.first?.ownerID == "rep-1")
            // The stage move after the edit keeps the sequence increasing.
            #expect(try await service.outbox(type: DealStageChanged.eventType).map(\.sequence) == [1, 3])
            #expect(try await service.outbox(type: DealUpdated.eventType).map(\.sequence) == [2])
        }
    }

    @Test("a stale version is 409, bad fields 422 all at once, and sending the current values changes nothing")
    func rules() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let deal = try await fixture.lead(service)
            #expect(await service.call(UpdateDealHandler.operation, as: Self.rep, #"{"title":"x","version":7}"#, id: deal.id).status == 409)
            let bad = await service.call(
                UpdateDealHandler.operation,
                as: Self.rep,
                #"{"title":" ","expectedAmountFen":-1,"expectedCloseDate":"2027-02-30"}"#,
                id: deal.id
            )
            #expect(bad.status == 422)
            #expect(Set(try bad.problem().errors?.map(\.field) ?? []) == ["title", "expectedAmountFen", "expectedCloseDate"])
            let same = await service.call(UpdateDealHandler.operation, as: Self.rep, #"{"expectedAmountFen":8000000}"#, id: deal.id)
            #expect(try same.decode(DealBody.self).version == 1)
            #expect(try await service.outbox(DealUpdated.self).isEmpty)
            #expect(await service.call(UpdateDealHandler.operation, as: Self.rep, #"{"title":1}"#, id: deal.id).status == 400)
        }
    }

    @Test("the owner's supervisor edits the deal; another team's supervisor and another rep get 404, finance 403")
    func scope() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let deal = try await fixture.lead(service)
            let body = #"{"title":"由主管修改"}"#
            #expect(await service.call(UpdateDealHandler.operation, as: DealOperationsTests.otherRep, body, id: deal.id).status == 404)
            #expect(await service.call(UpdateDealHandler.operation, as: Org.identity("sup-2"), body, id: deal.id).status == 404)
            #expect(await service.call(UpdateDealHandler.operation, as: DealOperationsTests.finance, body, id: deal.id).status == 403)
            #expect(await service.call(UpdateDealHandler.operation, as: nil, body, id: deal.id).status == 401)
            let bySupervisor = await service.call(UpdateDealHandler.operation, as: Org.identity("sup-1"), body, id: deal.id)
            #expect(bySupervisor.status == 200, "\(bySupervisor.text)")
            #expect(try await service.outbox(DealUpdated.self).first?.byUserID == "sup-1")
        }
    }
}
