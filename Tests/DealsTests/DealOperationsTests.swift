import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Deals

/// The deals operations against a real PostgreSQL schema of their own, through the same router and event handlers
/// the service runs.
@Suite("Deal operations")
struct DealOperationsTests {
    static let rep = CallerIdentity(userID: "rep-1", role: .rep, region: "east-china")
    static let otherRep = CallerIdentity(userID: "rep-2", role: .rep, region: "east-china")
    static let admin = CallerIdentity(userID: "admin-1", role: .admin)
    static let finance = CallerIdentity(userID: "fin-1", role: .finance)
    static let customerID = "6f1c1f3e-7d0a-4d8e-9c57-0c3b6a1d2e01"
    static let customerName = "宁波精工紧固件有限公司"

    static func customer(owner: String, version: Int64) -> CustomerSnapshot {
        CustomerSnapshot(
            id: customerID,
            name: customerName,
            region: "east-china",
            industry: "fasteners",
            ownerID: owner,
            contacts: [],
            version: version
        )
    }

    /// The customers service's `customer.created`, as the deals consumer receives it.
    func seedCustomer(_ service: RPCHarness, owner: String = "rep-1", sequence: Int64 = 1) async throws {
        let created = CustomerCreated(customer: Self.customer(owner: owner, version: sequence))
        try await service.deliver(created, source: "customers", subject: Self.customerID, sequence: sequence)
    }

    func createProducts(_ service: RPCHarness) async throws -> (bolt: String, gear: String) {
        let bolt = await service.call(
            Operation.Deals.createProduct,
            as: Self.admin,
            #"{"name":"M8 螺栓","productLine":"fasteners","listPriceFen":135,"unitCostFen":90}"#
        )
        let gear = await service.call(
            Operation.Deals.createProduct,
            as: Self.admin,
            #"{"name":"齿轮","productLine":"gears","listPriceFen":1000000,"unitCostFen":600000}"#
        )
        #expect(bolt.status == 201 && gear.status == 201)
        return (try bolt.decode(ProductView.self).id, try gear.decode(ProductView.self).id)
    }

    func createDeal(_ service: RPCHarness, as identity: CallerIdentity = DealOperationsTests.rep) async -> RPCResponse {
        let json = #"{"customerId":"\#(Self.customerID)","title":"2027 年度紧固件采购","expectedAmountFen":8000000,"expectedCloseDate":"2027-03-31"}"#
        return await service.call(Operation.Deals.createDeal, as: identity, json)
    }

    /// A lead of rep-1's customer, created by rep-1.
    func lead(_ service: RPCHarness) async throws -> DealView {
        try await seedCustomer(service)
        let created = await createDeal(service)
        #expect(created.status == 201, "\(created.text)")
        return try created.decode(DealView.self)
    }

    func changeStage(_ service: RPCHarness, _ json: String, of dealID: String, key: String? = nil) async -> RPCResponse {
        await service.call(Operation.Deals.changeStage, as: Self.rep, json, id: dealID, key: key)
    }

    static let v2Total: Fen = 1_181_250 + 6 * 1_136_459

    /// A qualified deal with quote version 1 (10,000 bolts at 12.5% off) and version 2 (plus six gears).
    func quotedDeal(_ service: RPCHarness) async throws -> (deal: DealView, v1: QuoteView, v2: QuoteView) {
        let deal = try await lead(service)
        let (bolt, gear) = try await createProducts(service)
        let qualified = await changeStage(service, #"{"stage":"qualified"}"#, of: deal.id)
        #expect(qualified.status == 200, "\(qualified.text)")
        // 12.5 % is above a rep's default discount limit (10 %, issue 12): these versions are meant to need no discount
        // approval, so the limit is raised first.
        let limits = await service.call(
            DiscountLimitHandlers.replace,
            as: Self.admin,
            #"{"limits":[{"role":"rep","maxDiscountBasisPoints":2000}]}"#
        )
        #expect(limits.status == 200, "\(limits.text)")
        let v1 = await service.call(
            Operation.Deals.createQuoteVersion,
            as: Self.rep,
            #"{"lines":[{"productId":"\#(bolt)","quantity":10000,"discountBasisPoints":1250}],"validUntil":"2027-01-31"}"#,
            id: deal.id
        )
        #expect(v1.status == 201, "\(v1.text)")
        let v2 = await service.call(
            Operation.Deals.createQuoteVersion,
            as: Self.rep,
            #"{"lines":[{"productId":"\#(bolt)","quantity":10000,"discountBasisPoints":1250},{"productId":"\#(gear)","quantity":6,"unitPriceFen":1136459}]}"#,
            id: deal.id
        )
        #expect(v2.status == 201, "\(v2.text)")
        return (deal, try v1.decode(QuoteView.self), try v2.decode(QuoteView.self))
    }

    /// A draft contract from quote version 2 of ``quotedDeal(_:)``.
    func draftContract(_ service: RPCHarness) async throws -> (deal: DealView, contract: ContractView) {
        let (deal, _, _) = try await quotedDeal(service)
        let contract = await service.call(Operation.Deals.createContract, as: Self.rep, #"{"dealId":"\#(deal.id)","version":2}"#)
        #expect(contract.status == 201, "\(contract.text)")
        return (deal, try contract.decode(ContractView.self))
    }

    /// ``draftContract(_:)`` submitted for approval.
    func submittedContract(_ service: RPCHarness) async throws -> (deal: DealView, contract: ContractView) {
        let (deal, contract) = try await draftContract(service)
        let submitted = await service.call(Operation.Deals.submitContract, as: Self.rep, id: contract.id)
        #expect(submitted.status == 200, "\(submitted.text)")
        return (deal, try submitted.decode(ContractView.self))
    }

    func approval(of contract: ContractView, _ outcome: ApprovalOutcome) -> ApprovalCompleted {
        let now = Date()
        return ApprovalCompleted(
            approvalID: "ap-1",
            contractID: contract.id,
            contractNumber: contract.number,
            submitterID: "rep-1",
            outcome: outcome,
            comment: nil,
            requestedAt: now,
            completedAt: now,
            workingDays: 0.5
        )
    }

    // MARK: The contract saga, step by step

    @Test("a new deal is a lead of the customer's owner and region; it cannot jump to contract")
    func newDeal() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let deal = try await lead(service)
            #expect(deal.stage == .lead)
            #expect(deal.ownerId == "rep-1")
            #expect(deal.region == "east-china")
            let qualified = await changeStage(service, #"{"stage":"qualified"}"#, of: deal.id)
            #expect(qualified.status == 200, "\(qualified.text)")
            #expect(await changeStage(service, #"{"stage":"contract"}"#, of: deal.id).status == 409)
        }
    }

    @Test("an import's customer.imported puts each of its customers in the replica; a newer version already there is kept")
    func importedCustomers() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            // The customer was renamed (version 2) before the import's batch (version 1) arrived: the rename stays.
            var renamed = Self.customer(owner: "rep-1", version: 2)
            renamed.name = "宁波精工（改名）"
            try await service.deliver(
                CustomerUpdated(customer: renamed, changedFields: ["name"]),
                source: "customers",
                subject: Self.customerID,
                sequence: 2
            )
            var other = Self.customer(owner: "rep-1", version: 1)
            other.id = "7a2d2f4e-8e1b-4e9f-8d68-1d4c7b2e3f02"
            other.name = "温州五金制品有限公司"
            let batch = CustomersImported(importID: "im-1", firstRow: 2, customers: [Self.customer(owner: "rep-1", version: 1), other])
            try await service.deliver(batch, source: "customers", subject: "im-1", sequence: 2)
            let first = await createDeal(service)
            #expect(first.status == 201, "\(first.text)")
            #expect(try first.decode(DealView.self).customerName == "宁波精工（改名）")
            let json = #"{"customerId":"\#(other.id)","title":"齿轮","expectedAmountFen":100000,"expectedCloseDate":"2027-03-31"}"#
            let second = await service.call(Operation.Deals.createDeal, as: Self.rep, json)
            #expect(second.status == 201, "\(second.text)")
            #expect(try second.decode(DealView.self).customerName == "温州五金制品有限公司")
            #expect(try await service.count("customer_replica") == 2)
        }
    }

    @Test("quote versions are priced from the catalogue; the first moves the deal to quoted; the next shows what changed")
    func quoteVersions() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (deal, v1, v2) = try await quotedDeal(service)
            #expect(v1.version == 1)
            #expect(v1.totalFen == 1_181_250)
            #expect(v1.marginFen == 281_250)
            #expect(v2.version == 2)
            #expect(v2.totalFen == Self.v2Total)
            #expect(v2.changes?.totalDeltaFen == Fen(6 * 1_136_459))
            #expect(try await service.call(Operation.Deals.getDeal, as: Self.rep, id: deal.id).decode(DealView.self).stage == .quoted)

            let versions = try await service.call(Operation.Deals.listQuoteVersions, as: Self.rep, id: deal.id).decode(QuoteVersions.self)
            #expect(versions.currentVersion == 2)
            #expect(versions.items.map(\.version) == [2, 1])
            #expect(versions.items.first?.changes?.added.count == 1)
            #expect(versions.nextCursor == nil)
            #expect(await service.call(Operation.Deals.getQuote, as: Self.rep, id: v1.id).status == 200)
        }
    }

    @Test("quote versions come a page at a time, newest first; a page's oldest version still shows what changed before it")
    func quoteVersionPages() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (deal, _, v2) = try await quotedDeal(service)
            let list = { (query: String) in await service.call(Operation.Deals.listQuoteVersions, as: Self.rep, id: deal.id, query: query) }
            let first = try await list("limit=1").decode(QuoteVersions.self)
            #expect(first.items.map(\.id) == [v2.id])
            #expect(first.items.first?.changes?.added.count == 1)
            #expect(first.currentVersion == 2)
            let cursor = try #require(first.nextCursor)
            let second = try await list("limit=1&cursor=\(cursor)").decode(QuoteVersions.self)
            #expect(second.items.map(\.version) == [1])
            #expect(second.currentVersion == 2)
            #expect(second.nextCursor == nil)
            #expect(await list("cursor=not-ours").status == 422)
            #expect(await list("limit=101").status == 422)
        }
    }

    @Test("a contract from a superseded quote version is refused with the current version named; from the current one it is a draft")
    func contractFromCurrentQuote() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (deal, v1, v2) = try await quotedDeal(service)
            let wrong = await service.call(Operation.Deals.createContract, as: Self.rep, #"{"quoteId":"\#(v1.id)"}"#)
            #expect(wrong.status == 409)
            #expect(wrong.contentType == Problem.contentType)
            let problem = try wrong.problem()
            #expect(problem.extensions?["currentVersion"] == .number(2))
            #expect(problem.extensions?["currentQuoteId"] == .string(v2.id))
            #expect(problem.detail?.contains("version 2") == true)

            let created = await service.call(Operation.Deals.createContract, as: Self.rep, #"{"dealId":"\#(deal.id)","version":2}"#)
            #expect(created.status == 201, "\(created.text)")
            let contract = try created.decode(ContractView.self)
            #expect(contract.number.wholeMatch(of: /HT-\d{4}-\d{6}/) != nil)
            #expect(contract.amountFen == Self.v2Total)
            #expect(contract.status == .draft)
        }
    }

    @Test("a draft contract is submitted once, by who may see it, and cannot be signed before approval")
    func submitContract() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (_, contract) = try await draftContract(service)
            #expect(await service.call(Operation.Deals.signContract, as: Self.rep, id: contract.id).status == 409)
            #expect(await service.call(Operation.Deals.submitContract, as: Self.otherRep, id: contract.id).status == 404)
            let submitted = await service.call(Operation.Deals.submitContract, as: Self.rep, id: contract.id)
            #expect(submitted.status == 200, "\(submitted.text)")
            #expect(try submitted.decode(ContractView.self).status == .pendingApproval)
            #expect(await service.call(Operation.Deals.submitContract, as: Self.rep, id: contract.id).status == 409)
        }
    }

    @Test("contract.submitted carries what approvals needs: amount, customer, owner, region, lines and number")
    func submittedEvent() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (_, contract) = try await submittedContract(service)
            let events = try await service.outbox(ContractSubmitted.self)
            #expect(events.count == 1)
            let event = try #require(events.first)
            #expect(event.amountFen == Self.v2Total)
            #expect(event.customerName == Self.customerName)
            #expect(event.ownerID == "rep-1" && event.region == "east-china")
            #expect(event.lines.count == 2)
            #expect(event.number == contract.number)
        }
    }

    @Test("approval.completed approves the contract; a late, contradicting outcome changes nothing")
    func approvalOutcome() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (_, contract) = try await submittedContract(service)
            try await service.deliver(approval(of: contract, .approved), source: "approvals", subject: "ap-1", sequence: 4)
            try await service.deliver(approval(of: contract, .rejected), source: "approvals", subject: "ap-1", sequence: 5)
            let fetched = try await service.call(Operation.Deals.getContract, as: Self.rep, id: contract.id).decode(ContractView.self)
            #expect(fetched.status == .approved)
        }
    }

    @Test("signing an approved contract publishes contract.signed and takes the deal to the contract stage, with its history")
    func signContract() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (deal, contract) = try await submittedContract(service)
            try await service.deliver(approval(of: contract, .approved), source: "approvals", subject: "ap-1", sequence: 4)
            let signed = await service.call(Operation.Deals.signContract, as: Self.rep, id: contract.id)
            #expect(signed.status == 200, "\(signed.text)")
            #expect(try signed.decode(ContractView.self).status == .signed)
            let signedEvents = try await service.outbox(ContractSigned.self)
            #expect(signedEvents.count == 1)
            #expect(signedEvents.first?.amountFen == Self.v2Total)

            #expect(try await service.call(Operation.Deals.getDeal, as: Self.rep, id: deal.id).decode(DealView.self).stage == .contract)
            let stages = try await service.outbox(DealStageChanged.self)
            #expect(stages.map(\.to) == [.lead, .qualified, .quoted, .contract])
            #expect(stages.first?.from == nil)
            let history = try await service.client.query(
                "SELECT count(*)::bigint FROM deal_stage_history WHERE deal_id = \(UUID(uuidString: deal.id))",
                logger: service.logger
            )
            for try await (count) in history.decode(Int64.self) { #expect(count == 4) }
        }
    }

    // MARK: Scope

    @Test("a rep cannot see, list, change or build on another rep's deal or customer (404); without identity, 401")
    func scope() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let deal = try await lead(service)
            #expect(await service.call(Operation.Deals.getDeal, as: Self.otherRep, id: deal.id).status == 404)
            #expect(await service.call(Operation.Deals.getDeal, as: nil, id: deal.id).status == 401)
            #expect(await createDeal(service, as: Self.otherRep).status == 404)
            #expect(await service.call(Operation.Deals.changeStage, as: Self.otherRep, #"{"stage":"qualified"}"#, id: deal.id).status == 404)
            let theirs = try await service.call(Operation.Deals.listDeals, as: Self.otherRep).decode(ListPage<DealView>.self)
            #expect(theirs.items.isEmpty)
            let mine = try await service.call(Operation.Deals.listDeals, as: Self.rep, query: "stage=lead").decode(ListPage<DealView>.self)
            #expect(mine.items.count == 1)
        }
    }

    @Test("owner=<user id> narrows the contracts list to that rep's contracts, and never shows a rep another rep's")
    func contractsOfOneOwner() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (_, contract) = try await draftContract(service)
            func numbers(_ identity: CallerIdentity, _ query: String) async throws -> [String] {
                let response = await service.call(Operation.Deals.listContracts, as: identity, query: query)
                #expect(response.status == 200, "\(response.text)")
                return try response.decode(ListPage<ContractView>.self).items.map(\.number)
            }
            #expect(try await numbers(Self.admin, "owner=rep-1") == [contract.number])
            #expect(try await numbers(Self.admin, "owner=rep-2").isEmpty)
            #expect(try await numbers(Self.admin, "owner=rep-1&status=signed").isEmpty)
            #expect(try await numbers(Self.finance, "owner=rep-1&status=draft") == [contract.number])
            #expect(try await numbers(Self.rep, "owner=rep-1") == [contract.number])
            #expect(try await numbers(Self.otherRep, "owner=rep-1").isEmpty)
            #expect(try await numbers(Self.otherRep, "").isEmpty)
        }
    }

    @Test("a rep reads the catalogue but cannot create products (403)")
    func productsAreAdmin() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let product = #"{"name":"x","productLine":"y","listPriceFen":1,"unitCostFen":1}"#
            #expect(await service.call(Operation.Deals.createProduct, as: Self.rep, product).status == 403)
            #expect(await service.call(Operation.Deals.listProducts, as: Self.rep).status == 200)
        }
    }

    @Test("finance reads every deal and creates none (403)")
    func financeReadsOnly() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let deal = try await lead(service)
            #expect(await service.call(Operation.Deals.getDeal, as: Self.finance, id: deal.id).status == 200)
            #expect(await createDeal(service, as: Self.finance).status == 403)
        }
    }

    @Test("open deals follow a transferred customer to its new owner; a stale event changes nothing")
    func transferFollows() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let deal = try await lead(service)
            let transfer = CustomerTransferred(
                customer: Self.customer(owner: "rep-2", version: 3),
                fromOwnerID: "rep-1",
                toOwnerID: "rep-2",
                byUserID: "sup-1"
            )
            try await service.deliver(transfer, source: "customers", subject: Self.customerID, sequence: 3)
            try await seedCustomer(service, owner: "rep-1", sequence: 2)
            #expect(await service.call(Operation.Deals.getDeal, as: Self.rep, id: deal.id).status == 404)
            let moved = try await service.call(Operation.Deals.getDeal, as: Self.otherRep, id: deal.id).decode(DealView.self)
            #expect(moved.ownerId == "rep-2")
        }
    }

    // MARK: Lost and reopened

    @Test("a deal is lost only with a reason; a retry with the same Idempotency-Key changes it once")
    func lost() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let deal = try await lead(service)
            #expect(await changeStage(service, #"{"stage":"lost"}"#, of: deal.id).status == 422)
            let lose = #"{"stage":"lost","lostReason":"预算取消"}"#
            #expect(await changeStage(service, lose, of: deal.id, key: "k-1").status == 200)
            let again = await changeStage(service, lose, of: deal.id, key: "k-1")
            #expect(again.status == 200)
            #expect(try again.decode(DealView.self).stage == .lost)
            #expect(try await service.outbox(type: DealStageChanged.eventType).count == 2)
        }
    }

    @Test("reopen returns a lost deal to the stage it was lost from and clears the reason")
    func reopen() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let deal = try await lead(service)
            #expect(await changeStage(service, #"{"stage":"lost","lostReason":"预算取消"}"#, of: deal.id).status == 200)
            let reopened = await changeStage(service, #"{"stage":"reopen"}"#, of: deal.id)
            #expect(reopened.status == 200)
            #expect(try reopened.decode(DealView.self).stage == .lead)
            #expect(try reopened.json()["lostReason"] == nil)
        }
    }

    // MARK: Stage history

    @Test("a deal's stage history reads newest first, a page at a time")
    func stageHistory() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let deal = try await lead(service)
            for move in [#"{"stage":"qualified"}"#, #"{"stage":"lost","lostReason":"预算取消"}"#, #"{"stage":"reopen"}"#] {
                #expect(await changeStage(service, move, of: deal.id).status == 200)
            }
            let first = await service.call(GetDealHistoryHandler.operation, as: Self.rep, id: deal.id, query: "limit=2")
            #expect(first.status == 200, "\(first.text)")
            let page1 = try first.decode(ListPage<StageHistoryLine>.self)
            #expect(page1.items.map(\.toStage) == [.qualified, .lost])
            #expect(page1.items.map(\.fromStage) == [.lost, .qualified])
            #expect(page1.items.last?.lostReason == "预算取消")
            let cursor = try #require(page1.nextCursor)
            let page2 = try await service.call(GetDealHistoryHandler.operation, as: Self.rep, id: deal.id, query: "limit=2&cursor=\(cursor)")
                .decode(ListPage<StageHistoryLine>.self)
            #expect(page2.items.map(\.toStage) == [.qualified, .lead])
            #expect(page2.items.map(\.fromStage) == [.lead, nil])
            #expect(page2.items.allSatisfy { $0.changedBy == "rep-1" })
            #expect(page2.nextCursor == nil)
        }
    }

    @Test("a deal's stage history is 404 outside the caller's scope and 422 for a cursor that is not one")
    func stageHistoryRefusals() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let deal = try await lead(service)
            #expect(await service.call(GetDealHistoryHandler.operation, as: Self.otherRep, id: deal.id).status == 404)
            let forged = await service.call(GetDealHistoryHandler.operation, as: Self.rep, id: deal.id, query: "cursor=bm90LWEtY3Vyc29y")
            #expect(forged.status == 422)
        }
    }

    @Test("one Idempotency-Key on two deals moves both: a key answers only for the record it was used on")
    func idempotencyKeyIsPerRecord() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            try await seedCustomer(service)
            let first = try await createDeal(service).decode(DealView.self).id
            let second = try await createDeal(service).decode(DealView.self).id
            for dealID in [first, second] {
                let reply = await changeStage(service, #"{"stage":"qualified"}"#, of: dealID, key: "move-to-qualified")
                #expect(reply.status == 200, "\(reply.text)")
                #expect(try reply.decode(DealView.self).id == dealID)
            }
            for dealID in [first, second] {
                let deal = try await service.call(Operation.Deals.getDeal, as: Self.rep, id: dealID).decode(DealView.self)
                #expect(deal.stage == .qualified, "deal \(dealID)")
            }
            // The same key, deal and body is still a replay: two creations and one change for each deal.
            #expect(await changeStage(service, #"{"stage":"qualified"}"#, of: first, key: "move-to-qualified").status == 200)
            #expect(try await service.outbox(type: DealStageChanged.eventType).count == 4)
        }
    }
}
