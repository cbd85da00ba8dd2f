import AMQP
import Contracts
import Customers
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Deals

/// A caller reads their own writes across services: deals asks `customers` (its real router, served over the real
/// broker) for a customer whose `customer.created` has not arrived yet.
@Suite("Deals reads the caller's own customers")
struct ReadYourWritesTests {
    /// A customer of its own: with `index`, another mobile, so that the customers are not one another's duplicates.
    static func customerJSON(_ name: String, index: Int = 0) -> String {
        let mobile = "138001\(String(format: "%05d", index))"
        return #"{"name":"\#(name)","region":"east-china","industry":"fasteners","contacts":[{"name":"王经理","phone":"\#(mobile)"}]}"#
    }

    static func dealJSON(customerID: String) -> String {
        #"{"customerId":"\#(customerID)","title":"2027 年度紧固件采购","expectedAmountFen":8000000,"expectedCloseDate":"2027-03-31"}"#
    }

    /// Runs `body` with the customers service (seeded with the org) answering `customers.get` over the broker on an
    /// exchange and queue of the test's own, and the deals service asking it through ``RPCCustomerLookup``.
    func withServices(_ body: @Sendable (_ customers: RPCHarness, _ deals: RPCHarness) async throws -> Void) async throws {
        let exchange = "test.deals-lookup.\(TestEnvironment.uniqueSuffix())"
        let queue = "test.deals-lookup.\(TestEnvironment.uniqueSuffix())"
        let topology = AMQPTopology(
            exchanges: [.init(name: exchange, kind: .direct, durable: false)],
            queues: [.init(name: queue, durable: false, autoDelete: true)],
            bindings: [.init(queue: queue, exchange: exchange, routingKey: queue)]
        )
        let logger = Logger(label: "test.read-your-writes")
        let configuration = try AMQPConfiguration(url: try TestEnvironment.amqpURL(), connectionName: "deals-lookup-test")
        try await RPCHarness.with(
            CustomersService.name,
            migrationsDirectory: CustomersService.migrationsDirectory,
            router: { CustomersService.rpcRouter(postgres: $0, logger: $1) },
            events: { CustomersService.eventHandlers(logger: $0) },
            { customers in
                try await Org.seed(customers)
                let serverConnection = AMQPConnection(configuration: configuration, topology: topology, logger: logger)
                let client = AMQPRPCClient(configuration: configuration, topology: topology, logger: logger)
                let key = try RPCIdentityKey(secret: String(repeating: "k", count: 32))
                let lookup = RPCCustomerLookup(
                    client: client,
                    timeout: .seconds(10),
                    identityKey: key,
                    logger: logger,
                    exchange: exchange,
                    routingKey: queue
                )
                try await withThrowingTaskGroup(of: Void.self) { group in
                    defer { group.cancelAll() }
                    group.addTask { try await serverConnection.run() }
                    group.addTask { try await client.run() }
                    let server = AMQPRPCServer(connection: serverConnection, queue: queue, prefetch: 8, logger: logger) { delivery in
                        // As the customers service runs it: only a signed identity is accepted.
                        await customers.router.handle(delivery: delivery, identityKey: key, logger: logger)
                    }
                    group.addTask { try await server.run() }
                    try await serverConnection.waitUntilConnected(timeout: .seconds(90))
                    try await client.waitUntilConnected(timeout: .seconds(90))
                    try await RPCHarness.with(
                        DealsService.name,
                        migrationsDirectory: DealsService.migrationsDirectory,
                        router: { DealsService.rpcRouter(postgres: $0, logger: $1, customers: lookup) },
                        events: { DealsService.eventHandlers(logger: $0) },
                        { deals in try await body(customers, deals) }
                    )
                }
            }
        )
    }

    /// The replica's row for a customer: name, owner and sequence.
    func replicaRow(_ deals: RPCHarness, _ id: String) async throws -> (String, String?, Int64)? {
        let rows = try await deals.client.query(
            "SELECT name, owner_id, sequence FROM customer_replica WHERE id = \(id)",
            logger: deals.logger
        )
        for try await row in rows.decode((String, String?, Int64).self) { return row }
        return nil
    }

    @Test("a rep who creates a customer and at once opens a deal for it never gets 404, 20 times in a row")
    func createCustomerThenDeal() async throws {
        try await withServices { customers, deals in
            for index in 1...20 {
                let created = await customers.call(Operation.Customers.create, as: "rep-1", Self.customerJSON("宁波精工 \(index)", index: index))
                #expect(created.status == 201, "\(created.text)")
                let customerID = try #require(try created.json()["id"]?.stringValue)
                // No customer.created has reached deals: the replica learns of the customer only from its owner.
                let deal = await deals.call(Operation.Deals.createDeal, as: "rep-1", Self.dealJSON(customerID: customerID))
                #expect(deal.status == 201, "try \(index): \(deal.text)")
                #expect(try deal.json()["ownerId"]?.stringValue == "rep-1")
                #expect(try deal.json()["customerName"]?.stringValue == "宁波精工 \(index)")
            }
        }
    }

    @Test("the replica is filled at the customer's version: the late customer.created changes nothing, a newer update applies")
    func lateEventsStayInOrder() async throws {
        try await withServices { customers, deals in
            let created = await customers.call(Operation.Customers.create, as: "rep-1", Self.customerJSON("宁波精工"))
            let customerID = try #require(try created.json()["id"]?.stringValue)
            #expect(await deals.call(Operation.Deals.createDeal, as: "rep-1", Self.dealJSON(customerID: customerID)).status == 201)
            #expect(try await replicaRow(deals, customerID)?.2 == 1)

            let renamed = await customers.call(Operation.Customers.update, as: "rep-1", #"{"name":"宁波精工集团"}"#, id: customerID)
            #expect(renamed.status == 200, "\(renamed.text)")
            // The events arrive late and in order, as the consumer receives them from the customers outbox.
            for envelope in try await customers.outbox() where envelope.type.hasPrefix("customer.") {
                try await deals.deliver(envelope)
                if envelope.type == CustomerCreated.eventType {
                    let row = try await replicaRow(deals, customerID)
                    #expect(row?.0 == "宁波精工")
                    #expect(row?.2 == 1)
                }
            }
            let row = try await replicaRow(deals, customerID)
            #expect(row?.0 == "宁波精工集团")
            #expect(row?.2 == 2)
        }
    }

    @Test("the owner answers in the caller's scope: another rep naming the new customer gets 404 and fills nothing")
    func lookupKeepsToScope() async throws {
        try await withServices { customers, deals in
            let created = await customers.call(Operation.Customers.create, as: "rep-1", Self.customerJSON("宁波精工"))
            let customerID = try #require(try created.json()["id"]?.stringValue)
            let deal = await deals.call(Operation.Deals.createDeal, as: "rep-2", Self.dealJSON(customerID: customerID))
            #expect(deal.status == 404, "\(deal.text)")
            #expect(try await replicaRow(deals, customerID) == nil)
            let unknown = await deals.call(Operation.Deals.createDeal, as: "rep-1", Self.dealJSON(customerID: RecordID().description))
            #expect(unknown.status == 404, "\(unknown.text)")
        }
    }
}
