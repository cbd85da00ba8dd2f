import AMQP
import Testing

@Suite("AMQP configuration")
struct AMQPConfigurationTests {
    @Test("a full URL gives host, port, credentials and the percent-decoded vhost")
    func fullURL() throws {
        let configuration = try AMQPConfiguration(url: "amqp://sales:p%40ss@broker.local:5673/sales%2fdesk", connectionName: "deals")
        #expect(configuration.host == "broker.local")
        #expect(configuration.port == 5673)
        #expect(configuration.username == "sales")
        #expect(configuration.password == "p@ss")
        #expect(configuration.vhost == "sales/desk")
        #expect(configuration.connectionName == "deals")
        #expect(configuration.heartbeatSeconds == 10)
    }

    @Test("port defaults to 5672 and vhost to /; %2f names the default vhost")
    func defaults() throws {
        let bare = try AMQPConfiguration(url: "amqp://u:p@localhost")
        #expect(bare.port == 5672)
        #expect(bare.vhost == "/")
        #expect(try AMQPConfiguration(url: "amqp://u:p@localhost/%2f").vhost == "/")
    }

    @Test(
        "a bad URL names what is wrong",
        arguments: [
            ("http://u:p@host/v", "scheme"),
            ("amqp:///vhost", "host"),
            ("not a url at all", "scheme"),
            ("amqps://u:p@host/v", "scheme"),
        ]
    )
    func invalid(url: String, mentions: String) {
        #expect {
            try AMQPConfiguration(url: url)
        } throws: { error in
            guard case .invalidURL(let reason) = error as? AMQPError else { return false }
            return reason.contains(mentions)
        }
    }

    @Test("merging topologies keeps order and replaces same-named declarations")
    func mergingTopology() {
        let first = AMQPTopology(
            exchanges: [.init(name: "a", kind: .topic)],
            queues: [.init(name: "q")],
            bindings: [.init(queue: "q", exchange: "a", routingKey: "x")]
        )
        let second = AMQPTopology(
            exchanges: [.init(name: "b", kind: .direct)],
            queues: [.quorum(name: "q", deadLetterExchange: "dead", deadLetterRoutingKey: "q.dead", deliveryLimit: 5)],
            bindings: [.init(queue: "q", exchange: "a", routingKey: "x"), .init(queue: "q", exchange: "b", routingKey: "y")]
        )
        let merged = first.merging(second)
        #expect(merged.exchanges.map(\.name) == ["a", "b"])
        #expect(merged.queues.count == 1)
        #expect(merged.queues[0].arguments["x-queue-type"] == .string("quorum"))
        #expect(merged.queues[0].arguments["x-delivery-limit"] == .int(5))
        #expect(merged.bindings.count == 2)
    }

    @Test("publishing on a connection that is not running fails at once with notConnected")
    func publishWhileDown() async throws {
        let connection = AMQPConnection(configuration: try AMQPTest.configuration(), logger: AMQPTest.logger)
        let start = ContinuousClock.now
        await #expect(throws: AMQPError.notConnected) {
            try await connection.publish(AMQPTest.message("x"), exchange: "", routingKey: "nowhere")
        }
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(!connection.isConnected)
    }
}
