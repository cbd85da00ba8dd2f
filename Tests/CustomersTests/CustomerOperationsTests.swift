import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Customers

/// The customers operations against a real PostgreSQL schema of their own, through the same router the RPC
/// server uses.
@Suite("Customer operations")
struct CustomerOperationsTests {
    static let rep = CallerIdentity(userID: "rep-1", role: .rep, region: "east-china")

    static let validCustomer = """
        {"name":"宁波精工紧固件有限公司","region":"east-china","industry":"fasteners",
         "contacts":[{"name":"王经理","phone":"13800138000","title":"采购经理"}]}
        """

    /// How many customers and outbox events the schema holds.
    struct Stored: Equatable {
        var customers: Int
        var events: Int
    }

    func stored(_ service: RPCHarness) async throws -> Stored {
        Stored(customers: try await service.count("customers"), events: try await service.count("outbox"))
    }

    /// Creates the valid customer as the rep.
    func createCustomer(_ service: RPCHarness) async throws -> Customer {
        let created = await service.call(Operation.Customers.create, as: Self.rep, Self.validCustomer)
        #expect(created.status == 201, "\(created.text)")
        return try created.decode(Customer.self)
    }

    @Test("a created customer is owned by its creator, reads back, and publishes customer.created")
    func create() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let created = try await createCustomer(service)
            #expect(created.ownerID == "rep-1")
            let fetched = await service.call(Operation.Customers.get, as: Self.rep, id: created.id.description)
            #expect(fetched.status == 200)
            #expect(try fetched.decode(Customer.self).name == "宁波精工紧固件有限公司")
            let listed = try await service.call(Operation.Customers.list, as: Self.rep, query: "region=east-china").decode(ListPage<Customer>.self)
            #expect(listed.items.map(\.id) == [created.id])
            #expect(try await service.outbox().map { "\($0.type)#\($0.sequence)" } == ["customer.created#1"])
        }
    }

    @Test("a patch changes the fields it names and the version; a stale version is a conflict")
    func patch() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let id = try await createCustomer(service).id.description
            let patched = await service.call(Operation.Customers.update, as: Self.rep, #"{"industry":"bearings","version":1}"#, id: id)
            #expect(patched.status == 200)
            let customer = try patched.decode(Customer.self)
            #expect(customer.industry == "bearings")
            #expect(customer.version == 2)
            let stale = await service.call(Operation.Customers.update, as: Self.rep, #"{"industry":"gears","version":1}"#, id: id)
            #expect(stale.status == 409)
            #expect(try await service.outbox().map { "\($0.type)#\($0.sequence)" } == ["customer.created#1", "customer.updated#2"])
            let history = try await service.call(Operation.Customers.history, as: Self.rep, id: id).decode(ListPage<HistoryLine>.self)
            #expect(history.items.map(\.action) == [.updated, .created])
        }
    }

    @Test("a customer's history comes a page at a time, newest first, every line once")
    func historyPages() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let id = try await createCustomer(service).id.description
            for industry in ["bearings", "gears", "springs", "valves"] {
                #expect(await service.call(Operation.Customers.update, as: Self.rep, #"{"industry":"\#(industry)"}"#, id: id).status == 200)
            }
            var lines: [HistoryLine] = []
            var cursor: String?
            repeat {
                let query = "limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await service.call(Operation.Customers.history, as: Self.rep, id: id, query: query).decode(ListPage<HistoryLine>.self)
                #expect(page.items.count <= 2)
                lines += page.items
                cursor = page.nextCursor
            } while cursor != nil && lines.count < 10
            #expect(lines.map(\.action) == [.updated, .updated, .updated, .updated, .created])
            let industries = lines.dropLast().compactMap { $0.changes["industry"]?["to"]?.stringValue }
            #expect(industries == ["valves", "springs", "gears", "bearings"])
            #expect(await service.call(Operation.Customers.history, as: Self.rep, id: id, query: "cursor=bogus").status == 422)
        }
    }

    @Test(
        "invalid input is refused with a problem document and nothing is written",
        arguments: [
            (#"{"region":"east-china","industry":"x","contacts":[{"name":"a","phone":"13800138000"}]}"#, 422),
            (#"{"name":"A","region":"east-china","industry":"x","contacts":[{"name":"a"}]}"#, 422),
            (#"{"name":"A","region":"East China","industry":"x","contacts":[{"name":"a","phone":"13800138000"}]}"#, 422),
            (#"{"name":"A","region":"east-china""#, 400),
            (#"{"name":42,"region":"east-china","industry":"x","contacts":[]}"#, 400),
            (#"[]"#, 400),
        ]
    )
    func invalidInput(json: String, status: Int) async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let response = await service.call(Operation.Customers.create, as: Self.rep, json)
            #expect(response.status == status)
            #expect(response.contentType == Problem.contentType)
            let problem = try response.problem()
            #expect(problem.status == status)
            #expect(try await stored(service) == Stored(customers: 0, events: 0))
        }
    }

    @Test("the same Idempotency-Key creates one customer and returns the first answer")
    func idempotentCreate() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            async let first = service.call(Operation.Customers.create, as: Self.rep, Self.validCustomer, key: "k-1")
            async let second = service.call(Operation.Customers.create, as: Self.rep, Self.validCustomer, key: "k-1")
            let (a, b) = await (first, second)
            #expect(a.status == 201 && b.status == 201)
            let (firstAnswer, secondAnswer) = (try a.decode(Customer.self), try b.decode(Customer.self))
            #expect(firstAnswer.id == secondAnswer.id)
            #expect(try await stored(service) == Stored(customers: 1, events: 1))
        }
    }

    @Test("another body under a used Idempotency-Key is refused")
    func reusedIdempotencyKey() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            #expect(await service.call(Operation.Customers.create, as: Self.rep, Self.validCustomer, key: "k-1").status == 201)
            let other = await service.call(Operation.Customers.create, as: Self.rep, #"{"name":"B"}"#, key: "k-1")
            #expect(other.status == 422)
            let written = try await stored(service)
            #expect(written == Stored(customers: 1, events: 1))
        }
    }

    @Test("an unknown or malformed id answers 404")
    func unknownID() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            #expect(await service.call(Operation.Customers.get, as: Self.rep, id: UUID().uuidString).status == 404)
            #expect(await service.call(Operation.Customers.get, as: Self.rep, id: "../etc").status == 404)
            #expect(await service.call(Operation.Customers.update, as: Self.rep, "{}", id: UUID().uuidString).status == 404)
        }
    }

    @Test("pages follow the cursor without gaps or repeats")
    func paging() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            for index in 0..<7 {
                // Each its own company: another name and another mobile, or it would be a duplicate (409).
                let json = Self.validCustomer.replacingOccurrences(of: "宁波精工紧固件有限公司", with: "客户\(index)")
                    .replacingOccurrences(of: "13800138000", with: "1380013800\(index)")
                #expect(await service.call(Operation.Customers.create, as: Self.rep, json).status == 201)
            }
            var names: [String] = []
            var cursor: String?
            repeat {
                let query = "limit=3" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await service.call(Operation.Customers.list, as: Self.rep, query: query).decode(ListPage<Customer>.self)
                names += page.items.map(\.name)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(names.count == 7)
            #expect(Set(names).count == 7)
        }
    }

    @Test("a page size of 0 or a cursor that is not one is refused", arguments: ["limit=0", "cursor=zzz"])
    func badPaging(query: String) async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            #expect(await service.call(Operation.Customers.list, as: Self.rep, query: query).status == 422)
        }
    }
}
