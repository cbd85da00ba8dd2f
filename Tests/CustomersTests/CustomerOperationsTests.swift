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
    let logger = Logger(label: "test.customers")
    let rep = CallerIdentity(userID: "rep-1", role: .rep, region: "east-china")

    func migrations() throws -> [Migration] {
        try Migrator.load(bundleDirectory: try #require(CustomersService.migrationsDirectory))
    }

    func request(_ operation: String, _ json: String = "", id: String? = nil, query: String? = nil, key: String? = nil) -> RPCRequest {
        var headers: [String: String] = [:]
        if let id { headers[RPC.Header.pathID] = id }
        if let query { headers[RPC.Header.query] = query }
        if let key { headers[RPC.Header.idempotencyKey] = key }
        return RPCRequest(operation: operation, body: Array(json.utf8), identity: rep, headers: headers)
    }

    func body(_ response: RPCResponse) throws -> JSONValue {
        try JSONCoding.decoder.decode(JSONValue.self, from: Data(response.body))
    }

    func count(_ table: String, _ client: PostgresClient) async throws -> Int {
        let rows = try await client.query("SELECT count(*)::bigint FROM \(unescaped: table)", logger: logger)
        for try await (count) in rows.decode(Int64.self) { return Int(count) }
        return -1
    }

    static let validCustomer = """
        {"name":"宁波精工紧固件有限公司","region":"east-china","industry":"fasteners",
         "contacts":[{"name":"王经理","phone":"13800138000","title":"采购经理"}]}
        """

    @Test("create → get → patch → list, each change with its event in the outbox")
    func lifecycle() async throws {
        try await TestSchema.with(migrations: try migrations()) { client, _ in
            let router = CustomersService.rpcRouter(postgres: client, logger: logger)
            let created = await router.handle(request(Operation.Customers.create, Self.validCustomer), logger: logger)
            #expect(created.status == 201)
            let id = try #require(try body(created)["id"]?.stringValue)
            #expect(try body(created)["ownerId"]?.stringValue == "rep-1")

            let fetched = await router.handle(request(Operation.Customers.get, id: id), logger: logger)
            #expect(fetched.status == 200)
            #expect(try body(fetched)["name"]?.stringValue == "宁波精工紧固件有限公司")

            let patched = await router.handle(request(Operation.Customers.update, #"{"industry":"bearings","version":1}"#, id: id), logger: logger)
            #expect(patched.status == 200)
            #expect(try body(patched)["industry"]?.stringValue == "bearings")
            #expect(try body(patched)["version"] == .number(2))

            let stale = await router.handle(request(Operation.Customers.update, #"{"industry":"gears","version":1}"#, id: id), logger: logger)
            #expect(stale.status == 409)

            let listed = await router.handle(request(Operation.Customers.list, query: "region=east-china"), logger: logger)
            guard case .array(let items)? = try body(listed)["items"] else {
                Issue.record("no items in \(String(decoding: listed.body, as: UTF8.self))")
                return
            }
            #expect(items.count == 1)

            let events = try await client.query("SELECT type, sequence FROM outbox ORDER BY sequence", logger: logger)
            var seen: [String] = []
            for try await (type, sequence) in events.decode((String, Int64).self) { seen.append("\(type)#\(sequence)") }
            #expect(seen == ["customer.created#1", "customer.updated#2"])

            let history = try body(await router.handle(request(Operation.Customers.history, id: id), logger: logger))
            guard case .array(let lines)? = history["items"] else {
                Issue.record("no history items")
                return
            }
            #expect(lines.compactMap { $0["action"]?.stringValue } == ["updated", "created"])
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
        try await TestSchema.with(migrations: try migrations()) { client, _ in
            let router = CustomersService.rpcRouter(postgres: client, logger: logger)
            let response = await router.handle(request(Operation.Customers.create, json), logger: logger)
            #expect(response.status == status)
            #expect(response.contentType == Problem.contentType)
            let problem = try JSONCoding.decoder.decode(Problem.self, from: Data(response.body))
            #expect(problem.status == status)
            #expect(try await count("customers", client) == 0)
            #expect(try await count("outbox", client) == 0)
        }
    }

    @Test("the same Idempotency-Key creates one customer and returns the first answer; another body with it is refused")
    func idempotentCreate() async throws {
        try await TestSchema.with(migrations: try migrations()) { client, _ in
            let router = CustomersService.rpcRouter(postgres: client, logger: logger)
            let retry = request(Operation.Customers.create, Self.validCustomer, key: "k-1")
            let logger = logger
            let first = Task { await router.handle(retry, logger: logger) }
            let second = Task { await router.handle(retry, logger: logger) }
            let a = await first.value
            let b = await second.value
            #expect(a.status == 201 && b.status == 201)
            let firstID = try body(a)["id"]
            let secondID = try body(b)["id"]
            #expect(firstID != nil && firstID == secondID)
            #expect(try await count("customers", client) == 1)
            #expect(try await count("outbox", client) == 1)

            let other = await router.handle(request(Operation.Customers.create, #"{"name":"B"}"#, key: "k-1"), logger: logger)
            #expect(other.status == 422)
        }
    }

    @Test("an unknown or malformed id answers 404")
    func unknownID() async throws {
        try await TestSchema.with(migrations: try migrations()) { client, _ in
            let router = CustomersService.rpcRouter(postgres: client, logger: logger)
            #expect(await router.handle(request(Operation.Customers.get, id: UUID().uuidString), logger: logger).status == 404)
            #expect(await router.handle(request(Operation.Customers.get, id: "../etc"), logger: logger).status == 404)
            #expect(await router.handle(request(Operation.Customers.update, "{}", id: UUID().uuidString), logger: logger).status == 404)
        }
    }

    @Test("pages follow the cursor without gaps or repeats")
    func paging() async throws {
        try await TestSchema.with(migrations: try migrations()) { client, _ in
            let router = CustomersService.rpcRouter(postgres: client, logger: logger)
            for index in 0..<7 {
                let json = Self.validCustomer.replacingOccurrences(of: "宁波精工紧固件有限公司", with: "客户\(index)")
                #expect(await router.handle(request(Operation.Customers.create, json), logger: logger).status == 201)
            }
            var names: [String] = []
            var cursor: String?
            repeat {
                let query = "limit=3" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try body(await router.handle(request(Operation.Customers.list, query: query), logger: logger))
                guard case .array(let items)? = page["items"] else { throw Problem.badRequest("no items") }
                names += items.compactMap { $0["name"]?.stringValue }
                cursor = page["nextCursor"]?.stringValue
            } while cursor != nil
            #expect(names.count == 7)
            #expect(Set(names).count == 7)
            #expect(await router.handle(request(Operation.Customers.list, query: "limit=0"), logger: logger).status == 422)
            #expect(await router.handle(request(Operation.Customers.list, query: "cursor=zzz"), logger: logger).status == 422)
        }
    }
}
