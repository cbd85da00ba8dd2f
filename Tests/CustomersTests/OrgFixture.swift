import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import Testing

@testable import Customers

/// A small sales organisation and three customers, seeded through the service's own event handlers and RPC
/// operations, for the scope tests.
///
/// east-china: sup-1 leads rep-1 and rep-gone; sup-2 leads rep-2; rm-east manages the region.
/// north-china: rep-north, managed by rm-north. Above regions: gm, admin, finance.
/// Customers: `c1` owned by rep-1 and `c2` by rep-2 (east-china), `c3` by rep-north (north-china).
struct OrgFixture {
    static let logger = Logger(label: "test.customers.org")

    static let users: [UserSnapshot] = [
        user("rep-1", .rep, "east-china", supervisor: "sup-1"),
        user("rep-gone", .rep, "east-china", supervisor: "sup-1"),
        user("rep-2", .rep, "east-china", supervisor: "sup-2"),
        user("sup-1", .supervisor, "east-china", supervisor: "rm-east"),
        user("sup-2", .supervisor, "east-china", supervisor: "rm-east"),
        user("rm-east", .regionalManager, "east-china", supervisor: "gm"),
        user("rep-north", .rep, "north-china", supervisor: "rm-north"),
        user("rm-north", .regionalManager, "north-china", supervisor: "gm"),
        user("gm", .gm, nil, supervisor: nil),
        user("admin", .admin, nil, supervisor: nil),
        user("finance", .finance, nil, supervisor: nil),
    ]

    static func user(_ id: String, _ role: Role, _ region: String?, supervisor: String?, active: Bool = true, version: Int64 = 1) -> UserSnapshot {
        UserSnapshot(
            id: id,
            username: id,
            displayName: id,
            role: role,
            region: region,
            supervisorID: supervisor,
            mobile: nil,
            wecomUserID: nil,
            active: active,
            version: version
        )
    }

    /// The identity the gateway would send for a user of the fixture (team = direct reports, deactivated included).
    static func identity(_ id: String) -> CallerIdentity {
        let user = users.first { $0.id == id }
        let team = users.filter { $0.supervisorID == id }.map(\.id)
        return CallerIdentity(userID: id, role: user?.role ?? .rep, region: user?.region, team: team)
    }

    let client: PostgresClient
    let router: RPCRouter
    /// Customer name (`c1`…) → id.
    var customers: [String: String] = [:]

    /// Seeds the org chart (through the `user.*` handlers) and the three customers (through `customers.create`).
    static func seed(_ client: PostgresClient) async throws -> OrgFixture {
        var fixture = OrgFixture(client: client, router: CustomersService.rpcRouter(postgres: client, logger: logger))
        for user in users {
            try await fixture.apply(UserCreated(user: user), subject: user.id, sequence: user.version)
        }
        for (name, owner, region) in [("c1", "rep-1", "east-china"), ("c2", "rep-2", "east-china"), ("c3", "rep-north", "north-china")] {
            let response = await fixture.call(Operation.Customers.create, as: "gm", Self.customerJSON(name: name, region: region, owner: owner))
            #expect(response.status == 201, "seeding \(name): \(String(decoding: response.body, as: UTF8.self))")
            fixture.customers[name] = try #require(try Self.json(response)["id"]?.stringValue)
        }
        return fixture
    }

    /// Runs a `user.*` event through the service's registered handler, in a transaction as the consumer does.
    func apply(_ event: some DomainEvent, subject: String, sequence: Int64) async throws {
        let envelope = try EventEnvelope(event, source: "gateway", subject: subject, sequence: sequence)
        let handler = try #require(CustomersService.eventHandlers(logger: Self.logger).handler(for: envelope.type))
        try await client.withTransaction(logger: Self.logger) { connection in
            try await handler(envelope, connection, Self.logger)
        }
    }

    /// Calls an operation as a fixture user (`nil`: without identity headers).
    func call(_ operation: String, as userID: String?, _ json: String = "", id: String? = nil, query: String? = nil) async -> RPCResponse {
        var headers: [String: String] = [:]
        if let id { headers[RPC.Header.pathID] = id }
        if let query { headers[RPC.Header.query] = query }
        let identity = userID.map(Self.identity)
        if let identity { headers.merge(identity.headers) { _, new in new } }
        return await router.handle(
            RPCRequest(operation: operation, body: Array(json.utf8), identity: identity, headers: headers),
            logger: Self.logger
        )
    }

    /// Names (`c1`…) of the customers a list answer holds.
    func names(in response: RPCResponse) throws -> Set<String> {
        guard case .array(let items)? = try Self.json(response)["items"] else { return [] }
        let ids = Set(items.compactMap { $0["id"]?.stringValue })
        return Set(customers.filter { ids.contains($0.value) }.map(\.key))
    }

    /// The current owner of a fixture customer, read as gm.
    func owner(of name: String) async throws -> String? {
        try Self.json(await call(Operation.Customers.get, as: "gm", id: customers[name]))["ownerId"]?.stringValue
    }

    static func json(_ response: RPCResponse) throws -> JSONValue {
        try JSONCoding.decoder.decode(JSONValue.self, from: Data(response.body))
    }

    static func customerJSON(name: String, region: String = "east-china", owner: String? = nil) -> String {
        let ownerMember = owner.map { #","ownerId":"\#($0)""# } ?? ""
        return #"{"name":"\#(name)","region":"\#(region)","industry":"fasteners","contacts":[{"name":"王经理","phone":"13800138000"}]\#(ownerMember)}"#
    }
}
