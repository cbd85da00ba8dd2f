import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Deals

/// A contract's delivery as a client decodes it.
struct ShipmentStatusView: Decodable {
    struct Line: Decodable, Equatable {
        var lineNumber: Int
        var productName: String
        var ordered: Int64
        var shipped: Int64
        var remaining: Int64
    }
    struct Shipment: Decodable {
        var id: String
        var shippedOn: String
        var carrier: String
        var trackingNumber: String?
    }
    var contractId: String
    var deliveredAt: Date?
    var lines: [Line]
    var shipments: [Shipment]
}

/// A row of the shipping queue as a client decodes it.
struct QueueRowView: Decodable {
    var contractId: String
    var remaining: Int64
}

/// Shipments (发货) against the real PostgreSQL schema, through the service's router: the warehouse records them,
/// nothing over-ships, the last one delivers the contract and moves the deal by itself.
@Suite("Shipments")
struct ShipmentTests {
    static let warehouse = CallerIdentity(userID: "wh-1", role: .warehouse)
    static let rep = DealOperationsTests.rep
    let fixture = DealOperationsTests()

    static var today: String { BusinessCalendar.day(of: Date()).description }

    /// A signed contract from quote version 2: line 1 is 10,000 bolts, line 2 six gears.
    func signedContract(_ service: RPCHarness) async throws -> (deal: DealView, contract: ContractView) {
        let (deal, contract) = try await fixture.submittedContract(service)
        try await service.deliver(fixture.approval(of: contract, .approved), source: "approvals", subject: "ap-1", sequence: 4)
        let signed = await service.call(Operation.Deals.signContract, as: Self.rep, id: contract.id)
        #expect(signed.status == 200, "\(signed.text)")
        return (deal, try signed.decode(ContractView.self))
    }

    func ship(
        _ service: RPCHarness,
        _ contract: ContractView,
        _ lines: [(Int, Int64)],
        on day: String = ShipmentTests.today,
        as identity: CallerIdentity = ShipmentTests.warehouse,
        key: String? = nil
    ) async -> RPCResponse {
        let body = lines.map { #"{"lineNumber":\#($0.0),"quantity":\#($0.1)}"# }.joined(separator: ",")
        let json = #"{"shippedOn":"\#(day)","carrier":"顺丰","trackingNumber":"SF1234567890","lines":[\#(body)]}"#
        return await service.call(RecordShipmentHandler.operation, as: identity, json, id: contract.id, key: key)
    }

    func stage(_ service: RPCHarness, _ deal: DealView) async throws -> DealStage {
        try await service.call(Operation.Deals.getDeal, as: Self.rep, id: deal.id).decode(DealView.self).stage
    }

    /// The plan signing proposed from the default terms: 30% on signing, 60% 30 days after delivery, 10% after 90.
    func plan(_ service: RPCHarness, _ contract: ContractView) async throws -> [UUID] {
        let contractID = UUID(uuidString: contract.id)
        var ids: [UUID] = []
        for try await id in try await service.client.query(
            "SELECT id FROM payment_installments WHERE contract_id = \(contractID) ORDER BY sequence",
            logger: service.logger
        ).decode(UUID.self) {
            ids.append(id)
        }
        #expect(ids.count == 3)
        return ids
    }

    /// Records a receipt that pays the whole plan, as finance would.
    func collectAll(_ service: RPCHarness, _ contract: ContractView, installments: [UUID]) async throws {
        let receipt = UUID()
        let contractID = UUID(uuidString: contract.id)
        try await service.client.query(
            """
            INSERT INTO receipts (id, contract_id, amount_fen, received_on, method, recorded_by, recorded_at)
            VALUES (\(receipt), \(contractID), \(contract.amountFen), \(Self.today)::date, 'bank_transfer', 'fin-1', now())
            """,
            logger: service.logger
        )
        try await service.client.query(
            """
            INSERT INTO receipt_allocations (receipt_id, installment_id, amount_fen)
            SELECT \(receipt), id, amount_fen FROM payment_installments WHERE contract_id = \(contractID)
            """,
            logger: service.logger
        )
    }

    @Test("partial shipments leave the deal at contract; the one that ships the rest delivers the contract and moves the deal to delivered")
    func partialThenComplete() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (deal, contract) = try await signedContract(service)
            let first = await ship(service, contract, [(1, 4000)])
            #expect(first.status == 201, "\(first.text)")
            let afterFirst = try first.decode(ShipmentStatusView.self)
            #expect(afterFirst.lines.map(\.remaining) == [6000, 6])
            #expect(afterFirst.deliveredAt == nil && afterFirst.shipments.count == 1)
            #expect(try await stage(service, deal) == .contract)

            let second = await ship(service, contract, [(1, 6000), (2, 6)])
            #expect(second.status == 201, "\(second.text)")
            let done = try second.decode(ShipmentStatusView.self)
            #expect(done.lines.map(\.remaining) == [0, 0] && done.lines.map(\.shipped) == [10000, 6])
            #expect(done.deliveredAt != nil && done.shipments.count == 2)
            #expect(try await stage(service, deal) == .delivered)

            let events = try await service.outbox(ShipmentRecorded.self)
            #expect(events.map(\.completesDelivery) == [false, true])
            #expect(events.last?.lines.map(\.quantity) == [6000, 6])
            #expect(events.last?.party.dealID == deal.id && events.last?.party.ownerID == "rep-1")
            #expect(events.last?.carrier == "顺丰" && events.last?.shippedOn == Self.today)
            let moves = try await service.outbox(DealStageChanged.self)
            #expect(moves.last?.from == .contract && moves.last?.to == .delivered)
            // The sequences of the contract's events keep increasing: signed, then each shipment.
            let sequences = try await service.outbox().filter { $0.subject == contract.id }.map(\.sequence)
            #expect(sequences == sequences.sorted() && Set(sequences).count == sequences.count)

            let read = try await service.call(GetShipmentsHandler.operation, as: Self.rep, id: contract.id).decode(ShipmentStatusView.self)
            #expect(read.lines == done.lines && read.shipments.map(\.id) == done.shipments.map(\.id))
            // Nothing remains: another shipment is a conflict, and the contract leaves the queue.
            #expect(await ship(service, contract, [(2, 1)]).status == 409)
            let queue = try await service.call(ShippingQueueHandler.operation, as: Self.warehouse).decode(ListPage<QueueRowView>.self)
            #expect(queue.items.isEmpty)
        }
    }

    @Test("a shipment over what remains is a 409 naming the line and records nothing, also when two race for the rest")
    func overShipping() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (deal, contract) = try await signedContract(service)
            let tooMany = await ship(service, contract, [(1, 10001)])
            #expect(tooMany.status == 409)
            #expect(try tooMany.problem().detail?.contains("line 1") == true, "\(tooMany.text)")
            #expect(try await service.count("shipments") == 0)
            #expect(try await service.count("shipment_lines") == 0)
            #expect(try await service.outbox(ShipmentRecorded.self).isEmpty)

            #expect(await ship(service, contract, [(1, 4000)]).status == 201)
            // One line fine, the other over: the whole shipment is refused.
            let mixed = await ship(service, contract, [(1, 10), (2, 7)])
            #expect(mixed.status == 409 && mixed.text.contains("line 2"), "\(mixed.text)")
            #expect(try await service.count("shipments") == 1)

            // Two warehouse clerks ship the rest at once: the contract row lock lets one through.
            async let one = ship(service, contract, [(1, 6000), (2, 6)], key: "race-1")
            async let two = ship(service, contract, [(1, 6000), (2, 6)], key: "race-2")
            let statuses = [await one.status, await two.status].sorted()
            #expect(statuses == [201, 409])
            let shipped = try await service.call(GetShipmentsHandler.operation, as: Self.rep, id: contract.id).decode(ShipmentStatusView.self)
            #expect(shipped.lines.map(\.shipped) == [10000, 6])
            #expect(try await stage(service, deal) == .delivered)
            #expect(try await service.outbox(DealStageChanged.self).filter { $0.to == .delivered }.count == 1)
        }
    }

    @Test("malformed shipments are 422 naming the field: a future or pre-signing day, no carrier, no line, a line the contract lacks")
    func malformed() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (_, contract) = try await signedContract(service)
            let tomorrow = BusinessCalendar.day(of: Date().addingTimeInterval(86_400)).description
            let yesterday = BusinessCalendar.day(of: Date().addingTimeInterval(-86_400)).description
            func fields(_ json: String) async throws -> [String] {
                let reply = await service.call(RecordShipmentHandler.operation, as: Self.warehouse, json, id: contract.id)
                #expect(reply.status == 422, "\(reply.text)")
                return try reply.problem().errors?.map(\.field) ?? []
            }
            #expect(try await fields(#"{"shippedOn":"\#(tomorrow)","carrier":"德邦","lines":[{"lineNumber":1,"quantity":1}]}"#) == ["shippedOn"])
            #expect(try await fields(#"{"shippedOn":"\#(yesterday)","carrier":"德邦","lines":[{"lineNumber":1,"quantity":1}]}"#) == ["shippedOn"])
            #expect(
                try await fields(#"{"shippedOn":"2026-13-01","carrier":"  ","lines":[{"lineNumber":0,"quantity":0}]}"#)
                    == ["shippedOn", "carrier", "lines[0].lineNumber", "lines[0].quantity"]
            )
            #expect(try await fields(#"{"shippedOn":"\#(Self.today)","carrier":"德邦","lines":[]}"#) == ["lines"])
            #expect(
                try await fields(#"{"shippedOn":"\#(Self.today)","carrier":"德邦","lines":[{"lineNumber":3,"quantity":1}]}"#) == ["lines[0].lineNumber"]
            )
            #expect(
                try await fields(
                    #"{"shippedOn":"\#(Self.today)","carrier":"德邦","lines":[{"lineNumber":1,"quantity":1},{"lineNumber":1,"quantity":2}]}"#
                )
                    == ["lines[1].lineNumber"]
            )
            #expect(try await service.count("shipments") == 0)
        }
    }

    @Test("only a signed contract ships (409), only the warehouse records (403), and a replayed Idempotency-Key records once")
    func whoAndWhen() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (_, draft) = try await fixture.draftContract(service)
            #expect(await ship(service, draft, [(1, 1)]).status == 409)
            let submitted = await service.call(Operation.Deals.submitContract, as: Self.rep, id: draft.id)
            #expect(submitted.status == 200, "\(submitted.text)")
            try await service.deliver(fixture.approval(of: draft, .approved), source: "approvals", subject: "ap-1", sequence: 10)
            #expect(await ship(service, draft, [(1, 1)]).status == 409)
            #expect(await service.call(Operation.Deals.signContract, as: Self.rep, id: draft.id).status == 200)

            for identity in [Self.rep, DealOperationsTests.admin, DealOperationsTests.finance] {
                #expect(await ship(service, draft, [(1, 1)], as: identity).status == 403, "\(identity.role)")
            }
            #expect(await ship(service, draft, [(1, 1)], as: Self.warehouse).status == 201)
            let once = await ship(service, draft, [(1, 100)], key: "ship-key")
            let again = await ship(service, draft, [(1, 100)], key: "ship-key")
            #expect(once.status == 201 && again.status == 201 && once.text == again.text)
            #expect(try await service.count("shipments") == 2)
            #expect(try await service.outbox(ShipmentRecorded.self).count == 2)
            let unknown = RecordID().description
            #expect(await service.call(RecordShipmentHandler.operation, as: Self.warehouse, "{}", id: unknown).status == 422)
            let missing = await service.call(
                RecordShipmentHandler.operation,
                as: Self.warehouse,
                #"{"shippedOn":"\#(Self.today)","carrier":"德邦","lines":[{"lineNumber":1,"quantity":1}]}"#,
                id: unknown
            )
            #expect(missing.status == 404)
        }
    }

    @Test("the warehouse sees every signed contract to ship without prices, and nothing of customers, deals or quotes; others read in scope")
    func warehouseScope() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (deal, contract) = try await signedContract(service)
            let queue = await service.call(ShippingQueueHandler.operation, as: Self.warehouse)
            #expect(queue.status == 200)
            #expect(try queue.decode(ListPage<QueueRowView>.self).items.map(\.contractId) == [contract.id])
            #expect(try queue.decode(ListPage<QueueRowView>.self).items.first?.remaining == 10006)
            let status = await service.call(GetShipmentsHandler.operation, as: Self.warehouse, id: contract.id)
            #expect(status.status == 200)
            for text in [queue.text, status.text] {
                for word in ["Fen", "price", "cost", "margin", "discount"] { #expect(!text.contains(word), "\(word) in \(text)") }
            }
            // Price-bearing reads and every sales write stay closed.
            #expect(await service.call(Operation.Deals.getContract, as: Self.warehouse, id: contract.id).status == 404)
            #expect(await service.call(Operation.Deals.getDeal, as: Self.warehouse, id: deal.id).status == 404)
            #expect(try await service.call(Operation.Deals.listContracts, as: Self.warehouse).decode(ListPage<ContractView>.self).items.isEmpty)
            #expect(try await service.call(Operation.Deals.listDeals, as: Self.warehouse).decode(ListPage<DealView>.self).items.isEmpty)
            #expect(await fixture.createDeal(service, as: Self.warehouse).status == 403)
            #expect(
                await service.call(Operation.Deals.changeStage, as: Self.warehouse, #"{"stage":"lost","lostReason":"x"}"#, id: deal.id).status == 403
            )

            // The owner, finance and the admin read the delivery; another rep does not see the contract at all.
            for identity in [Self.rep, DealOperationsTests.finance, DealOperationsTests.admin] {
                #expect(await service.call(GetShipmentsHandler.operation, as: identity, id: contract.id).status == 200, "\(identity.role)")
            }
            #expect(await service.call(GetShipmentsHandler.operation, as: DealOperationsTests.otherRep, id: contract.id).status == 404)
            let othersQueue = try await service.call(ShippingQueueHandler.operation, as: DealOperationsTests.otherRep).decode(
                ListPage<QueueRowView>.self
            )
            #expect(othersQueue.items.isEmpty)
        }
    }

    @Test("delivered and paid refuse hand moves; the delivery dates the installments due after it and a prepaid contract goes on to paid")
    func deliveryDatesThePlanAndPrepaidGoesToPaid() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (deal, contract) = try await signedContract(service)
            let byHand = await fixture.changeStage(service, #"{"stage":"delivered"}"#, of: deal.id)
            #expect(byHand.status == 409 && byHand.text.contains("发货完成后自动进入"), "\(byHand.text)")

            let installments = try await plan(service, contract)
            try await collectAll(service, contract, installments: installments)
            #expect(await ship(service, contract, [(1, 10000), (2, 6)]).status == 201)
            #expect(try await stage(service, deal) == .paid)
            let moves = try await service.outbox(DealStageChanged.self).suffix(2).map(\.to)
            #expect(moves == [.delivered, .paid])

            // One plan proposed at signing, one with the dates the delivery gave it.
            let plans = try await service.outbox(PaymentPlanChanged.self)
            #expect(plans.count == 2)
            let today = BusinessCalendar.day(of: Date())
            #expect(
                plans.last?.installments.map(\.dueOn) == [
                    today.description,
                    ShipmentRules.dueOn(deliveredOn: today, afterDays: 30).description,
                    ShipmentRules.dueOn(deliveredOn: today, afterDays: 90).description,
                ]
            )
            #expect(plans.first?.installments.map(\.amountFen).reduce(0, +) == contract.amountFen)
            #expect(await fixture.changeStage(service, #"{"stage":"paid"}"#, of: deal.id).status == 409)
        }
    }

    @Test("an installment's date after delivery counts calendar days in Asia/Shanghai, across months and years")
    func dueDates() {
        #expect(ShipmentRules.dueOn(deliveredOn: CalendarDay(year: 2026, month: 12, day: 15), afterDays: 30).description == "2027-01-14")
        #expect(ShipmentRules.dueOn(deliveredOn: CalendarDay(year: 2028, month: 2, day: 1), afterDays: 90).description == "2028-05-01")
        #expect(ShipmentRules.dueOn(deliveredOn: CalendarDay(year: 2026, month: 3, day: 1), afterDays: 0).description == "2026-03-01")
    }
}
