import Contracts
import Foundation
import ServiceRuntime
public import TestSupport
import Testing

@testable import Customers

extension CustomersService: ServiceUnderTest {}

extension RPCHarness {
    /// The regions the customers tests place customers in: an admin created them, and `region.created` told the
    /// service (a customer's region must exist, issue 10).
    static let fixtureRegions = ["east-china", "north-china"]

    /// The customers service on a fresh schema, with ``fixtureRegions`` known, as in any running system; preferred
    /// over the generic `with(_:_:)` for `CustomersService`.
    static func with<T: Sendable>(_ service: CustomersService.Type, _ body: @Sendable (RPCHarness) async throws -> T) async throws -> T {
        try await with(
            CustomersService.name,
            migrationsDirectory: CustomersService.migrationsDirectory,
            router: { CustomersService.rpcRouter(postgres: $0, logger: $1) },
            events: { CustomersService.eventHandlers(logger: $0) },
            { harness in
                for code in fixtureRegions {
                    _ = try await harness.deliver(RegionCreated(code: code, name: code), subject: code, sequence: 1)
                }
                return try await body(harness)
            }
        )
    }
}

/// The ``Org`` and three customers, seeded through the service's own event handlers and RPC operations:
/// `c1` owned by rep-1 and `c2` by rep-2 (east-china), `c3` by rep-north (north-china).
struct CustomerFixture {
    let service: RPCHarness
    /// Customer name (`c1`…) → id.
    var customers: [String: String] = [:]

    /// Seeds the org chart (through the `user.*` handlers) and the three customers (through `customers.create`).
    static func seed(_ service: RPCHarness) async throws -> CustomerFixture {
        try await Org.seed(service)
        var fixture = CustomerFixture(service: service)
        for (name, owner, region) in [("c1", "rep-1", "east-china"), ("c2", "rep-2", "east-china"), ("c3", "rep-north", "north-china")] {
            try await fixture.create(name, as: "gm", region: region, owner: owner)
        }
        return fixture
    }

    /// Creates a customer named `name` as `user` and remembers its id.
    @discardableResult
    mutating func create(_ name: String, as user: String, region: String = "east-china", owner: String? = nil) async throws -> Customer {
        let response = await call(Operation.Customers.create, as: user, Self.customerJSON(name: name, region: region, owner: owner))
        #expect(response.status == 201, "creating \(name): \(response.text)")
        let customer = try response.decode(Customer.self)
        customers[name] = customer.id.description
        return customer
    }

    /// Calls an operation as a fixture user (`nil`: without identity headers).
    func call(_ operation: String, as user: String?, _ json: String = "", id: String? = nil, query: String? = nil) async -> RPCResponse {
        await service.call(operation, as: user.map(Org.identity), json, id: id, query: query)
    }

    /// Delivers a `user.*` event for a later version of a fixture user.
    func deliver(_ event: some DomainEvent, about user: UserSnapshot) async throws {
        try await service.deliver(event, source: "gateway", subject: user.id, sequence: user.version)
    }

    /// Names (`c1`…) of the customers a list answer holds.
    func names(in response: RPCResponse) throws -> Set<String> {
        let ids = Set(try response.decode(ListPage<Customer>.self).items.map(\.id.description))
        return Set(customers.filter { ids.contains($0.value) }.map(\.key))
    }

    /// Names (`c1`…) of the customers `user` finds in the list, filtered by `query`.
    func listed(as user: String, query: String? = nil) async throws -> Set<String> {
        try names(in: await call(Operation.Customers.list, as: user, query: query))
    }

    /// The current owner of a fixture customer, read as gm.
    func owner(of name: String) async throws -> String? {
        try await call(Operation.Customers.get, as: "gm", id: customers[name]).decode(Customer.self).ownerID
    }

    static func customerJSON(name: String, region: String = "east-china", owner: String? = nil) -> String {
        let ownerMember = owner.map { #","ownerId":"\#($0)""# } ?? ""
        return
            #"{"name":"\#(name)","region":"\#(region)","industry":"fasteners","contacts":[{"name":"王经理","phone":"\#(mobile(for: name))"}]\#(ownerMember)}"#
    }

    /// A mainland mobile of the customer's own, so that fixture customers are not one another's duplicates by mobile.
    static func mobile(for name: String) -> String {
        let number = name.unicodeScalars.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1.value)) &* 1_099_511_628_211 }
        return "139" + String(String(number % 100_000_000).reversed()).padding(toLength: 8, withPad: "0", startingAt: 0)
    }
}

/// A line of a customer's history as a client decodes it.
struct HistoryLine: Decodable {
    var actorId: String
    var action: CustomerHistoryEntry.Action
    var changes: [String: JSONValue]
}

/// The answer to `customers.transfer`.
struct TransferResult: Decodable {
    var transferred: Int
    var customerIds: [String]
}
