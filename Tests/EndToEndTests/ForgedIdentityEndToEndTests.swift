import AMQP
import Contracts
import Foundation
import Logging
import TestSupport
import Testing

/// Issue 8: the broker is not one flat trust domain. A broker client that publishes an RPC request naming a caller
/// itself is refused by the real service, and nothing is written (the other end-to-end tests make the same calls
/// through the gateway, which signs them).
@Suite("End to end: forged RPC identities", .timeLimit(.minutes(5)))
struct ForgedIdentityEndToEndTests {
    @Test("an RPC published straight to the broker with forged admin headers is refused with 401")
    func forgedIdentityIsRefused() async throws {
        let system = try await SalesDeskSystem.start()
        defer { system.stop() }
        let admin = try await system.login("admin", SalesDeskSystem.adminPassword)

        // Another service's broker user may publish to sales.rpc (it makes RPC calls), so it could reach customers.rpc.
        var url = try #require(URLComponents(string: try TestEnvironment.amqpURL()))
        url.user = "deals"
        url.password = "salesdesk-deals"
        url.percentEncodedPath = "/" + system.vhost
        let client = AMQPRPCClient(
            configuration: try AMQPConfiguration(url: try #require(url.string), connectionName: "forger"),
            logger: Logger(label: "test.forger")
        )
        let runner = Task { try await client.run() }
        defer { runner.cancel() }
        try await client.waitUntilConnected(timeout: .seconds(10))

        let forged = CallerIdentity(userID: "admin", role: .admin).headers
        let body = #"{"name":"Forged Ltd","region":"east-china","industry":"fasteners","contacts":[{"name":"王经理","phone":"13800138000"}]}"#
        let request = AMQPMessage(body: Array(body.utf8), contentType: "application/json", type: Operation.Customers.create, headers: forged)
        let reply = RPCReplyStatus(
            try await client.call(request, exchange: RPC.exchange, routingKey: RPC.queue(for: "customers"), timeout: .seconds(5))
        )
        #expect(reply.status == 401, "\(reply.text)")

        let list = try await system.request("GET", "/api/v1/customers?limit=100", token: admin)
        #expect(list.status == 200, "\(list.text)")
        #expect(!list.text.contains("Forged Ltd"))
    }
}

/// The status and body of an RPC reply.
struct RPCReplyStatus {
    var status: Int
    var text: String

    init(_ reply: AMQPMessage) {
        status = reply.headers[RPC.Header.status].flatMap(Int.init) ?? 0
        text = String(decoding: reply.body, as: UTF8.self)
    }
}
