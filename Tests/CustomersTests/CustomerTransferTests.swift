import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Customers

/// A rep leaves and nothing is lost: their customers stay, their supervisor and up find them, and a transfer
/// moves them in one audited, published step.
@Suite("Customer transfer")
struct CustomerTransferTests {
    func migrations() throws -> [Migration] {
        try Migrator.load(bundleDirectory: try #require(CustomersService.migrationsDirectory))
    }

    func outbox(_ client: PostgresClient) async throws -> [(type: String, subject: String, sequence: Int64)] {
        let rows = try await client.query("SELECT type, subject, sequence FROM outbox ORDER BY position", logger: OrgFixture.logger)
        var events: [(String, String, Int64)] = []
        for try await row in rows.decode((String, String, Int64).self) { events.append(row) }
        return events
    }

    @Test("all of a deactivated rep's customers move to another rep; history and events show it")
    func deactivatedRep() async throws {
        try await TestSchema.with(migrations: try migrations()) { client, _ in
            var org = try await OrgFixture.seed(client)
            for name in ["g1", "g2", "g3"] {
                let created = await org.call(Operation.Customers.create, as: "rep-gone", OrgFixture.customerJSON(name: name))
                org.customers[name] = try #require(try OrgFixture.json(created)["id"]?.stringValue)
            }
            try await org.apply(
                UserDeactivated(user: OrgFixture.user("rep-gone", .rep, "east-china", supervisor: "sup-1", active: false, version: 2)),
                subject: "rep-gone",
                sequence: 2
            )
            // Deactivation changes no customer: the supervisor and up still find them by owner; others see none.
            let gone: Set = ["g1", "g2", "g3"]
            for user in ["sup-1", "rm-east", "gm"] {
                #expect(try org.names(in: await org.call(Operation.Customers.list, as: user, query: "owner=rep-gone")) == gone, "\(user)")
            }
            for user in ["rep-1", "sup-2", "rm-north"] {
                #expect(try org.names(in: await org.call(Operation.Customers.list, as: user, query: "owner=rep-gone")).isEmpty, "\(user)")
            }
            // Another supervisor moves nothing of them.
            let foreign = await org.call(Operation.Customers.transfer, as: "sup-2", #"{"fromUserId":"rep-gone","toUserId":"rep-2"}"#)
            #expect(foreign.status == 200)
            #expect(try OrgFixture.json(foreign)["transferred"] == .number(0))

            let eventsBefore = try await outbox(client).count
            let transfer = await org.call(Operation.Customers.transfer, as: "sup-1", #"{"fromUserId":"rep-gone","toUserId":"rep-1"}"#)
            #expect(transfer.status == 200, "\(String(decoding: transfer.body, as: UTF8.self))")
            let result = try OrgFixture.json(transfer)
            #expect(result["transferred"] == .number(3))
            guard case .array(let moved)? = result["customerIds"] else { throw Problem.badRequest("no customerIds") }
            #expect(Set(moved.compactMap(\.stringValue)) == Set(gone.compactMap { org.customers[$0] }))

            #expect(try org.names(in: await org.call(Operation.Customers.list, as: "sup-1", query: "owner=rep-gone")).isEmpty)
            #expect(try org.names(in: await org.call(Operation.Customers.list, as: "rep-1")) == gone.union(["c1"]))

            let events = try await outbox(client).dropFirst(eventsBefore)
            #expect(events.count == 3)
            #expect(events.allSatisfy { $0.type == CustomerTransferred.eventType && $0.sequence == 2 })
            #expect(Set(events.map(\.subject)) == Set(gone.compactMap { org.customers[$0] }))
            let payloads = try await client.query(
                "SELECT envelope::text FROM outbox WHERE type = \(CustomerTransferred.eventType)",
                logger: OrgFixture.logger
            )
            for try await text in payloads.decode(String.self) {
                let event = try EventEnvelope.decode(from: Array(text.utf8)).decodeData(as: CustomerTransferred.self)
                #expect(event.fromOwnerID == "rep-gone" && event.toOwnerID == "rep-1" && event.byUserID == "sup-1")
                #expect(event.customer.ownerID == "rep-1" && event.customer.version == 2)
            }

            let history = try OrgFixture.json(await org.call(Operation.Customers.history, as: "rep-1", id: org.customers["g1"]))
            guard case .array(let items)? = history["items"] else { throw Problem.badRequest("no items") }
            #expect(items.compactMap { $0["action"]?.stringValue } == ["transferred", "created"])
            #expect(items.first?["actorId"]?.stringValue == "sup-1")
            #expect(items.first?["changes"]?["owner"]?["from"]?.stringValue == "rep-gone")
            #expect(items.first?["changes"]?["owner"]?["to"]?.stringValue == "rep-1")
            #expect(items.last?["actorId"]?.stringValue == "rep-gone")
            #expect(items.last?["changes"]?["owner"]?["to"]?.stringValue == "rep-gone")
        }
    }

    @Test("a rep cannot transfer, not even their own customers")
    func repCannotTransfer() async throws {
        try await TestSchema.with(migrations: try migrations()) { client, _ in
            let org = try await OrgFixture.seed(client)
            let response = await org.call(Operation.Customers.transfer, as: "rep-1", #"{"fromUserId":"rep-1","toUserId":"rep-2"}"#)
            #expect(response.status == 403)
            #expect(try await org.owner(of: "c1") == "rep-1")
        }
    }

    @Test("a retried transfer with the same Idempotency-Key moves once and answers the same")
    func idempotentTransfer() async throws {
        try await TestSchema.with(migrations: try migrations()) { client, _ in
            let org = try await OrgFixture.seed(client)
            let body = #"{"customerIds":["\#(org.customers["c1"] ?? "")"],"toUserId":"rep-2"}"#
            var headers = OrgFixture.identity("rm-east").headers
            headers[RPC.Header.idempotencyKey] = "move-1"
            let request = RPCRequest(
                operation: Operation.Customers.transfer,
                body: Array(body.utf8),
                identity: OrgFixture.identity("rm-east"),
                headers: headers
            )
            let first = await org.router.handle(request, logger: OrgFixture.logger)
            let second = await org.router.handle(request, logger: OrgFixture.logger)
            #expect(first.status == 200 && second.status == 200)
            #expect(first.body == second.body)
            let transferred = try await outbox(client).filter { $0.type == CustomerTransferred.eventType }
            #expect(transferred.count == 1)
        }
    }

    @Test("updates are audited field by field, newest first")
    func updateHistory() async throws {
        try await TestSchema.with(migrations: try migrations()) { client, _ in
            let org = try await OrgFixture.seed(client)
            #expect(await org.call(Operation.Customers.update, as: "rep-1", #"{"industry":"bearings"}"#, id: org.customers["c1"]).status == 200)
            // A no-op writes no history line.
            #expect(await org.call(Operation.Customers.update, as: "rep-1", #"{"industry":"bearings"}"#, id: org.customers["c1"]).status == 200)
            let history = try OrgFixture.json(await org.call(Operation.Customers.history, as: "sup-1", id: org.customers["c1"]))
            guard case .array(let items)? = history["items"] else { throw Problem.badRequest("no items") }
            #expect(items.compactMap { $0["action"]?.stringValue } == ["updated", "created"])
            #expect(items[0]["actorId"]?.stringValue == "rep-1")
            #expect(items[0]["changes"] == .object(["industry": .object(["from": .string("fasteners"), "to": .string("bearings")])]))
            #expect(items[1]["actorId"]?.stringValue == "gm")
            #expect(items[1]["changes"]?["name"]?["from"] == .null)
        }
    }

    @Test("the user replica keeps the newest version whatever order events arrive in")
    func replicaOrder() async throws {
        try await TestSchema.with(migrations: try migrations()) { client, _ in
            let org = try await OrgFixture.seed(client)
            let repository = OrgReplica(logger: OrgFixture.logger)
            // v3 (moved to north-china) arrives before v2 (deactivated in east-china): v2 changes nothing.
            try await org.apply(
                UserUpdated(user: OrgFixture.user("rep-2", .rep, "north-china", supervisor: "rm-north", version: 3), changedFields: ["region"]),
                subject: "rep-2",
                sequence: 3
            )
            try await org.apply(
                UserDeactivated(user: OrgFixture.user("rep-2", .rep, "east-china", supervisor: "sup-2", active: false, version: 2)),
                subject: "rep-2",
                sequence: 2
            )
            let user = try await client.withConnection { try await repository.user(id: "rep-2", on: $0) }.map(ReplicatedUser.init)
            #expect(user == ReplicatedUser(id: "rep-2", role: .rep, region: "north-china", supervisorID: "rm-north", active: true))
            // Now rm-north may assign rep-2, rm-east may not.
            #expect(await org.call(Operation.Customers.transfer, as: "rm-north", #"{"fromUserId":"rep-north","toUserId":"rep-2"}"#).status == 200)
            #expect(await org.call(Operation.Customers.transfer, as: "rm-east", #"{"fromUserId":"rep-1","toUserId":"rep-2"}"#).status == 422)
            // The customers stay with their owner when the owner is deactivated.
            try await org.apply(
                UserDeactivated(user: OrgFixture.user("rep-1", .rep, "east-china", supervisor: "sup-1", active: false, version: 2)),
                subject: "rep-1",
                sequence: 2
            )
            #expect(try await org.owner(of: "c1") == "rep-1")
        }
    }
}
