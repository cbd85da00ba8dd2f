import Approvals
import Contracts
import Customers
import Deals
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Notifications
import PostgresNIO
import Reporting
import ServiceRuntime
import Testing

@testable import Gateway

@Suite("Gateway forwarded routes")
struct ForwardedRouteTests {
    static let routes: [ForwardedRoute] = (try? ForwardedRoute.routes(in: OpenAPIDocument.yaml)) ?? []

    @Test("every x-rpc in the API document names an operation its service answers, and every operation is routed")
    func documentMatchesServices() throws {
        let logger = Logger(label: "test.routes")
        // Never run: building the routers only needs a client's configuration.
        let postgres = PostgresClient(
            configuration: .init(host: "127.0.0.1", username: "x", password: nil, database: nil, tls: .disable),
            backgroundLogger: logger
        )
        let answered = Set(
            [
                CustomersService.rpcRouter(postgres: postgres, logger: logger),
                DealsService.rpcRouter(postgres: postgres, logger: logger),
                ApprovalsService.rpcRouter(postgres: postgres, logger: logger),
                NotificationsService.rpcRouter(postgres: postgres, logger: logger),
                ReportingService.rpcRouter(postgres: postgres, logger: logger),
            ].flatMap(\.operations)
        )
        let routed = Set(Self.routes.map(\.operation))
        #expect(routed.count > 30)
        #expect(routed.subtracting(answered).sorted() == [], "routed to an operation no service answers")
        #expect(answered.subtracting(routed).sorted() == [], "answered by a service but not routed")
        let keys = Self.routes.map { "\($0.method) \($0.path)" }
        #expect(Set(keys).count == keys.count)
    }

    @Test("a route reads the body exactly when the document gives the operation a request body")
    func bodiesFollowTheDocument() throws {
        let byKey = Dictionary(uniqueKeysWithValues: Self.routes.map { ("\($0.method) \($0.path)", $0) })
        #expect(byKey["POST deals/:id/quotes"]?.readsBody == true)
        #expect(byKey["POST contracts/:id/submit"]?.readsBody == false)
        #expect(byKey["GET deals/:id/history"]?.operation == "deals.getDealHistory")
        #expect(byKey["GET deals/:id/history"]?.service == Operation.Deals.service)
    }

    @Test("an x-rpc that is not <service>.<verb> is refused when the document is read")
    func malformedOperationRefused() {
        let document = """
            paths:
              /api/v1/things:
                get:
                  x-rpc: things
            """
        #expect(throws: ForwardedRoute.DocumentError.self) { try ForwardedRoute.routes(in: document) }
    }

    /// Answers every forwarded route with the operation and path id it would send.
    static func echoRouter(_ routes: [ForwardedRoute]) -> Router<ServiceRequestContext> {
        let router = Router(context: ServiceRequestContext.self)
        ForwardedRoute.add(routes, to: router.group("api/v1", context: GatewayRequestContext.self)) { route, _, context in
            let text = "\(route.operation) \(context.parameters.get("id") ?? "-")"
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        return router
    }

    @Test("a constant path segment wins over :id in either registration order, and :id travels as the path id")
    func constantSegmentWins() async throws {
        let customers = Self.routes.filter { $0.service == Operation.Customers.service }
        #expect(customers.count >= 5)
        for routes in [customers, Array(customers.reversed())] {
            let app = Application(router: Self.echoRouter(routes))
            try await app.test(.router) { client in
                let transfer = try await client.execute(uri: "/api/v1/customers/transfer", method: .post) { String(buffer: $0.body) }
                #expect(transfer == "customers.transfer -")
                let get = try await client.execute(uri: "/api/v1/customers/c-1", method: .get) { String(buffer: $0.body) }
                #expect(get == "customers.get c-1")
                let history = try await client.execute(uri: "/api/v1/customers/c-1/history", method: .get) { String(buffer: $0.body) }
                #expect(history == "customers.history c-1")
            }
        }
    }
}
