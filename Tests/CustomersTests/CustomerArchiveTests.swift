import Contracts
import Foundation
import ServiceRuntime
import TestSupport
import Testing

@testable import Customers

/// Archiving and restoring customers (issue 9).
@Suite("Customer archive")
struct CustomerArchiveTests {
    @Test("an archived customer leaves the default list, shows with archived=true or all, and comes back when restored")
    func archiveAndRestore() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let org = try await CustomerFixture.seed(service)
            let c1 = try #require(org.customers["c1"])
            let archived = await org.service.call(ArchiveCustomerHandler.archive, as: "rep-1", id: c1, key: "archive-c1")
            #expect(archived.status == 200, "\(archived.text)")
            let customer = try archived.decode(Customer.self)
            #expect(customer.archived && customer.archivedAt != nil && customer.version == 2)

            #expect(try await org.listed(as: "rep-1") == [])
            #expect(try await org.listed(as: "rep-1", query: "archived=true") == ["c1"])
            #expect(try await org.listed(as: "gm", query: "archived=all") == ["c1", "c2", "c3"])
            #expect(try await org.listed(as: "gm") == ["c2", "c3"])
            #expect(await org.call(Operation.Customers.list, as: "gm", query: "archived=yes").status == 422)
            // Still readable by id, flagged.
            #expect(try await org.call(Operation.Customers.get, as: "rep-1", id: c1).decode(Customer.self).archived)

            // Twice is a conflict; the same key is the same answer.
            #expect(await org.service.call(ArchiveCustomerHandler.archive, as: "rep-1", id: c1, key: "archive-c1").status == 200)
            #expect(await org.service.call(ArchiveCustomerHandler.archive, as: "rep-1", id: c1).status == 409)

            let restored = await org.service.call(ArchiveCustomerHandler.restore, as: "sup-1", id: c1)
            #expect(restored.status == 200, "\(restored.text)")
            let active = try restored.decode(Customer.self)
            #expect(!active.archived && active.archivedAt == nil && active.version == 3)
            #expect(try await org.listed(as: "rep-1") == ["c1"])
            #expect(await org.service.call(ArchiveCustomerHandler.restore, as: "sup-1", id: c1).status == 409)

            let history = try await org.call(Operation.Customers.history, as: "rep-1", id: c1).decode(ListPage<HistoryLine>.self)
            #expect(history.items.map(\.action) == [.restored, .archived, .created])
            #expect(history.items.map(\.actorId).prefix(2) == ["sup-1", "rep-1"])
            #expect(history.items[1].changes["archived"] == .object(["from": .bool(false), "to": .bool(true)]))

            let archivedEvents = try await org.service.outbox(CustomerArchived.self)
            let restoredEvents = try await org.service.outbox(CustomerRestored.self)
            #expect(archivedEvents.map(\.customer.archived) == [true] && archivedEvents.first?.byUserID == "rep-1")
            #expect(restoredEvents.map(\.customer.archived) == [false] && restoredEvents.first?.customer.version == 3)
            #expect(try await org.service.outbox(type: CustomerArchived.eventType).map(\.sequence) == [2])
        }
    }

    @Test("an archived customer cannot be edited (409, restore it first) and is unchanged; restored, it can be again")
    func archivedIsReadOnly() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let org = try await CustomerFixture.seed(service)
            let c1 = try #require(org.customers["c1"])
            #expect(await org.service.call(ArchiveCustomerHandler.archive, as: "rep-1", id: c1).status == 200)
            let updatesBefore = try await org.service.outbox(CustomerUpdated.self).count

            for patch in [#"{"notes":"still buying"}"#, #"{"notes":"still buying","version":2}"#, "{}"] {
                let refused = await org.call(Operation.Customers.update, as: "rep-1", patch, id: c1)
                #expect(refused.status == 409, "\(patch): \(refused.text)")
                let problem = try refused.decode(Problem.self)
                #expect(problem.type.hasSuffix("/customer-archived"))
                #expect(problem.detail?.contains("restore it first") == true, "\(problem)")
            }
            // Out of scope stays a 404: the 409 does not tell another rep that the customer exists.
            #expect(await org.call(Operation.Customers.update, as: "rep-2", #"{"notes":"x"}"#, id: c1).status == 404)
            let unchanged = try await org.call(Operation.Customers.get, as: "rep-1", id: c1).decode(Customer.self)
            #expect(unchanged.notes != "still buying" && unchanged.version == 2)
            #expect(try await org.service.outbox(CustomerUpdated.self).count == updatesBefore)

            #expect(await org.service.call(ArchiveCustomerHandler.restore, as: "rep-1", id: c1).status == 200)
            let edited = await org.call(Operation.Customers.update, as: "rep-1", #"{"notes":"still buying"}"#, id: c1)
            #expect(edited.status == 200, "\(edited.text)")
            #expect(try edited.decode(Customer.self).notes == "still buying")
        }
    }

    @Test("only who may change a customer archives it: another rep 404, finance 403, no identity 401")
    func scope() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let org = try await CustomerFixture.seed(service)
            let c1 = try #require(org.customers["c1"])
            #expect(await org.service.call(ArchiveCustomerHandler.archive, as: "rep-2", id: c1).status == 404)
            #expect(await org.service.call(ArchiveCustomerHandler.archive, as: "sup-2", id: c1).status == 404)
            #expect(await org.service.call(ArchiveCustomerHandler.archive, as: "finance", id: c1).status == 403)
            #expect(await org.service.call(ArchiveCustomerHandler.archive, as: nil as CallerIdentity?, id: c1).status == 401)
            #expect(await org.service.call(ArchiveCustomerHandler.archive, as: "rep-1", id: "not-an-id").status == 404)
            #expect(try await org.call(Operation.Customers.get, as: "gm", id: c1).decode(Customer.self).archived == false)
        }
    }
}
