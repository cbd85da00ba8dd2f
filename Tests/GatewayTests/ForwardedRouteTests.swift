import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import ServiceRuntime
import Testing

@testable import Gateway

@Suite("Gateway forwarded route tables")
struct ForwardedRouteTests {
    static let services: [String: [ForwardedRoute]] = [
        Operation.Customers.service: CustomersRoutes.table,
        Operation.Deals.service: DealsRoutes.table,
        Operation.Approvals.service: ApprovalsRoutes.table,
        Operation.Notifications.service: NotificationsRoutes.table,
        Operation.Reporting.service: ReportingRoutes.table,
    ]

    @Test("each table forwards only to its own service, and no route is listed twice")
    func tablesNameTheirService() {
        for (service, table) in Self.services {
            for route in table {
                #expect(route.service == service, "\(route.method) \(route.path) → \(route.operation)")
            }
        }
        let routes = GatewayService.API.forwardedRoutes.flatMap { $0 }.map { "\($0.method) \($0.path)" }
        #expect(Set(routes).count == routes.count)
        #expect(routes.count == Self.services.values.map(\.count).reduce(0, +))
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
        for routes in [CustomersRoutes.table, Array(CustomersRoutes.table.reversed())] {
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
