import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Deals

/// The payments view as a client decodes it.
struct PaymentsBody: Decodable {
    struct Installment: Decodable {
        var id: String
        var sequence: Int
        var label: String
        var amountFen: Fen
        var dueOn: String?
        var dueAfterDeliveryDays: Int?
        var paidFen: Fen
        var writtenOffFen: Fen
        var outstandingFen: Fen
        var status: String
        var writtenOffReason: String?
    }
    struct Allocation: Decodable, Equatable {
        var installmentId: String
        var amountFen: Fen
    }
    struct Receipt: Decodable {
        var id: String
        var amountFen: Fen
        var receivedOn: String
        var method: String
        var reference: String?
        var recordedBy: String
        var reversedAt: Date?
        var reversedBy: String?
        var reversalReason: String?
        var allocations: [Allocation]
    }
    struct Change: Decodable {
        var kind: String
        var changedBy: String
    }
    var contractId: String
    var amountFen: Fen
    var paidFen: Fen
    var writtenOffFen: Fen
    var outstandingFen: Fen
    var collected: Bool
    var deliveredAt: Date?
    var installments: [Installment]
    var receipts: [Receipt]
    var planChanges: [Change]
}

/// Payment plans, receipts, reversals and write-offs through the deals router, on a real PostgreSQL schema.
@Suite("Payment operations")
struct PaymentOperationsTests {
    static let finance = DealOperationsTests.finance
    static let rep = DealOperationsTests.rep
    static let otherRep = DealOperationsTests.otherRep
    /// 1,181,250 + 6 × 1,136,459 fen: 30/60/10 gives 2,400,001 + 4,800,002 + 800,001.
    static let amount = DealOperationsTests.v2Total
    static var today: String { BusinessCalendar.day(of: Date()).description }

    let deals = DealOperationsTests()

    /// rep-1's deal with version 2's contract approved and signed.
    func signedContract(_ service: RPCHarness) async throws -> (deal: DealView, contract: ContractView) {
        let (deal, contract) = try await deals.submittedContract(service)
        try await service.deliver(deals.approval(of: contract, .approved), source: "approvals", subject: "ap-1", sequence: 4)
        let signed = await service.call(Operation.Deals.signContract, as: Self.rep, id: contract.id)
        #expect(signed.status == 200, "\(signed.text)")
        return (deal, try signed.decode(ContractView.self))
    }

    func payments(
        _ service: RPCHarness,
        _ contractID: String,
        as identity: CallerIdentity = PaymentOperationsTests.finance
    ) async throws -> PaymentsBody {
        let reply = await service.call(GetPaymentsHandler.operation, as: identity, id: contractID)
        #expect(reply.status == 200, "\(reply.text)")
        return try reply.decode(PaymentsBody.self)
    }

    func receipt(
        _ service: RPCHarness,
        _ contractID: String,
        _ amount: Fen,
        allocations: String? = nil,
        as identity: CallerIdentity = PaymentOperationsTests.finance,
        key: String? = nil
    ) async -> RPCResponse {
        let manual = allocations.map { #","allocations":\#($0)"# } ?? ""
        let json = #"{"amountFen":\#(amount),"receivedOn":"\#(Self.today)","method":"bank_transfer","reference":"BOC-\#(amount)"\#(manual)}"#
        return await service.call(RecordReceiptHandler.operation, as: identity, json, id: contractID, key: key)
    }

    func sql(_ service: RPCHarness, _ query: PostgresQuery) async throws {
        try await service.client.query(query, logger: service.logger)
    }

    @Test("signing proposes 30% due on the signing day, 60% and 10% due 30 and 90 days after delivery, in the same transaction")
    func proposedOnSigning() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (deal, contract) = try await signedContract(service)
            let view = try await payments(service, contract.id, as: Self.rep)
            #expect(view.amountFen == Self.amount && view.outstandingFen == Self.amount && !view.collected && view.deliveredAt == nil)
            #expect(view.installments.map(\.amountFen) == [2_400_001, 4_800_002, 800_001])
            #expect(view.installments.map(\.label) == ["预付款", "发货款", "质保金"])
            #expect(view.installments.map(\.dueOn) == [Self.today, nil, nil])
            #expect(view.installments.map(\.dueAfterDeliveryDays) == [nil, 30, 90])
            #expect(view.installments.map(\.status) == ["due", "scheduled", "scheduled"])
            #expect(view.planChanges.map(\.kind) == ["proposed"] && view.planChanges.first?.changedBy == "rep-1")
            let events = try await service.outbox(type: PaymentPlanChanged.eventType)
            #expect(events.count == 1)
            let event = try #require(events.first).decodeData(as: PaymentPlanChanged.self)
            #expect(event.installments.map(\.amountFen).reduce(0, +) == Self.amount)
            #expect(event.party.dealID == deal.id && event.party.ownerID == "rep-1")
            let signed = try #require(try await service.outbox(type: ContractSigned.eventType).first)
            #expect(try #require(events.first).sequence > signed.sequence)
            #expect(try await service.count("payment_installments") == 3)
        }
    }

    @Test("a partial receipt pays the oldest installment in part; a combined one finishes it and starts the next")
    func partialAndCombined() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (_, contract) = try await signedContract(service)
            let partial = await receipt(service, contract.id, 1_000_000)
            #expect(partial.status == 201, "\(partial.text)")
            var view = try partial.decode(PaymentsBody.self)
            #expect(view.installments.map(\.paidFen) == [1_000_000, 0, 0])
            #expect(view.installments.first?.status == "due")
            let combined = await receipt(service, contract.id, 3_000_000)
            #expect(combined.status == 201, "\(combined.text)")
            view = try combined.decode(PaymentsBody.self)
            #expect(view.installments.map(\.paidFen) == [2_400_001, 1_599_999, 0])
            #expect(view.installments.map(\.status) == ["paid", "scheduled", "scheduled"])
            #expect(view.paidFen == 4_000_000 && view.outstandingFen == Self.amount - 4_000_000)
            #expect(view.receipts.count == 2)
            let newest = try #require(view.receipts.first)
            #expect(newest.amountFen == 3_000_000 && newest.recordedBy == "fin-1" && newest.reference == "BOC-3000000")
            #expect(newest.allocations.map(\.amountFen) == [1_400_001, 1_599_999])
            let events = try await service.outbox(ReceiptRecorded.self)
            #expect(events.map(\.outstandingFen) == [Self.amount - 1_000_000, Self.amount - 4_000_000])
            #expect(events.last?.allocations.map(\.amountFen) == [1_400_001, 1_599_999])
            #expect(events.last?.party.contractID == contract.id)
        }
    }

    @Test("a receipt allocated by hand goes where finance says; a wrong split is refused and writes nothing")
    func manualAllocation() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (_, contract) = try await signedContract(service)
            let ids = try await payments(service, contract.id).installments.map(\.id)
            let manual = await receipt(
                service,
                contract.id,
                900_000,
                allocations: #"[{"installmentId":"\#(ids[2])","amountFen":800001},{"installmentId":"\#(ids[1])","amountFen":99999}]"#
            )
            #expect(manual.status == 201, "\(manual.text)")
            let view = try manual.decode(PaymentsBody.self)
            #expect(view.installments.map(\.paidFen) == [0, 99_999, 800_001])
            #expect(view.installments.map(\.status) == ["due", "scheduled", "paid"])

            let unbalanced = await receipt(service, contract.id, 1_000, allocations: #"[{"installmentId":"\#(ids[0])","amountFen":999}]"#)
            #expect(unbalanced.status == 422)
            let overInstallment = await receipt(service, contract.id, 2, allocations: #"[{"installmentId":"\#(ids[2])","amountFen":2}]"#)
            #expect(overInstallment.status == 409, "\(overInstallment.text)")
            let foreign = await receipt(service, contract.id, 5, allocations: #"[{"installmentId":"\#(RecordID())","amountFen":5}]"#)
            #expect(foreign.status == 422)
            #expect(try await service.count("receipts") == 1)
            #expect(try await service.count("receipt_allocations") == 2)
        }
    }

    @Test("a receipt over what is outstanding is refused with 409 and writes nothing; bad fields are 422")
    func overCollection() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (_, contract) = try await signedContract(service)
            #expect(await receipt(service, contract.id, Self.amount - 10).status == 201)
            let over = await receipt(service, contract.id, 11)
            #expect(over.status == 409, "\(over.text)")
            #expect(await receipt(service, contract.id, 0).status == 422)
            let future = await service.call(
                RecordReceiptHandler.operation,
                as: Self.finance,
                #"{"amountFen":1,"receivedOn":"2999-01-01","method":"cash"}"#,
                id: contract.id
            )
            #expect(future.status == 422)
            #expect(try await service.count("receipts") == 1)
            #expect(try await service.outbox(ReceiptRecorded.self).count == 1)
            #expect(await receipt(service, contract.id, 10).status == 201)
            #expect(try await payments(service, contract.id).collected)
        }
    }

    @Test("concurrent receipts cannot over-collect: the contract's lock puts them one after the other")
    func concurrentReceipts() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (_, contract) = try await signedContract(service)
            let half = Self.amount / 2 + 1
            let statuses = await withTaskGroup(of: Int.self) { group in
                for _ in 0..<4 { group.addTask { await receipt(service, contract.id, half).status } }
                var statuses: [Int] = []
                for await status in group { statuses.append(status) }
                return statuses.sorted()
            }
            #expect(statuses == [201, 409, 409, 409])
            #expect(try await payments(service, contract.id).paidFen == half)
        }
    }

    @Test("a reversal keeps the receipt with its reason, stops it counting, and cannot happen twice")
    func reversal() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (_, contract) = try await signedContract(service)
            let recorded = try await receipt(service, contract.id, 1_000_000).decode(PaymentsBody.self)
            let receiptID = try #require(recorded.receipts.first).id
            #expect(await service.call(ReverseReceiptHandler.operation, as: Self.finance, #"{"reason":" "}"#, id: receiptID).status == 422)
            #expect(await service.call(ReverseReceiptHandler.operation, as: Self.rep, #"{"reason":"错账"}"#, id: receiptID).status == 403)
            #expect(
                await service.call(ReverseReceiptHandler.operation, as: Self.finance, #"{"reason":"错账"}"#, id: RecordID().description).status == 404
            )
            let reversed = await service.call(ReverseReceiptHandler.operation, as: Self.finance, #"{"reason":"银行退票"}"#, id: receiptID)
            #expect(reversed.status == 200, "\(reversed.text)")
            let view = try reversed.decode(PaymentsBody.self)
            #expect(view.paidFen == 0 && view.outstandingFen == Self.amount)
            let kept = try #require(view.receipts.first)
            #expect(kept.reversalReason == "银行退票" && kept.reversedBy == "fin-1" && kept.reversedAt != nil && kept.amountFen == 1_000_000)
            let again = await service.call(ReverseReceiptHandler.operation, as: Self.finance, #"{"reason":"再来"}"#, id: receiptID)
            #expect(again.status == 409)
            let events = try await service.outbox(ReceiptReversed.self)
            #expect(events.count == 1 && events.first?.outstandingFen == Self.amount && events.first?.byUserID == "fin-1")
        }
    }

    @Test("finance writes off what is outstanding on an installment, with a reason; twice is a 409")
    func writeOff() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (_, contract) = try await signedContract(service)
            let ids = try await payments(service, contract.id).installments.map(\.id)
            _ = await receipt(service, contract.id, 800_000, allocations: #"[{"installmentId":"\#(ids[2])","amountFen":800000}]"#)
            #expect(await service.call(WriteOffInstallmentHandler.operation, as: Self.rep, #"{"reason":"坏账"}"#, id: ids[2]).status == 403)
            #expect(await service.call(WriteOffInstallmentHandler.operation, as: Self.finance, #"{}"#, id: ids[2]).status == 422)
            let written = await service.call(WriteOffInstallmentHandler.operation, as: Self.finance, #"{"reason":"质保尾差"}"#, id: ids[2])
            #expect(written.status == 200, "\(written.text)")
            let view = try written.decode(PaymentsBody.self)
            let third = try #require(view.installments.last)
            #expect(third.writtenOffFen == 1 && third.outstandingFen == 0 && third.status == "written_off" && third.writtenOffReason == "质保尾差")
            #expect(view.writtenOffFen == 1 && view.outstandingFen == Self.amount - 800_001)
            #expect(await service.call(WriteOffInstallmentHandler.operation, as: Self.finance, #"{"reason":"again"}"#, id: ids[2]).status == 409)
            #expect(try await service.outbox(InstallmentWrittenOff.self).map(\.amountFen) == [1])
        }
    }

    @Test("when a delivered contract is fully collected its deal moves to paid by itself; a later reversal leaves it paid")
    func automaticPaid() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (deal, contract) = try await signedContract(service)
            let contractID = try #require(UUID(uuidString: contract.id))
            let dealID = try #require(UUID(uuidString: deal.id))
            #expect(await receipt(service, contract.id, Self.amount - 1).status == 201)
            // Shipments are another part of issue 11: deliver the contract and its deal by hand.
            try await sql(service, "UPDATE contracts SET delivered_at = now() - interval '40 days' WHERE id = \(contractID)")
            try await sql(service, "UPDATE deals SET stage = 'delivered', version = version + 1 WHERE id = \(dealID)")
            let delivered = try await payments(service, contract.id)
            let fortyDaysAgo = BusinessCalendar.day(of: Date().addingTimeInterval(-40 * 86_400))
            #expect(delivered.installments[1].dueOn == PaymentPlan.day(fortyDaysAgo, plus: 30).description)
            #expect(delivered.installments[2].dueOn == PaymentPlan.day(fortyDaysAgo, plus: 90).description)
            #expect(delivered.installments.map(\.status) == ["paid", "paid", "scheduled"])

            let last = try await receipt(service, contract.id, 1).decode(PaymentsBody.self)
            #expect(last.collected && last.outstandingFen == 0)
            #expect(try await service.call(Operation.Deals.getDeal, as: Self.rep, id: deal.id).decode(DealView.self).stage == .paid)
            let moves = try await service.outbox(DealStageChanged.self)
            #expect(moves.last?.from == .delivered && moves.last?.to == .paid)
            let history = try await service.client.query(
                "SELECT to_stage, changed_by FROM deal_stage_history WHERE deal_id = \(dealID) ORDER BY id DESC LIMIT 1",
                logger: service.logger
            )
            for try await (stage, by) in history.decode((String, String).self) { #expect(stage == "paid" && by == "fin-1") }

            let receiptID = try #require(last.receipts.first).id
            let reversed = try await service.call(ReverseReceiptHandler.operation, as: Self.finance, #"{"reason":"退票"}"#, id: receiptID)
                .decode(PaymentsBody.self)
            #expect(reversed.outstandingFen == 1 && !reversed.collected)
            #expect(try await service.call(Operation.Deals.getDeal, as: Self.rep, id: deal.id).decode(DealView.self).stage == .paid)
        }
    }

    @Test("a collected contract that is not delivered leaves its deal where it is")
    func collectedNotDelivered() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (deal, contract) = try await signedContract(service)
            #expect(await receipt(service, contract.id, Self.amount).status == 201)
            #expect(try await service.call(Operation.Deals.getDeal, as: Self.rep, id: deal.id).decode(DealView.self).stage == .contract)
            #expect(try await service.outbox(DealStageChanged.self).last?.to == .contract)
        }
    }

    @Test("a receipt repeated with its Idempotency-Key answers the first reply and records once")
    func idempotentReceipt() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (_, contract) = try await signedContract(service)
            let first = await receipt(service, contract.id, 5_000, key: "rc-1")
            let again = await receipt(service, contract.id, 5_000, key: "rc-1")
            #expect(first.status == 201 && again.status == 201)
            #expect(first.body == again.body)
            #expect(await receipt(service, contract.id, 6_000, key: "rc-1").status == 422)
            #expect(try await service.count("receipts") == 1)
            #expect(try await service.outbox(ReceiptRecorded.self).count == 1)
        }
    }

    @Test("another rep gets 404 for the payments of a contract not theirs; a rep cannot record receipts (403)")
    func scope() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (_, contract) = try await signedContract(service)
            #expect(await service.call(GetPaymentsHandler.operation, as: Self.otherRep, id: contract.id).status == 404)
            #expect(await service.call(GetPaymentsHandler.operation, as: nil, id: contract.id).status == 401)
            let plan = #"{"installments":[{"label":"全款","amountFen":\#(Self.amount),"dueOn":"2027-01-31"}]}"#
            #expect(await service.call(ReplacePaymentPlanHandler.operation, as: Self.otherRep, plan, id: contract.id).status == 404)
            #expect(await receipt(service, contract.id, 100, as: Self.rep).status == 403)
            #expect(await receipt(service, contract.id, 100, as: DealOperationsTests.admin).status == 403)
            #expect(await receipt(service, RecordID().description, 100).status == 404)
            #expect(try await service.count("receipts") == 0)
            let manager = CallerIdentity(userID: "sup-1", role: .supervisor, region: "east-china", team: ["rep-1"])
            #expect(try await payments(service, contract.id, as: manager).installments.count == 3)
        }
    }

    @Test("the owner, their supervisor or finance edit the plan by position; settled money constrains the edit")
    func editPlan() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (_, contract) = try await signedContract(service)
            let before = try await payments(service, contract.id).installments
            _ = await receipt(service, contract.id, 1_000_000)
            let two =
                #"{"installments":[{"label":"预付款","amountFen":3000000,"dueOn":"2027-01-10"},{"label":"尾款","amountFen":\#(Self.amount - 3_000_000),"dueAfterDeliveryDays":60}]}"#
            let edited = await service.call(ReplacePaymentPlanHandler.operation, as: Self.rep, two, id: contract.id, key: "plan-1")
            #expect(edited.status == 200, "\(edited.text)")
            let view = try edited.decode(PaymentsBody.self)
            #expect(view.installments.map(\.amountFen) == [3_000_000, Self.amount - 3_000_000])
            #expect(view.installments.map(\.dueOn) == ["2027-01-10", nil])
            #expect(view.installments.first?.id == before.first?.id && view.installments.first?.paidFen == 1_000_000)
            #expect(view.planChanges.map(\.kind) == ["edited", "proposed"])
            #expect(try await service.outbox(PaymentPlanChanged.self).last?.installments.count == 2)

            let below =
                #"{"installments":[{"label":"预付款","amountFen":999999,"dueOn":"2027-01-10"},{"label":"尾款","amountFen":\#(Self.amount - 999_999),"dueAfterDeliveryDays":60}]}"#
            #expect(await service.call(ReplacePaymentPlanHandler.operation, as: Self.finance, below, id: contract.id).status == 422)
            let wrongSum = #"{"installments":[{"label":"全款","amountFen":1,"dueOn":"2027-01-10"}]}"#
            #expect(await service.call(ReplacePaymentPlanHandler.operation, as: Self.finance, wrongSum, id: contract.id).status == 422)
            let supervisor = CallerIdentity(userID: "sup-1", role: .supervisor, region: "east-china", team: ["rep-1"])
            let one = #"{"installments":[{"label":"全款","amountFen":\#(Self.amount),"dueOn":"2027-02-01"}]}"#
            let merged = await service.call(ReplacePaymentPlanHandler.operation, as: supervisor, one, id: contract.id)
            #expect(merged.status == 200, "\(merged.text)")
            #expect(try merged.decode(PaymentsBody.self).installments.map(\.paidFen) == [1_000_000])
            #expect(try await service.count("payment_installments") == 1)
        }
    }

    @Test("a contract that is not signed has no payment plan (409)")
    func unsigned() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (_, draft) = try await deals.draftContract(service)
            #expect(await service.call(GetPaymentsHandler.operation, as: Self.finance, id: draft.id).status == 409)
            #expect(await receipt(service, draft.id, 100).status == 409)
            #expect(try await service.count("payment_installments") == 0)
        }
    }

    @Test("a contract signed before payment plans existed gets one proposed on first use, once")
    func lazyProposal() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (_, contract) = try await signedContract(service)
            try await sql(service, "DELETE FROM payment_installments")
            try await sql(service, "DELETE FROM payment_plan_changes")
            try await sql(service, "DELETE FROM outbox WHERE type = 'payment_plan.changed'")
            let view = try await payments(service, contract.id)
            #expect(view.installments.map(\.amountFen) == [2_400_001, 4_800_002, 800_001])
            #expect(view.planChanges.first?.changedBy == "fin-1")
            #expect(try await service.outbox(PaymentPlanChanged.self).count == 1)
            _ = try await payments(service, contract.id)
            #expect(try await service.outbox(PaymentPlanChanged.self).count == 1)
        }
    }
}
