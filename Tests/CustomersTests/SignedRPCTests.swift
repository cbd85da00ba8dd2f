import AMQP
import Contracts
import Foundation
import ServiceRuntime
import TestSupport
import Testing

@testable import Customers

/// What the customers RPC server does with a delivery from the broker, where any client may publish: only an
/// identity the gateway signed is believed, and nothing runs after the request's deadline.
@Suite("Signed RPC requests")
struct SignedRPCTests {
    static let key = try! RPCIdentityKey(secret: String(repeating: "g", count: 40))
    static let forgerKey = try! RPCIdentityKey(secret: String(repeating: "f", count: 40))
    static let body = CustomerFixture.customerJSON(name: "Forged Ltd", region: "east-china", owner: "rep-1")

    /// A `customers.create` delivery as a broker client could publish it.
    static func delivery(_ headers: [String: String]) -> AMQPDelivery {
        AMQPDelivery(
            message: AMQPMessage(body: Array(body.utf8), contentType: "application/json", type: Operation.Customers.create, headers: headers),
            routingKey: RPC.queue(for: "customers")
        )
    }

    /// Headers signed as the gateway signs them, with a deadline `deadline` seconds from now.
    static func signed(as user: String, key: RPCIdentityKey = key, deadline: TimeInterval = 5) -> [String: String] {
        var headers = Org.identity(user).headers
        let deadline = Date().addingTimeInterval(deadline)
        headers[RPC.Header.deadline] = String(Int64(deadline.timeIntervalSince1970 * 1000))
        SignedIdentity.sign(&headers, operation: Operation.Customers.create, expires: deadline.addingTimeInterval(10), key: key)
        return headers
    }

    static func send(_ headers: [String: String], to service: RPCHarness) async -> RPCResponse {
        RPCResponse(reply: await service.router.handle(delivery: delivery(headers), identityKey: key, logger: service.logger))
    }

    @Test("a delivery that names a caller without the gateway's signature is refused with 401 and changes nothing")
    func forged() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            try await Org.seed(service)
            var expired = Self.signed(as: "gm")
            expired[RPC.Header.identityExpires] = "1"
            let forgeries: [(String, [String: String])] = [
                ("unsigned", Org.identity("gm").headers),
                ("signed with another key", Self.signed(as: "gm", key: Self.forgerKey)),
                ("role raised after signing", Self.signed(as: "rep-1").merging([CallerIdentity.Header.role: "admin"]) { $1 }),
                ("expiry moved after signing", expired),
                ("no identity at all", [:]),
            ]
            for (name, headers) in forgeries {
                let response = await Self.send(headers, to: service)
                #expect(response.status == 401, "\(name): \(response.status) \(response.text)")
                #expect(response.contentType == Problem.contentType, "\(name)")
            }
            #expect(try await service.count("customers") == 0)

            let genuine = await Self.send(Self.signed(as: "gm"), to: service)
            #expect(genuine.status == 201, "\(genuine.text)")
            #expect(try await service.count("customers") == 1)
        }
    }

    @Test("a signed request whose deadline has passed is answered 504 and not applied")
    func pastDeadline() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            try await Org.seed(service)
            let late = await Self.send(Self.signed(as: "gm", deadline: -1), to: service)
            #expect(late.status == 504, "\(late.text)")
            #expect(try await service.count("customers") == 0)
            #expect(try await service.outbox(CustomerCreated.self).isEmpty)
        }
    }

    @Test("a service that answers RPC does not start without a valid RPC_IDENTITY_KEY")
    func keyRequired() {
        let urls = ["POSTGRES_URL": "postgres://customers:x@127.0.0.1:1/salesdesk", "AMQP_URL": "amqp://customers:x@127.0.0.1:1/salesdesk"]
        for key in [[:], ["RPC_IDENTITY_KEY": "short"]] {
            #expect {
                _ = try ServiceApp.build(
                    name: CustomersService.name,
                    configuration: ServiceConfiguration(environment: urls.merging(key) { $1 }),
                    defaultHTTPPort: 8081,
                    migrationsDirectory: nil,
                    parts: CustomersService.parts
                )
            } throws: {
                "\($0)".contains("RPC_IDENTITY_KEY")
            }
        }
    }
}
