import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Customers

/// Every role against every customers operation, through the RPC router on a real schema: what it sees, what it
/// may change, and that whatever is out of its scope answers 404 exactly like an id that does not exist.
@Suite("Customer data scope")
struct CustomerScopeTests {
    /// One row of the table: a caller and what the scope table says they may do.
    struct Case: Sendable, CustomTestStringConvertible {
        var user: String
        /// The fixture customers (`c1`, `c2`, `c3`) the caller sees.
        var sees: Set<String>
        /// Status of creating an east-china customer without naming an owner.
        var create: Int
        /// Whether the caller may update what they see (finance: 403 on every write).
        var writes: Bool
        /// Whom the caller moves the customers they see to; `nil`: transfer is refused with 403.
        var transfersTo: String?

        var testDescription: String { user }
    }

    static let cases: [Case] = [
        Case(user: "rep-1", sees: ["c1"], create: 201, writes: true, transfersTo: nil),
        Case(user: "rep-2", sees: ["c2"], create: 201, writes: true, transfersTo: nil),
        Case(user: "sup-1", sees: ["c1"], create: 201, writes: true, transfersTo: "sup-1"),
        Case(user: "sup-2", sees: ["c2"], create: 201, writes: true, transfersTo: "sup-2"),
        Case(user: "rm-east", sees: ["c1", "c2"], create: 201, writes: true, transfersTo: "rep-2"),
        Case(user: "rm-north", sees: ["c3"], create: 422, writes: true, transfersTo: "rm-north"),
        Case(user: "gm", sees: ["c1", "c2", "c3"], create: 201, writes: true, transfersTo: "rep-north"),
        Case(user: "admin", sees: ["c1", "c2", "c3"], create: 201, writes: true, transfersTo: "rep-1"),
        Case(user: "finance", sees: ["c1", "c2", "c3"], create: 403, writes: false, transfersTo: nil),
    ]

    @Test("each role sees, changes, audits and transfers exactly its scope; the rest is 404", arguments: cases)
    func scope(_ row: Case) async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            var org = try await CustomerFixture.seed(service)
            let all = ["c1", "c2", "c3"]

            // list, also with filters that point outside the scope
            #expect(try await org.listed(as: row.user) == row.sees)
            #expect(
                try await org.listed(as: row.user, query: "owner=rep-north") == row.sees.intersection(["c3"])
            )
            #expect(
                try await org.listed(as: row.user, query: "region=east-china")
                    == row.sees.intersection(["c1", "c2"])
            )

            for name in all {
                let id = org.customers[name]
                let visible = row.sees.contains(name)
                #expect(await org.call(Operation.Customers.get, as: row.user, id: id).status == (visible ? 200 : 404), "get \(name)")
                #expect(await org.call(Operation.Customers.history, as: row.user, id: id).status == (visible ? 200 : 404), "history \(name)")
                let update = await org.call(Operation.Customers.update, as: row.user, #"{"notes":"seen by \#(row.user)"}"#, id: id)
                #expect(update.status == (!row.writes ? 403 : visible ? 200 : 404), "update \(name)")
            }
            // A scope miss looks exactly like an id that does not exist.
            let missing = await org.call(Operation.Customers.get, as: row.user, id: UUID().uuidString)
            if let hidden = all.first(where: { !row.sees.contains($0) }) {
                let outOfScope = await org.call(Operation.Customers.get, as: row.user, id: org.customers[hidden])
                #expect(outOfScope.status == missing.status)
                #expect(try outOfScope.problem().type == missing.problem().type)
            }

            // create: owner is the caller; a regional manager only in their region
            let created = await org.call(Operation.Customers.create, as: row.user, CustomerFixture.customerJSON(name: "new"))
            #expect(created.status == row.create, "create: \(created.text)")
            if created.status == 201 {
                let customer = try created.decode(Customer.self)
                #expect(customer.ownerID == row.user)
                org.customers["new"] = customer.id.description
            }

            // transfer: everything out of scope is 404 and moves nothing; what is in scope moves
            let hidden = all.filter { !row.sees.contains($0) }
            let target = row.transfersTo ?? row.user
            for name in hidden {
                let before = try await org.owner(of: name)
                let response = await org.call(
                    Operation.Customers.transfer,
                    as: row.user,
                    #"{"customerIds":["\#(org.customers[name] ?? "")"],"toUserId":"\#(target)"}"#
                )
                #expect(response.status == (row.transfersTo == nil ? 403 : 404), "transfer \(name)")
                #expect(try await org.owner(of: name) == before)
            }
            let seen = row.sees.sorted().compactMap { org.customers[$0] }
            let list = seen.map { #""\#($0)""# }.joined(separator: ",")
            let transfer = await org.call(Operation.Customers.transfer, as: row.user, #"{"customerIds":[\#(list)],"toUserId":"\#(target)"}"#)
            guard let to = row.transfersTo else {
                #expect(transfer.status == 403)
                return
            }
            #expect(transfer.status == 200, "transfer: \(transfer.text)")
            for name in row.sees { #expect(try await org.owner(of: name) == to, "owner of \(name)") }
            // A mix of visible and hidden ids is refused as a whole.
            if let hiddenName = hidden.first, let visibleID = seen.first, let hiddenID = org.customers[hiddenName] {
                let before = try await org.owner(of: hiddenName)
                let refused = await org.call(
                    Operation.Customers.transfer,
                    as: row.user,
                    #"{"customerIds":["\#(visibleID)","\#(hiddenID)"],"toUserId":"\#(row.user)"}"#
                )
                #expect(refused.status == 404)
                #expect(try await org.owner(of: hiddenName) == before)
                #expect(try await org.owner(of: row.sees.sorted()[0]) == to)
            }
        }
    }

    @Test(
        "an RPC without identity headers is refused with 401",
        arguments: [
            Operation.Customers.create, Operation.Customers.get, Operation.Customers.list, Operation.Customers.update,
            Operation.Customers.transfer, Operation.Customers.history,
        ]
    )
    func noIdentity(operation: String) async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let org = try await CustomerFixture.seed(service)
            let body =
                operation == Operation.Customers.transfer ? #"{"fromUserId":"rep-1","toUserId":"rep-2"}"# : CustomerFixture.customerJSON(name: "x")
            let response = await org.call(operation, as: nil, body, id: org.customers["c1"])
            #expect(response.status == 401)
            #expect(response.contentType == Problem.contentType)
            #expect(try await service.count("customers") == 3)
        }
    }

    @Test(
        "owner rules on create and transfer",
        arguments: [
            ("rep-1", "rep-2", 422),  // a rep owns what they create
            ("rep-1", "rep-1", 201),
            ("sup-1", "rep-1", 201),  // within the team
            ("sup-1", "rep-2", 422),  // another team
            ("sup-1", "rep-gone", 422),  // in the team, but deactivated
            ("rm-east", "rep-2", 201),  // within the region
            ("rm-east", "rep-north", 422),  // another region
            ("gm", "rep-north", 201),
            ("gm", "nobody", 422),  // unknown user
        ]
    )
    func ownerRules(caller: String, owner: String, status: Int) async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            var org = try await CustomerFixture.seed(service)
            let gone = Org.user("rep-gone").updated(version: 2) { $0.active = false }
            try await org.deliver(UserDeactivated(user: gone), about: gone)
            let created = await org.call(Operation.Customers.create, as: caller, CustomerFixture.customerJSON(name: "n", owner: owner))
            #expect(created.status == status, "\(created.text)")
            if status == 201 { #expect(try created.decode(Customer.self).ownerID == owner) }
            if status == 422 { #expect(try created.problem().errors?.first?.field == "ownerId") }

            guard caller != "rep-1" else { return }
            // The same rule decides the target of a transfer; the customer is in the caller's scope either way.
            let mine = try await org.create("m", as: caller)
            let transfer = await org.call(Operation.Customers.transfer, as: caller, #"{"customerIds":["\#(mine.id)"],"toUserId":"\#(owner)"}"#)
            #expect(transfer.status == (status == 201 ? 200 : 422))
        }
    }

    @Test("a changed owner goes through transfer only; update refuses it")
    func updateCannotChangeOwner() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let org = try await CustomerFixture.seed(service)
            let response = await org.call(Operation.Customers.update, as: "gm", #"{"ownerId":"rep-2"}"#, id: org.customers["c1"])
            #expect(response.status == 422)
            #expect(try await org.owner(of: "c1") == "rep-1")
            // Naming the current owner is no change and is accepted.
            #expect(
                await org.call(Operation.Customers.update, as: "rep-1", #"{"ownerId":"rep-1","industry":"gears"}"#, id: org.customers["c1"]).status
                    == 200
            )
        }
    }

    @Test("a regional manager cannot move a customer out of their region by update")
    func updateStaysInRegion() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let org = try await CustomerFixture.seed(service)
            let response = await org.call(Operation.Customers.update, as: "rm-east", #"{"region":"north-china"}"#, id: org.customers["c1"])
            #expect(response.status == 422)
            #expect(try await org.call(Operation.Customers.get, as: "gm", id: org.customers["c1"]).decode(Customer.self).region == "east-china")
        }
    }

    @Test(
        "a transfer body names exactly one selection and a target",
        arguments: [
            #"{"toUserId":"rep-1"}"#,
            #"{"customerIds":[],"toUserId":"rep-1"}"#,
            #"{"customerIds":["not-a-uuid"],"toUserId":"rep-1"}"#,
            #"{"customerIds":["00000000-0000-0000-0000-000000000001"],"fromUserId":"rep-2","toUserId":"rep-1"}"#,
            #"{"fromUserId":"rep-2"}"#,
            #"{"fromUserId":"rep-2","toUserId":"rep-2"}"#,
        ]
    )
    func transferValidation(json: String) async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let org = try await CustomerFixture.seed(service)
            #expect(await org.call(Operation.Customers.transfer, as: "gm", json).status == 422)
        }
    }
}
