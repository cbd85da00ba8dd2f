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
    let logger = Logger(label: "test.deals")
    let rep = CallerIdentity(userID: "rep-1", role: .rep, region: "east-china")
    let otherRep = CallerIdentity(userID: "rep-2", role: .rep, region: "east-china")
    let admin = CallerIdentity(userID: "admin-1", role: .admin)
    let customerID = "6f1c1f3e-7d0a-4d8e-9c57-0c3b6a1d2e01"

    func migrations() throws -> [Migration] {
        try Migrator.load(bundleDirectory: try #require(DealsService.migrationsDirectory))
    }

    func request(_ operation: String, _ json: String = "", as identity: CallerIdentity?, id: String? = nil, query: String? = nil) -> RPCRequest {
        var headers: [String: String] = [:]
        if let id { headers[RPC.Header.pathID] = id }
        if let query { headers[RPC.Header.query] = query }
        return RPCRequest(operation: operation, body: Array(json.utf8), identity: identity, headers: headers)
    }

    func body(_ response: RPCResponse) throws -> JSONValue {
        try JSONCoding.decoder.decode(JSONValue.self, from: Data(response.body))
    }

    func text(_ response: RPCResponse) -> String { String(decoding: response.body, as: UTF8.self) }

    /// Applies an event through the registered handler, in a transaction, as the consumer does.
    func deliver(_ envelope: EventEnvelope, to client: PostgresClient) async throws {
        let handler = try #require(DealsService.eventHandlers(logger: logger).handler(for: envelope.type))
        let logger = logger
        try await client.withTransaction(logger: logger) { connection in
            try await handler(envelope, connection, logger)
        }
    }

    func seedCustomer(_ client: PostgresClient, owner: String = "rep-1", sequence: Int64 = 1) async throws {
        let snapshot = CustomerSnapshot(
            id: customerID,
            name: "宁波精工紧固件有限公司",
            region: "east-china",
            industry: "fasteners",
            ownerID: owner,
            contacts: [],
            version: sequence
        )
        try await deliver(
            try EventEnvelope(CustomerCreated(customer: snapshot), source: "customers", subject: customerID, sequence: sequence),
            to: client
        )
    }

    func outbox(_ type: String, _ client: PostgresClient) async throws -> [EventEnvelope] {
        let rows = try await client.query("SELECT envelope::text FROM outbox WHERE type = \(type) ORDER BY position", logger: logger)
        var envelopes: [EventEnvelope] = []
        for try await (json) in rows.decode(String.self) { envelopes.append(try EventEnvelope.decode(from: Array(json.utf8))) }
        return envelopes
    }

    func createProducts(_ router: RPCRouter) async throws -> (bolt: String, gear: String) {
        let bolt = await router.handle(
            request(Operation.Deals.createProduct, #"{"name":"M8 螺栓","productLine":"fasteners","listPriceFen":135,"unitCostFen":90}"#, as: admin),
            logger: logger
        )
        let gear = await router.handle(
            request(Operation.Deals.createProduct, #"{"name":"齿轮","productLine":"gears","listPriceFen":1000000,"unitCostFen":600000}"#, as: admin),
            logger: logger
        )
        #expect(bolt.status == 201 && gear.status == 201)
        return (try #require(try body(bolt)["id"]?.stringValue), try #require(try body(gear)["id"]?.stringValue))
    }

    func createDeal(_ router: RPCRouter, as identity: CallerIdentity? = nil) async -> RPCResponse {
        let json = #"{"customerId":"\#(customerID)","title":"2027 年度紧固件采购","expectedAmountFen":8000000,"expectedCloseDate":"2027-03-31"}"#
        return await router.handle(request(Operation.Deals.createDeal, json, as: identity ?? rep), logger: logger)
    }

    @Test("deal → quote v1 → v2 → contract from v1 refused → from v2 → submit → approved → sign, with every event in the outbox")
    func contractSaga() async throws {
        try await TestSchema.with(migrations: try migrations()) { client, _ in
            let router = DealsService.rpcRouter(postgres: client, logger: logger)
            try await seedCustomer(client)
            let (bolt, gear) = try await createProducts(router)

            let created = await createDeal(router)
            #expect(created.status == 201, "\(text(created))")
            let dealID = try #require(try body(created)["id"]?.stringValue)
            #expect(try body(created)["stage"]?.stringValue == "lead")
            #expect(try body(created)["ownerId"]?.stringValue == "rep-1")
            #expect(try body(created)["region"]?.stringValue == "east-china")

            let qualified = await router.handle(request(Operation.Deals.changeStage, #"{"stage":"qualified"}"#, as: rep, id: dealID), logger: logger)
            #expect(qualified.status == 200, "\(text(qualified))")
            let tooEarly = await router.handle(request(Operation.Deals.changeStage, #"{"stage":"contract"}"#, as: rep, id: dealID), logger: logger)
            #expect(tooEarly.status == 409)

            let v1 = await router.handle(
                request(
                    Operation.Deals.createQuoteVersion,
                    #"{"lines":[{"productId":"\#(bolt)","quantity":10000,"discountBasisPoints":1250}],"validUntil":"2027-01-31"}"#,
                    as: rep,
                    id: dealID
                ),
                logger: logger
            )
            #expect(v1.status == 201, "\(text(v1))")
            #expect(try body(v1)["version"] == .number(1))
            #expect(try body(v1)["totalFen"] == .number(1_181_250))
            #expect(try body(v1)["marginFen"] == .number(281_250))
            let v1ID = try #require(try body(v1)["id"]?.stringValue)
            let afterQuote = await router.handle(request(Operation.Deals.getDeal, as: rep, id: dealID), logger: logger)
            #expect(try body(afterQuote)["stage"]?.stringValue == "quoted")

            let v2 = await router.handle(
                request(
                    Operation.Deals.createQuoteVersion,
                    #"{"lines":[{"productId":"\#(bolt)","quantity":10000,"discountBasisPoints":1250},{"productId":"\#(gear)","quantity":6,"unitPriceFen":1136459}]}"#,
                    as: rep,
                    id: dealID
                ),
                logger: logger
            )
            #expect(v2.status == 201, "\(text(v2))")
            #expect(try body(v2)["version"] == .number(2))
            let v2Total = 1_181_250 + 6 * 1_136_459
            #expect(try body(v2)["totalFen"] == .number(Double(v2Total)))
            #expect(try body(v2)["changes"]?["totalDeltaFen"] == .number(Double(6 * 1_136_459)))
            let v2ID = try #require(try body(v2)["id"]?.stringValue)

            let wrong = await router.handle(request(Operation.Deals.createContract, #"{"quoteId":"\#(v1ID)"}"#, as: rep), logger: logger)
            #expect(wrong.status == 409)
            #expect(wrong.contentType == Problem.contentType)
            let problem = try JSONCoding.decoder.decode(Problem.self, from: Data(wrong.body))
            #expect(problem.extensions?["currentVersion"] == .number(2))
            #expect(problem.extensions?["currentQuoteId"] == .string(v2ID))
            #expect(problem.detail?.contains("version 2") == true)

            let contract = await router.handle(
                request(Operation.Deals.createContract, #"{"dealId":"\#(dealID)","version":2}"#, as: rep),
                logger: logger
            )
            #expect(contract.status == 201, "\(text(contract))")
            let contractID = try #require(try body(contract)["id"]?.stringValue)
            let number = try #require(try body(contract)["number"]?.stringValue)
            #expect(number.wholeMatch(of: /HT-\d{4}-\d{6}/) != nil)
            #expect(try body(contract)["amountFen"] == .number(Double(v2Total)))
            #expect(try body(contract)["status"]?.stringValue == "draft")

            #expect(await router.handle(request(Operation.Deals.signContract, as: rep, id: contractID), logger: logger).status == 409)
            #expect(await router.handle(request(Operation.Deals.submitContract, as: otherRep, id: contractID), logger: logger).status == 404)
            let submitted = await router.handle(request(Operation.Deals.submitContract, as: rep, id: contractID), logger: logger)
            #expect(submitted.status == 200, "\(text(submitted))")
            #expect(try body(submitted)["status"]?.stringValue == "pending_approval")
            #expect(await router.handle(request(Operation.Deals.submitContract, as: rep, id: contractID), logger: logger).status == 409)

            let submittedEvents = try await outbox(ContractSubmitted.eventType, client)
            #expect(submittedEvents.count == 1)
            let submittedEvent = try #require(try submittedEvents.first?.decodeData(as: ContractSubmitted.self))
            #expect(submittedEvent.amountFen == Fen(v2Total))
            #expect(submittedEvent.customerName == "宁波精工紧固件有限公司")
            #expect(submittedEvent.ownerID == "rep-1" && submittedEvent.region == "east-china")
            #expect(submittedEvent.lines.count == 2)
            #expect(submittedEvent.number == number)

            let now = Date()
            let approved = ApprovalCompleted(
                approvalID: "ap-1",
                contractID: contractID,
                contractNumber: number,
                submitterID: "rep-1",
                outcome: .approved,
                comment: nil,
                requestedAt: now,
                completedAt: now,
                workingDays: 0.5
            )
            try await deliver(try EventEnvelope(approved, source: "approvals", subject: "ap-1", sequence: 4), to: client)
            // A late, contradicting outcome for a contract no longer pending changes nothing.
            var late = approved
            late.outcome = .rejected
            try await deliver(try EventEnvelope(late, source: "approvals", subject: "ap-1", sequence: 5), to: client)
            let fetched = await router.handle(request(Operation.Deals.getContract, as: rep, id: contractID), logger: logger)
            #expect(try body(fetched)["status"]?.stringValue == "approved")

            let signed = await router.handle(request(Operation.Deals.signContract, as: rep, id: contractID), logger: logger)
            #expect(signed.status == 200, "\(text(signed))")
            #expect(try body(signed)["status"]?.stringValue == "signed")
            let signedEvents = try await outbox(ContractSigned.eventType, client)
            #expect(signedEvents.count == 1)
            #expect(try signedEvents.first?.decodeData(as: ContractSigned.self).amountFen == Fen(v2Total))

            let deal = await router.handle(request(Operation.Deals.getDeal, as: rep, id: dealID), logger: logger)
            #expect(try body(deal)["stage"]?.stringValue == "contract")
            let stages = try await outbox(DealStageChanged.eventType, client).map { try $0.decodeData(as: DealStageChanged.self) }
            #expect(stages.map(\.to) == [.lead, .qualified, .quoted, .contract])
            #expect(stages.first?.from == nil)
            let history = try await client.query(
                "SELECT count(*)::bigint FROM deal_stage_history WHERE deal_id = \(UUID(uuidString: dealID))",
                logger: logger
            )
            for try await (count) in history.decode(Int64.self) { #expect(count == 4) }

            let versions = try body(await router.handle(request(Operation.Deals.listQuoteVersions, as: rep, id: dealID), logger: logger))
            #expect(versions["currentVersion"] == .number(2))
            guard case .array(let items)? = versions["items"] else {
                Issue.record("no items")
                return
            }
            #expect(items.count == 2)
            #expect(items.last?["changes"]?["added"].map { if case .array(let added) = $0 { added.count } else { -1 } } == 1)
            let quote = await router.handle(request(Operation.Deals.getQuote, as: rep, id: v1ID), logger: logger)
            #expect(quote.status == 200)
        }
    }

    @Test("a rep cannot see or use another rep's deal, customer or contract (404), nor create products (403)")
    func scope() async throws {
        try await TestSchema.with(migrations: try migrations()) { client, _ in
            let router = DealsService.rpcRouter(postgres: client, logger: logger)
            try await seedCustomer(client)
            let dealID = try #require(try body(await createDeal(router))["id"]?.stringValue)

            #expect(await router.handle(request(Operation.Deals.getDeal, as: otherRep, id: dealID), logger: logger).status == 404)
            #expect(await router.handle(request(Operation.Deals.getDeal, as: nil, id: dealID), logger: logger).status == 401)
            #expect(await createDeal(router, as: otherRep).status == 404)
            let change = request(Operation.Deals.changeStage, #"{"stage":"qualified"}"#, as: otherRep, id: dealID)
            #expect(await router.handle(change, logger: logger).status == 404)
            let listed = try body(await router.handle(request(Operation.Deals.listDeals, as: otherRep), logger: logger))
            #expect(listed["items"] == .array([]))
            let mine = try body(await router.handle(request(Operation.Deals.listDeals, as: rep, query: "stage=lead"), logger: logger))
            guard case .array(let items)? = mine["items"] else {
                Issue.record("no items")
                return
            }
            #expect(items.count == 1)
            let product = request(Operation.Deals.createProduct, #"{"name":"x","productLine":"y","listPriceFen":1,"unitCostFen":1}"#, as: rep)
            #expect(await router.handle(product, logger: logger).status == 403)
            #expect(await router.handle(request(Operation.Deals.listProducts, as: rep), logger: logger).status == 200)
            let finance = CallerIdentity(userID: "fin-1", role: .finance)
            #expect(await router.handle(request(Operation.Deals.getDeal, as: finance, id: dealID), logger: logger).status == 200)
            #expect(await createDeal(router, as: finance).status == 403)
        }
    }

    @Test("open deals follow a transferred customer to its new owner; a stale event changes nothing")
    func transferFollows() async throws {
        try await TestSchema.with(migrations: try migrations()) { client, _ in
            let router = DealsService.rpcRouter(postgres: client, logger: logger)
            try await seedCustomer(client)
            let dealID = try #require(try body(await createDeal(router))["id"]?.stringValue)
            let snapshot = CustomerSnapshot(
                id: customerID,
                name: "宁波精工紧固件有限公司",
                region: "east-china",
                industry: "fasteners",
                ownerID: "rep-2",
                contacts: [],
                version: 3
            )
            let transfer = CustomerTransferred(customer: snapshot, fromOwnerID: "rep-1", toOwnerID: "rep-2", byUserID: "sup-1")
            try await deliver(try EventEnvelope(transfer, source: "customers", subject: customerID, sequence: 3), to: client)
            try await seedCustomer(client, owner: "rep-1", sequence: 2)
            #expect(await router.handle(request(Operation.Deals.getDeal, as: rep, id: dealID), logger: logger).status == 404)
            let moved = await router.handle(request(Operation.Deals.getDeal, as: otherRep, id: dealID), logger: logger)
            #expect(try body(moved)["ownerId"]?.stringValue == "rep-2")
        }
    }

    @Test("lost needs a reason; reopen returns to the stage it was lost from; retries with one Idempotency-Key change once")
    func lostAndReopen() async throws {
        try await TestSchema.with(migrations: try migrations()) { client, _ in
            let router = DealsService.rpcRouter(postgres: client, logger: logger)
            try await seedCustomer(client)
            let dealID = try #require(try body(await createDeal(router))["id"]?.stringValue)
            #expect(
                await router.handle(request(Operation.Deals.changeStage, #"{"stage":"lost"}"#, as: rep, id: dealID), logger: logger).status == 422
            )
            var lose = request(Operation.Deals.changeStage, #"{"stage":"lost","lostReason":"预算取消"}"#, as: rep, id: dealID)
            lose = RPCRequest(
                operation: lose.operation,
                body: lose.body,
                identity: rep,
                headers: lose.headers.merging([RPC.Header.idempotencyKey: "k-1"]) { a, _ in a }
            )
            #expect(await router.handle(lose, logger: logger).status == 200)
            let again = await router.handle(lose, logger: logger)
            #expect(again.status == 200)
            #expect(try body(again)["stage"]?.stringValue == "lost")
            #expect(try await outbox(DealStageChanged.eventType, client).count == 2)
            let reopened = await router.handle(request(Operation.Deals.changeStage, #"{"stage":"reopen"}"#, as: rep, id: dealID), logger: logger)
            #expect(reopened.status == 200)
            #expect(try body(reopened)["stage"]?.stringValue == "lead")
            #expect(try body(reopened)["lostReason"] == nil)
        }
    }

    /// A page of `GET /deals/{id}/history` as a client decodes it.
    struct HistoryPage: Decodable {
        struct Change: Decodable {
            var fromStage: DealStage?
            var toStage: DealStage
            var lostReason: String?
            var changedBy: String
        }
        var items: [Change]
        var nextCursor: String?
    }

    @Test("a deal's stage history reads newest first, a page at a time, only within the caller's scope")
    func stageHistory() async throws {
        try await TestSchema.with(migrations: try migrations()) { client, _ in
            let router = DealsService.rpcRouter(postgres: client, logger: logger)
            try await seedCustomer(client)
            let dealID = try #require(try body(await createDeal(router))["id"]?.stringValue)
            for move in [#"{"stage":"qualified"}"#, #"{"stage":"lost","lostReason":"预算取消"}"#, #"{"stage":"reopen"}"#] {
                #expect(await router.handle(request(Operation.Deals.changeStage, move, as: rep, id: dealID), logger: logger).status == 200)
            }
            let history = GetDealHistoryHandler.operation
            let first = await router.handle(request(history, as: rep, id: dealID, query: "limit=2"), logger: logger)
            #expect(first.status == 200, "\(text(first))")
            let page1 = try JSONCoding.decoder.decode(HistoryPage.self, from: Data(first.body))
            #expect(page1.items.map(\.toStage) == [.qualified, .lost])
            #expect(page1.items.map(\.fromStage) == [.lost, .qualified])
            #expect(page1.items.last?.lostReason == "预算取消")
            let cursor = try #require(page1.nextCursor)
            let second = await router.handle(request(history, as: rep, id: dealID, query: "limit=2&cursor=\(cursor)"), logger: logger)
            let page2 = try JSONCoding.decoder.decode(HistoryPage.self, from: Data(second.body))
            #expect(page2.items.map(\.toStage) == [.qualified, .lead])
            #expect(page2.items.map(\.fromStage) == [.lead, nil])
            #expect(page2.items.allSatisfy { $0.changedBy == "rep-1" })
            #expect(page2.nextCursor == nil)
            #expect(await router.handle(request(history, as: otherRep, id: dealID), logger: logger).status == 404)
            #expect(await router.handle(request(history, as: rep, id: dealID, query: "cursor=bm90LWEtY3Vyc29y"), logger: logger).status == 422)
        }
    }

    @Test("one Idempotency-Key on two deals moves both: a key answers only for the record it was used on")
    func idempotencyKeyIsPerRecord() async throws {
        try await TestSchema.with(migrations: try migrations()) { client, _ in
            let router = DealsService.rpcRouter(postgres: client, logger: logger)
            try await seedCustomer(client)
            let first = try #require(try body(await createDeal(router))["id"]?.stringValue)
            let second = try #require(try body(await createDeal(router))["id"]?.stringValue)
            func qualify(_ dealID: String) -> RPCRequest {
                RPCRequest(
                    operation: Operation.Deals.changeStage,
                    body: Array(#"{"stage":"qualified"}"#.utf8),
                    identity: rep,
                    headers: [RPC.Header.pathID: dealID, RPC.Header.idempotencyKey: "move-to-qualified"]
                )
            }
            for dealID in [first, second] {
                let reply = await router.handle(qualify(dealID), logger: logger)
                #expect(reply.status == 200, "\(text(reply))")
                #expect(try body(reply)["id"]?.stringValue == dealID)
            }
            for dealID in [first, second] {
                let deal = await router.handle(request(Operation.Deals.getDeal, as: rep, id: dealID), logger: logger)
                #expect(try body(deal)["stage"]?.stringValue == "qualified", "deal \(dealID)")
            }
            // The same key, deal and body is still a replay: two creations and one change for each deal.
            #expect(await router.handle(qualify(first), logger: logger).status == 200)
            #expect(try await outbox("deal.stage_changed", client).count == 4)
        }
    }

}
