import AMQP
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

/// Below the API each service is walled in: its PostgreSQL role reaches only its own schema, its RabbitMQ user
/// only its own queues. These tests use the roles and users the local setup creates (scripts/lib.sh,
/// deploy/postgres/init.sql, deploy/rabbitmq/service-users).
@Suite("Least privilege below the API")
struct LeastPrivilegeTests {
    let logger = Logger(label: "test.least-privilege")

    /// A running client that connects as one service's role.
    func withServiceRole<T: Sendable>(_ role: String, _ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        let admin = try #require(URLComponents(string: try TestEnvironment.postgresURL()))
        let url = "postgres://\(role):salesdesk-\(role)@\(admin.host ?? "127.0.0.1"):\(admin.port ?? 5432)\(admin.path)"
        let settings = try PostgresSettings(url: url, schema: role, applicationName: "least-privilege-test")
        let client = PostgresClient(configuration: settings.clientConfiguration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    @Test("a service's database role cannot read another service's schema")
    func databaseRolesAreWalledIn() async throws {
        let schema = "customers_priv_" + TestEnvironment.uniqueSuffix()
        let logger = logger
        try await withServiceRole("customers") { customers in
            try await customers.query("CREATE SCHEMA \(unescaped: schema)", logger: logger)
            try await customers.query("CREATE TABLE \(unescaped: schema).secrets (note text)", logger: logger)
            try await customers.query("INSERT INTO \(unescaped: schema).secrets VALUES ('客户底价')", logger: logger)
        }
        do {
            let error = await #expect(throws: PSQLError.self) {
                try await withServiceRole("deals") { deals in
                    try await deals.query("SELECT note FROM \(unescaped: schema).secrets", logger: logger)
                }
            }
            #expect(error?.serverInfo?[.sqlState] == "42501", "expected insufficient_privilege, got \(String(describing: error))")
            let refused = await #expect(throws: PSQLError.self) {
                try await withServiceRole("reporting") { reporting in
                    try await reporting.query("CREATE TABLE public.sneaky (x int)", logger: logger)
                }
            }
            #expect(refused?.serverInfo?[.sqlState] == "42501")
        }
        try await withServiceRole("customers") { customers in
            try await customers.query("DROP SCHEMA \(unescaped: schema) CASCADE", logger: logger)
        }
    }

    @Test("a service's broker user cannot touch another service's queue, but may declare its own")
    func brokerUsersAreWalledIn() async throws {
        var components = try #require(URLComponents(string: try TestEnvironment.amqpURL()))
        components.user = "deals"
        components.password = "salesdesk-deals"
        let deals = AMQPConnection(
            configuration: try AMQPConfiguration(url: try #require(components.string), connectionName: "least-privilege-test"),
            logger: logger
        )
        let runner = Task { try await deals.run() }
        defer { runner.cancel() }
        try await deals.waitUntilConnected(timeout: .seconds(10))

        let own = AMQPTopology(exchanges: [], queues: [.init(name: "deals.rpc")], bindings: [])
        try await deals.declare(own)
        let foreign = AMQPTopology(exchanges: [], queues: [.init(name: "customers.rpc")], bindings: [])
        let error = await #expect(throws: AMQPError.self) { try await deals.declare(foreign) }
        guard case .channelClosed(let code, _)? = error else {
            Issue.record("expected the channel to be closed with 403, got \(String(describing: error))")
            return
        }
        #expect(code == 403)
    }

    @Test("a service's broker user may publish only its own events: deals cannot forge user.created")
    func topicPermissions() async throws {
        var components = try #require(URLComponents(string: try TestEnvironment.amqpURL()))
        components.user = "deals"
        components.password = "salesdesk-deals"
        let configuration = try AMQPConfiguration(url: try #require(components.string), connectionName: "topic-permission-test")
        let deals = AMQPConnection(configuration: configuration, topology: SalesDeskTopology.exchanges, logger: logger)
        let runner = Task { try await deals.run() }
        defer { runner.cancel() }
        try await deals.waitUntilConnected(timeout: .seconds(10))
        let message = AMQPMessage(body: Array("{}".utf8), contentType: "application/json", type: "test")
        // Its own routing key goes through (the alternate exchange takes it when no queue is bound).
        try await deals.publish(message, exchange: SalesDeskTopology.eventsExchange, routingKey: "deal.stage_changed", mandatory: false)
        let error = await #expect(throws: AMQPError.self) {
            try await deals.publish(message, exchange: SalesDeskTopology.eventsExchange, routingKey: "user.created", mandatory: false)
        }
        guard case .channelClosed(let code, _)? = error else {
            Issue.record("expected the channel to be closed with 403, got \(String(describing: error))")
            return
        }
        #expect(code == 403)
    }
}
