import Contracts
import Foundation
import ServiceRuntime
import TestSupport
import Testing

@testable import Approvals

/// Discount approvals (折扣审批, issue 12): deals' `quote.discount_approval_requested` in, the discount policy's tiers
/// applied to what the discount is worth, the subject on the answers.
@Suite("Discount approval subjects")
struct DiscountSubjectTests {
    static let subjects = SubjectApprovalTests()

    func request(discountFen: Fen, quote: String = UUID().uuidString.lowercased()) -> QuoteDiscountApprovalRequested {
        QuoteDiscountApprovalRequested(
            quoteID: quote,
            dealID: UUID().uuidString.lowercased(),
            dealTitle: "2027 年度紧固件采购",
            version: 3,
            reference: "Q-6F1C1F3E",
            listTotalFen: 10_000_000,
            quotedTotalFen: 10_000_000 - discountFen,
            discountFen: discountFen,
            maxDiscountBasisPoints: 1_800,
            limitBasisPoints: 1_000,
            customerID: "c-1",
            customerName: "宁波精工",
            ownerID: "rep-1",
            region: "east-china",
            submittedBy: "rep-1",
            submittedAt: Date()
        )
    }

    @Test("a discount worth up to 20,000.00 CNY waits for the supervisor alone, titled with the version and the discount")
    func smallDiscount() async throws {
        try await Self.subjects.withService { service in
            let event = request(discountFen: 1_800_000)
            try await service.deliver(event, source: "deals", subject: event.quoteID, sequence: 1)
            let approval = try #require(try await Self.subjects.queue(service, of: "sup-1").first)
            #expect(approval.subjectType == .discount)
            #expect(approval.contractID == event.quoteID)
            #expect(approval.contractNumber == "Q-6F1C1F3E v3")
            #expect(approval.title == "报价 Q-6F1C1F3E v3 折扣 18%（权限 10%）· 2027 年度紧固件采购")
            #expect(approval.amountFen == 1_800_000)
            #expect(approval.steps.map(\.role) == [.supervisor])
            #expect(await service.call(Operation.Approvals.approve, as: "sup-1", id: approval.id.description).status == 200)
            let completed = try #require(try await service.outbox(ApprovalCompleted.self).first)
            #expect(completed.outcome == .approved && completed.subjectType == .discount && completed.subjectID == event.quoteID)
        }
    }

    @Test("a discount worth over 20,000.00 CNY goes supervisor → regional manager; a redelivered request starts nothing new")
    func largeDiscount() async throws {
        try await Self.subjects.withService { service in
            let event = request(discountFen: 2_000_001)
            let envelope = try await service.deliver(event, source: "deals", subject: event.quoteID, sequence: 1)
            try await service.deliver(envelope)
            let queued = try await Self.subjects.queue(service, of: "sup-1")
            #expect(queued.count == 1)
            let id = try #require(queued.first).id.description
            #expect(queued.first?.steps.map(\.role) == [.supervisor, .regionalManager])
            #expect(await service.call(Operation.Approvals.approve, as: "sup-1", id: id).status == 200)
            #expect(try await Self.subjects.queue(service, of: "rm-east").first?.id.description == id)
        }
    }

    @Test("quote.discount_approval_requested is accepted only from deals")
    func onlyFromDeals() async throws {
        try await Self.subjects.withService { service in
            let event = request(discountFen: 100)
            var refused = false
            do {
                try await service.deliver(event, source: "customers", subject: event.quoteID, sequence: 1)
            } catch {
                refused = true
            }
            let queued = try await Self.subjects.queue(service, of: "sup-1")
            #expect(refused && queued.isEmpty)
        }
    }
}
