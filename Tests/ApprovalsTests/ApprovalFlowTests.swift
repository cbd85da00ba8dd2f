import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Approvals

/// The approval saga's approvals side against a real PostgreSQL schema: events in through the registered handlers
/// (inside an inbox transaction, as the consumer runs them), decisions through the RPC router.
@Suite("Approval flow")
struct ApprovalFlowTests {
    let logger = Logger(label: "test.approvals")

    static let users: [UserSnapshot] = [
        user("rep-1", .rep, "east", supervisor: "sup-1", mobile: "13800000001"),
        user("rep-2", .rep, "east", supervisor: "sup-1"),
        user("sup-1", .supervisor, "east", supervisor: "rm-east", mobile: "13800000002"),
        user("rm-east", .regionalManager, "east", supervisor: "gm"),
        user("gm", .gm, nil, supervisor: nil),
        user("admin", .admin, nil, supervisor: nil),
    ]

    static func user(_ id: String, _ role: Role, _ region: String?, supervisor: String?, mobile: String? = nil) -> UserSnapshot {
        UserSnapshot(
            id: id,
            username: id,
            displayName: "name-\(id)",
            role: role,
            region: region,
            supervisorID: supervisor,
            mobile: mobile,
            wecomUserID: nil,
            active: true,
            version: 1
        )
    }

    static func identity(_ id: String) -> CallerIdentity {
        let user = users.first { $0.id == id }
        return CallerIdentity(userID: id, role: user?.role ?? .rep, region: user?.region, team: users.filter { $0.supervisorID == id }.map(\.id))
    }

    struct Harness {
        let client: PostgresClient
        let router: RPCRouter
        let registry: EventHandlerRegistry
        let logger: Logger

        func deliver(_ envelope: EventEnvelope) async throws {
            let handler = try #require(registry.handler(for: envelope.type))
            try await client.withTransaction(logger: logger) { connection in
                guard try await Inbox.claim(messageID: envelope.id, type: envelope.type, consumer: "approvals", on: connection, logger: logger) else {
                    return
                }
                try await handler(envelope, connection, logger)
            }
        }

        func submit(
            amountFen: Fen,
            contract: String = UUID().uuidString,
            owner: String = "rep-1",
            submitter: String = "rep-1"
        ) async throws -> EventEnvelope {
            let event = ContractSubmitted(
                contractID: contract,
                number: "HT-2026-000123",
                dealID: "deal-1",
                customerID: "c-1",
                customerName: "宁波精工",
                ownerID: owner,
                region: "east",
                amountFen: amountFen,
                lines: [],
                submittedBy: submitter,
                submittedAt: Date()
            )
            let envelope = try EventEnvelope(event, source: "deals", subject: contract, sequence: 2)
            try await deliver(envelope)
            return envelope
        }

        func call(
            _ operation: String,
            as user: String,
            id: String? = nil,
            body: String = "",
            query: String? = nil,
            key: String? = nil
        ) async -> RPCResponse {
            var headers: [String: String] = [:]
            if let id { headers[RPC.Header.pathID] = id }
            if let query { headers[RPC.Header.query] = query }
            if let key { headers[RPC.Header.idempotencyKey] = key }
            return await router.handle(
                RPCRequest(operation: operation, body: Array(body.utf8), identity: ApprovalFlowTests.identity(user), headers: headers),
                logger: logger
            )
        }

        /// The caller's queue: approval ids waiting for them.
        func queue(of user: String) async throws -> [String] {
            let response = await call(Operation.Approvals.list, as: user, query: "status=pending")
            let page = try JSONCoding.decoder.decode(JSONValue.self, from: Data(response.body))
            guard case .array(let items)? = page["items"] else { return [] }
            return items.compactMap { $0["id"]?.stringValue }
        }

        /// Step `index` of the approval, as `approvals.get` answers it to `user`.
        func step(_ index: Int, of id: String, as user: String) async throws -> JSONValue? {
            let response = await call(Operation.Approvals.get, as: user, id: id)
            #expect(response.status == 200)
            guard case .array(let steps)? = try JSONCoding.decoder.decode(JSONValue.self, from: Data(response.body))["steps"] else { return nil }
            return steps.indices.contains(index) ? steps[index] : nil
        }

        /// The outbox as `type` list, in order.
        func outbox() async throws -> [(String, JSONValue)] {
            let rows = try await client.query("SELECT type, envelope::text FROM outbox ORDER BY sequence, created_at", logger: logger)
            var events: [(String, JSONValue)] = []
            for try await (type, text) in rows.decode((String, String).self) {
                let envelope = try EventEnvelope.decode(from: Array(text.utf8))
                events.append((type, envelope.data))
            }
            return events
        }
    }

    func withHarness(_ body: @Sendable (Harness) async throws -> Void) async throws {
        let migrations = try Migrator.load(bundleDirectory: try #require(ApprovalsService.migrationsDirectory))
        let logger = self.logger
        try await TestSchema.with(migrations: migrations) { client, _ in
            let harness = Harness(
                client: client,
                router: ApprovalsService.rpcRouter(postgres: client, logger: logger),
                registry: ApprovalsService.eventHandlers(logger: logger),
                logger: logger
            )
            for user in Self.users {
                try await harness.deliver(try EventEnvelope(UserCreated(user: user), source: "gateway", subject: user.id, sequence: 1))
            }
            try await body(harness)
        }
    }

    @Test("an 80,000 CNY contract goes supervisor → regional manager → gm, each in turn, and completes approved")
    func threeSteps() async throws {
        try await withHarness { harness in
            let submitted = try await harness.submit(amountFen: 8_000_000)
            // A redelivery (same message id) and a re-sent event (new id) both leave one approval.
            try await harness.deliver(submitted)
            var again = submitted
            again.id = UUID()
            try await harness.deliver(again)
            let queue = try await harness.queue(of: "sup-1")
            #expect(queue.count == 1)
            let id = try #require(queue.first)
            #expect(try await harness.queue(of: "rm-east").isEmpty)

            for approver in ["sup-1", "rm-east", "gm"] {
                #expect(try await harness.queue(of: approver) == [id])
                let response = await harness.call(Operation.Approvals.approve, as: approver, id: id, body: #"{"comment":"ok"}"#)
                #expect(response.status == 200, "\(approver): \(String(decoding: response.body, as: UTF8.self))")
                #expect(try await harness.queue(of: approver).isEmpty)
            }

            let events = try await harness.outbox()
            #expect(
                events.map(\.0) == [
                    "approval.requested", "approval.step_assigned", "approval.step_decided", "approval.step_assigned",
                    "approval.step_decided", "approval.step_assigned", "approval.step_decided", "approval.completed",
                ]
            )
            let assigned = events.filter { $0.0 == "approval.step_assigned" }.map(\.1)
            #expect(assigned.map { $0["approverID"]?.stringValue } == ["sup-1", "rm-east", "gm"])
            #expect(assigned.first?["approverMobile"]?.stringValue == "13800000002")
            #expect(assigned.first?["customerName"]?.stringValue == "宁波精工")
            #expect(events.first?.1["policyVersion"] == .number(1))
            #expect(events.last?.1["outcome"]?.stringValue == "approved")
            if case .number(let days)? = events.last?.1["workingDays"] { #expect(days >= 0 && days < 1) }

            let fetched = await harness.call(Operation.Approvals.get, as: "rep-1", id: id)
            #expect(try JSONCoding.decoder.decode(JSONValue.self, from: Data(fetched.body))["status"]?.stringValue == "approved")
        }
    }

    @Test("a 30,000 CNY contract needs the supervisor alone")
    func supervisorOnly() async throws {
        try await withHarness { harness in
            _ = try await harness.submit(amountFen: 3_000_000)
            let id = try #require(try await harness.queue(of: "sup-1").first)
            #expect(await harness.call(Operation.Approvals.approve, as: "sup-1", id: id).status == 200)
            #expect(
                try await harness.outbox().map(\.0) == [
                    "approval.requested", "approval.step_assigned", "approval.step_decided", "approval.completed",
                ]
            )
            #expect(try await harness.queue(of: "rm-east").isEmpty)
        }
    }

    @Test("a rejection at step 2 needs a comment and ends the approval as rejected")
    func rejectAtStepTwo() async throws {
        try await withHarness { harness in
            _ = try await harness.submit(amountFen: 8_000_000)
            let id = try #require(try await harness.queue(of: "sup-1").first)
            #expect(await harness.call(Operation.Approvals.approve, as: "sup-1", id: id).status == 200)
            #expect(await harness.call(Operation.Approvals.reject, as: "rm-east", id: id).status == 422)
            #expect(await harness.call(Operation.Approvals.reject, as: "rm-east", id: id, body: #"{"comment":"  "}"#).status == 422)
            let rejected = await harness.call(Operation.Approvals.reject, as: "rm-east", id: id, body: #"{"comment":"价格太低"}"#)
            #expect(rejected.status == 200)
            let events = try await harness.outbox()
            #expect(events.last?.0 == "approval.completed")
            #expect(events.last?.1["outcome"]?.stringValue == "rejected")
            #expect(events.last?.1["comment"]?.stringValue == "价格太低")
            #expect(try await harness.queue(of: "gm").isEmpty)
            #expect(await harness.call(Operation.Approvals.approve, as: "gm", id: id).status == 409)
        }
    }

    @Test("only the assigned approver decides: 404 for who cannot see it, 403 for who can, 401 without identity")
    func nonApprover() async throws {
        try await withHarness { harness in
            _ = try await harness.submit(amountFen: 8_000_000)
            let id = try #require(try await harness.queue(of: "sup-1").first)
            #expect(await harness.call(Operation.Approvals.approve, as: "rep-2", id: id).status == 404)
            #expect(await harness.call(Operation.Approvals.approve, as: "rm-east", id: id).status == 403)
            #expect(await harness.call(Operation.Approvals.approve, as: "gm", id: id).status == 403)
            #expect(await harness.call(Operation.Approvals.approve, as: "rep-1", id: id).status == 403)
            let anonymous = await harness.router.handle(
                RPCRequest(operation: Operation.Approvals.list, headers: [RPC.Header.query: "status=pending"]),
                logger: harness.logger
            )
            #expect(anonymous.status == 401)
            #expect(await harness.call(Operation.Approvals.approve, as: "sup-1", id: UUID().uuidString).status == 404)
        }
    }

    @Test("two approvals racing on one step: one wins, the other gets 409; a repeated Idempotency-Key gets the first answer")
    func racing() async throws {
        try await withHarness { harness in
            _ = try await harness.submit(amountFen: 8_000_000)
            let id = try #require(try await harness.queue(of: "sup-1").first)
            async let first = harness.call(Operation.Approvals.approve, as: "sup-1", id: id, key: "k-1")
            async let second = harness.call(Operation.Approvals.approve, as: "sup-1", id: id, key: "k-2")
            let statuses = await [first.status, second.status].sorted()
            #expect(statuses == [200, 409])
            let winner = statuses == [200, 409] ? "k-1" : "k-2"
            let repeated = await harness.call(Operation.Approvals.approve, as: "sup-1", id: id, key: winner)
            #expect([200, 409].contains(repeated.status))
            #expect(try await harness.outbox().filter { $0.0 == "approval.step_decided" }.count == 1)
        }
    }

    @Test("a repeated approve with the same Idempotency-Key returns the first answer and decides once")
    func idempotentApprove() async throws {
        try await withHarness { harness in
            _ = try await harness.submit(amountFen: 8_000_000)
            let id = try #require(try await harness.queue(of: "sup-1").first)
            let first = await harness.call(Operation.Approvals.approve, as: "sup-1", id: id, key: "same")
            let second = await harness.call(Operation.Approvals.approve, as: "sup-1", id: id, key: "same")
            #expect(first.status == 200)
            #expect(second.status == 200)
            #expect(first.body == second.body)
            #expect(try await harness.outbox().filter { $0.0 == "approval.step_decided" }.count == 1)
        }
    }

    @Test("the submitter recalls a pending approval; afterwards nobody can decide it")
    func recall() async throws {
        try await withHarness { harness in
            _ = try await harness.submit(amountFen: 8_000_000)
            let id = try #require(try await harness.queue(of: "sup-1").first)
            #expect(await harness.call(Operation.Approvals.recall, as: "sup-1", id: id).status == 403)
            #expect(await harness.call(Operation.Approvals.recall, as: "rep-1", id: id).status == 200)
            #expect(try await harness.outbox().last?.1["outcome"]?.stringValue == "recalled")
            #expect(await harness.call(Operation.Approvals.approve, as: "sup-1", id: id).status == 409)
            #expect(await harness.call(Operation.Approvals.recall, as: "rep-1", id: id).status == 409)
        }
    }

    @Test("an admin puts a new policy version; new approvals record it; others may not read or change it")
    func policies() async throws {
        try await withHarness { harness in
            #expect(await harness.call(Operation.Approvals.getPolicies, as: "gm").status == 403)
            let body = #"{"tiers":[{"aboveFen":0,"steps":["supervisor"]},{"aboveFen":1000000,"steps":["supervisor","gm"]}]}"#
            #expect(await harness.call(Operation.Approvals.putPolicies, as: "sup-1", body: body).status == 403)
            #expect(await harness.call(Operation.Approvals.putPolicies, as: "admin", body: #"{"tiers":[]}"#).status == 422)
            let put = await harness.call(Operation.Approvals.putPolicies, as: "admin", body: body)
            #expect(put.status == 200)
            let current = try JSONCoding.decoder.decode(
                JSONValue.self,
                from: Data(await harness.call(Operation.Approvals.getPolicies, as: "admin").body)
            )
            #expect(current["version"] == .number(2))
            _ = try await harness.submit(amountFen: 2_000_000)
            let requested = try await harness.outbox().first { $0.0 == "approval.requested" }
            #expect(requested?.1["policyVersion"] == .number(2))
            #expect(requested?.1["steps"] == .array([.string("supervisor"), .string("gm")]))
        }
    }

    @Test("a supervisor who submits their rep's contract, or their own, does not get its supervisor step")
    func supervisorSubmits() async throws {
        try await withHarness { harness in
            _ = try await harness.submit(amountFen: 3_000_000, owner: "rep-1", submitter: "sup-1")
            #expect(try await harness.queue(of: "sup-1").isEmpty)
            let id = try #require(try await harness.queue(of: "rm-east").first)
            let step = try await harness.step(0, of: id, as: "sup-1")
            #expect(step?["approverId"]?.stringValue == "rm-east")
            #expect(step?["resolution"]?.stringValue == "escalated:regional_manager;skipped:sup-1=submitter")
            let assigned = try await harness.outbox().last { $0.0 == "approval.step_assigned" }
            #expect(assigned?.1["approverID"]?.stringValue == "rm-east")
            #expect(await harness.call(Operation.Approvals.approve, as: "rm-east", id: id).status == 200)

            _ = try await harness.submit(amountFen: 3_000_000, owner: "sup-1", submitter: "sup-1")
            #expect(try await harness.queue(of: "sup-1").isEmpty)
            #expect(try await harness.queue(of: "rm-east").count == 1)
        }
    }

    @Test("a gm's own 80,000 CNY contract: its gm step goes to an admin, and the gm cannot decide it")
    func gmsOwnContract() async throws {
        try await withHarness { harness in
            _ = try await harness.submit(amountFen: 8_000_000, owner: "gm", submitter: "gm")
            let id = try #require(try await harness.queue(of: "rm-east").first)
            for _ in 0..<2 {
                #expect(await harness.call(Operation.Approvals.approve, as: "rm-east", id: id).status == 200)
            }
            #expect(try await harness.queue(of: "gm").isEmpty)
            #expect(try await harness.queue(of: "admin") == [id])
            let step = try await harness.step(2, of: id, as: "gm")
            #expect(step?["approverId"]?.stringValue == "admin")
            #expect(step?["resolution"]?.stringValue == "admin;skipped:gm=owner+submitter")
            #expect(await harness.call(Operation.Approvals.approve, as: "gm", id: id).status == 403)
            #expect(await harness.call(Operation.Approvals.approve, as: "admin", id: id).status == 200)
            #expect(try await harness.outbox().last?.1["outcome"]?.stringValue == "approved")
        }
    }

    @Test("the contract's owner or submitter cannot decide a step even if it was assigned to them: 403")
    func partyRefusedAtDecision() async throws {
        try await withHarness { harness in
            _ = try await harness.submit(amountFen: 3_000_000, owner: "rep-1", submitter: "rep-2")
            let id = try #require(try await harness.queue(of: "sup-1").first)
            let approvalID = try #require(UUID(uuidString: id))
            for party in ["rep-2", "rep-1"] {
                // As if assigned before separation of duties, or by a hand-edited org chart.
                try await harness.client.query(
                    "UPDATE approval_steps SET approver_id = \(party) WHERE approval_id = \(approvalID) AND step = 0",
                    logger: harness.logger
                )
                let response = await harness.call(Operation.Approvals.approve, as: party, id: id)
                #expect(response.status == 403, "\(party): \(String(decoding: response.body, as: UTF8.self))")
            }
            #expect(try await harness.outbox().filter { $0.0 == "approval.step_decided" }.isEmpty)
        }
    }
}
