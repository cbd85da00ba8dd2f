import AMQP
import Contracts
import Foundation
import ServiceRuntime
import TestSupport
import Testing

/// `sales.unroutable` against the real broker, in a vhost of the test's own with the policy of deploy/rabbitmq/policies.
@Suite("Unroutable events are bounded")
struct UnroutableQueueTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs `body` with a connection to a fresh vhost that has the shared exchanges and the broker policies, the
    /// unroutable queue limited to `maxLength`.
    static func withVhost<T: Sendable>(maxLength: Int, _ body: @Sendable (AMQPConnection) async throws -> T) async throws -> T {
        let vhost = "unroutable_\(TestEnvironment.uniqueSuffix())"
        var amqp = try #require(URLComponents(string: try TestEnvironment.amqpURL()))
        let user = try #require(amqp.user)
        try TestEnvironment.rabbitmqctl("add_vhost", vhost)
        defer { _ = try? TestEnvironment.rabbitmqctl("delete_vhost", vhost) }
        try TestEnvironment.rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
        let rabbitmqctl = try TestEnvironment.require("SALESDESK_TEST_RABBITMQCTL")
        try TestEnvironment.shell(
            "RABBITMQCTL='\(rabbitmqctl)' SALESDESK_UNROUTABLE_MAX_LENGTH=\(maxLength) '\(repositoryRoot.path)/deploy/rabbitmq/policies' '\(vhost)'"
        )
        amqp.percentEncodedPath = "/" + vhost
        let connection = AMQPConnection(
            configuration: try AMQPConfiguration(url: amqp.string ?? "", connectionName: "unroutable-tests"),
            topology: SalesDeskTopology.exchanges,
            logger: PersistenceTestEnvironment.logger
        )
        return try await whileRunning([connection]) {
            try await connection.waitUntilConnected(timeout: .seconds(90))
            return try await body(connection)
        }
    }

    @Test("sales.unroutable keeps only the newest messages up to its limit, dropping the oldest, and the gauge shows its depth")
    func limitHolds() async throws {
        _ = PrometheusMetrics.registry
        try await Self.withVhost(maxLength: 3) { connection in
            // Declared by the services without arguments, as on brokers that already hold the queue: the policy bounds it.
            try await connection.declare(SalesDeskTopology.exchanges)
            var published: [String] = []
            for index in 0..<8 {
                let event = testEvent("nobody.listens\(index)", subject: "s-\(index)")
                try await connection.publish(
                    try AMQPOutboxPublisher.message(for: event),
                    exchange: SalesDeskTopology.eventsExchange,
                    routingKey: event.type
                )
                published.append(event.id.uuidString.lowercased())
            }
            #expect(try await connection.messageCount(queue: SalesDeskTopology.unroutableExchange) == 3)

            let monitor = UnroutableMonitor(connection: connection, logger: PersistenceTestEnvironment.logger)
            #expect(try await monitor.sample() == 3)
            let metrics = String(decoding: PrometheusMetrics.render(), as: UTF8.self)
            #expect(metrics.contains(#"salesdesk_unroutable_messages{queue="sales.unroutable"} 3"#))

            let collector = Collector()
            try await whileRunning([ClosureService { try await collector.consume(connection, queue: SalesDeskTopology.unroutableExchange) }]) {
                try await eventually("the kept messages are consumed") { collector.messageIDs.count == 3 }
            }
            #expect(collector.messageIDs == Array(published.suffix(3)))
        }
    }

    @Test("docker-compose's broker definitions carry the same policy as the local setup, at 10,000 messages")
    func definitionsCarryThePolicy() throws {
        let data = try Data(contentsOf: Self.repositoryRoot.appendingPathComponent("deploy/rabbitmq/definitions.json"))
        let definitions = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let policies = try #require(definitions["policies"] as? [[String: Any]])
        let policy = try #require(policies.first { $0["name"] as? String == "sales-unroutable-bounded" })
        let pattern = try #require(policy["pattern"] as? String)
        #expect(try Regex(pattern).wholeMatch(in: SalesDeskTopology.unroutableExchange) != nil)
        #expect(try Regex(pattern).firstMatch(in: "sales.unroutable.other") == nil)
        #expect(policy["apply-to"] as? String == "queues")
        let definition = try #require(policy["definition"] as? [String: Any])
        #expect(definition["max-length"] as? Int == 10_000)
        #expect(definition["overflow"] as? String == "drop-head")

        let script = try String(contentsOf: Self.repositoryRoot.appendingPathComponent("deploy/rabbitmq/policies"), encoding: .utf8)
        #expect(script.contains("SALESDESK_UNROUTABLE_MAX_LENGTH:-10000"))
        #expect(script.contains(#"'^sales\.unroutable$'"#))
    }
}
