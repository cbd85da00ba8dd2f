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
    /// Deactivates rep-gone, who owns g1, g2 and g3 besides the fixture's customers.
    func withGoneRep(_ body: @Sendable (CustomerFixture) async throws -> Void) async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            var org = try await CustomerFixture.seed(service)
            for name in ["g1", "g2", "g3"] { try await org.create(name, as: "rep-gone") }
            let gone = Org.user("rep-gone").updated(version: 2) { $0.active = false }
            try await org.deliver(UserDeactivated(user: gone), about: gone)
            try await body(org)
        }
    }

    static let gone: Set = ["g1", "g2", "g3"]

    @Test("a deactivated rep's customers stay theirs: the supervisor and up find them by owner, others see none")
    func deactivatedRepKeepsCustomers() async throws {
        try await withGoneRep { org in
            for user in ["sup-1", "rm-east", "gm"] {
                let found = try await org.listed(as: user, query: "owner=rep-gone")
                #expect(found == Self.gone, "\(user)")
            }
            for user in ["rep-1", "sup-2", "rm-north"] {
                let found = try await org.listed(as: user, query: "owner=rep-gone")
                #expect(found.isEmpty, "\(user)")
            }
        }
    }

    @Test("another supervisor's transfer of a deactivated rep moves nothing")
    func foreignSupervisorMovesNothing() async throws {
        try await withGoneRep { org in
            let foreign = await org.call(Operation.Customers.transfer, as: "sup-2", #"{"fromUserId":"rep-gone","toUserId":"rep-2"}"#)
            #expect(foreign.status == 200)
            let result = try foreign.decode(TransferResult.self)
            #expect(result.transferred == 0)
            let stillThere = try await org.listed(as: "sup-1", query: "owner=rep-gone")
            #expect(stillThere == Self.gone)
        }
    }

    @Test("all of a deactivated rep's customers move to another rep; history and events show it")
    func deactivatedRep() async throws {
        try await withGoneRep { org in
            let eventsBefore = try await org.service.outbox().count
            let transfer = await org.call(Operation.Customers.transfer, as: "sup-1", #"{"fromUserId":"rep-gone","toUserId":"rep-1"}"#)
            #expect(transfer.status == 200, "\(transfer.text)")
            let result = try transfer.decode(TransferResult.self)
            #expect(result.transferred == 3)
            #expect(Set(result.customerIds) == Set(Self.gone.compactMap { org.customers[$0] }))
            #expect(try await org.listed(as: "sup-1", query: "owner=rep-gone").isEmpty)
            #expect(try await org.listed(as: "rep-1") == Self.gone.union(["c1"]))

            let events = try await org.service.outbox().dropFirst(eventsBefore)
            #expect(events.count == 3)
            #expect(events.allSatisfy { $0.type == CustomerTransferred.eventType && $0.sequence == 2 })
            #expect(Set(events.map(\.subject)) == Set(Self.gone.compactMap { org.customers[$0] }))
            for event in try await org.service.outbox(CustomerTransferred.self) {
                #expect(event.fromOwnerID == "rep-gone" && event.toOwnerID == "rep-1" && event.byUserID == "sup-1")
                #expect(event.customer.ownerID == "rep-1" && event.customer.version == 2)
            }

            let history = try await org.call(Operation.Customers.history, as: "rep-1", id: org.customers["g1"]).decode(ListPage<HistoryLine>.self)
                .items
            #expect(history.map(\.action) == [.transferred, .created])
            #expect(history.first?.actorId == "sup-1")
            #expect(history.first?.changes["owner"]?["from"]?.stringValue == "rep-gone")
            #expect(history.first?.changes["owner"]?["to"]?.stringValue == "rep-1")
            #expect(history.last?.actorId == "rep-gone")
            #expect(history.last?.changes["owner"]?["to"]?.stringValue == "rep-gone")
        }
    }

    @Test("a rep cannot transfer, not even their own customers")
    func repCannotTransfer() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let org = try await CustomerFixture.seed(service)
            let response = await org.call(Operation.Customers.transfer, as: "rep-1", #"{"fromUserId":"rep-1","toUserId":"rep-2"}"#)
            #expect(response.status == 403)
            #expect(try await org.owner(of: "c1") == "rep-1")
        }
    }

    @Test("a retried transfer with the same Idempotency-Key moves once and answers the same")
    func idempotentTransfer() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let org = try await CustomerFixture.seed(service)
            let body = #"{"customerIds":["\#(org.customers["c1"] ?? "")"],"toUserId":"rep-2"}"#
            let first = await service.call(Operation.Customers.transfer, as: "rm-east", body, key: "move-1")
            let second = await service.call(Operation.Customers.transfer, as: "rm-east", body, key: "move-1")
            #expect(first.status == 200 && second.status == 200)
            #expect(first.body == second.body)
            #expect(try await service.outbox(type: CustomerTransferred.eventType).count == 1)
        }
    }

    @Test("updates are audited field by field, newest first")
    func updateHistory() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let org = try await CustomerFixture.seed(service)
            #expect(await org.call(Operation.Customers.update, as: "rep-1", #"{"industry":"bearings"}"#, id: org.customers["c1"]).status == 200)
            // A no-op writes no history line.
            #expect(await org.call(Operation.Customers.update, as: "rep-1", #"{"industry":"bearings"}"#, id: org.customers["c1"]).status == 200)
            let history = try await org.call(Operation.Customers.history, as: "sup-1", id: org.customers["c1"]).decode(ListPage<HistoryLine>.self)
                .items
            #expect(history.map(\.action) == [.updated, .created])
            #expect(history[0].actorId == "rep-1")
            #expect(history[0].changes == ["industry": .object(["from": .string("fasteners"), "to": .string("bearings")])])
            #expect(history[1].actorId == "gm")
            #expect(history[1].changes["name"]?["from"] == .null)
        }
    }

    @Test("the user replica keeps the newest version whatever order events arrive in")
    func replicaOrder() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let org = try await CustomerFixture.seed(service)
            let repository = OrgReplica(logger: service.logger)
            // v3 (moved to north-china) arrives before v2 (deactivated in east-china): v2 changes nothing.
            let moved = Org.user("rep-2").updated(version: 3) {
                $0.region = "north-china"
                $0.supervisorID = "rm-north"
            }
            try await org.deliver(UserUpdated(user: moved, changedFields: ["region"]), about: moved)
            let deactivated = Org.user("rep-2").updated(version: 2) { $0.active = false }
            try await org.deliver(UserDeactivated(user: deactivated), about: deactivated)
            let user = try await service.client.withConnection { try await repository.user(id: "rep-2", on: $0) }.map(ReplicatedUser.init)
            #expect(user == ReplicatedUser(id: "rep-2", role: .rep, region: "north-china", supervisorID: "rm-north", active: true))
            // Now rm-north may assign rep-2, rm-east may not.
            #expect(await org.call(Operation.Customers.transfer, as: "rm-north", #"{"fromUserId":"rep-north","toUserId":"rep-2"}"#).status == 200)
            #expect(await org.call(Operation.Customers.transfer, as: "rm-east", #"{"fromUserId":"rep-1","toUserId":"rep-2"}"#).status == 422)
        }
    }

    @Test("the customers stay with their owner when the owner is deactivated")
    func ownerDeactivated() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let org = try await CustomerFixture.seed(service)
            let deactivated = Org.user("rep-1").updated(version: 2) { $0.active = false }
            try await org.deliver(UserDeactivated(user: deactivated), about: deactivated)
            #expect(try await org.owner(of: "c1") == "rep-1")
        }
    }
}
