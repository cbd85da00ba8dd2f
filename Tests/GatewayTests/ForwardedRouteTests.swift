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

    /// A document with a binary upload route, as customer photos and imports declare theirs.
    static let binaryDocument = """
        paths:
          /api/v1/things/{id}/files:
            post:
              x-rpc: things.addFile
              x-body: binary
              x-body-max-bytes: 16
              requestBody:
                content:
                  image/png: {}
                  application/octet-stream: {}
            get:
              x-rpc: things.listFiles
          /api/v1/things:
            post:
              x-rpc: things.create
              requestBody:
                content:
                  application/json: {}
        """

    @Test("x-body: binary declares a raw body of the request's media types, and x-body-max-bytes its limit")
    func binaryBodiesFollowTheDocument() throws {
        let routes = Dictionary(uniqueKeysWithValues: try ForwardedRoute.routes(in: Self.binaryDocument).map { ("\($0.method) \($0.path)", $0) })
        let upload = try #require(routes["POST things/:id/files"])
        #expect(upload.body == .binary(mediaTypes: ["image/png", "application/octet-stream"]) && upload.maxBodyBytes == 16)
        #expect(routes["GET things/:id/files"]?.body == ForwardedRoute.Body.none)
        #expect(routes["POST things"]?.body == .json && routes["POST things"]?.maxBodyBytes == RPCForwarder.maxBodyBytes)
        for (good, bad) in [
            ("x-body: binary", "x-body: xml"), ("x-body-max-bytes: 16", "x-body-max-bytes: 0"),
            ("x-body-max-bytes: 16", "x-body-max-bytes: 999999999"), ("x-body-max-bytes: 16", "x-body-max-bytes: lots"),
        ] {
            let document = Self.binaryDocument.replacingOccurrences(of: good, with: bad)
            #expect(throws: ForwardedRoute.DocumentError.self, "\(bad)") { try ForwardedRoute.routes(in: document) }
        }
        let withoutTypes = """
            paths:
              /api/v1/things:
                post:
                  x-rpc: things.create
                  x-body: binary
            """
        #expect(throws: ForwardedRoute.DocumentError.self) { try ForwardedRoute.routes(in: withoutTypes) }
    }

    @Test("a binary route takes the bytes of a declared media type up to its limit: another type is 415, a larger body 413")
    func binaryBodyLimits() async throws {
        let upload = try #require(try ForwardedRoute.routes(in: Self.binaryDocument).first { $0.operation == "things.addFile" })
        guard case .binary(let mediaTypes) = upload.body else { throw Problem.internalError() }
        let router = Router(context: ServiceRequestContext.self)
        router.add(middleware: ProblemMiddleware())
        ForwardedRoute.add([upload], to: router.group("api/v1", context: GatewayRequestContext.self)) { route, request, _ in
            let mediaType = try ForwardedRoute.binaryMediaType(of: request, accepted: mediaTypes)
            let bytes = try await JSONBodies.rawBytes(of: request, limit: route.maxBodyBytes)
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "\(mediaType ?? "-") \(bytes.count)")))
        }
        try await Application(router: router).test(.router) { client in
            func post(_ contentType: String?, _ bytes: [UInt8]) async throws -> (Int, String) {
                var headers = HTTPFields()
                if let contentType { headers[.contentType] = contentType }
                return try await client.execute(uri: "/api/v1/things/t-1/files", method: .post, headers: headers, body: ByteBuffer(bytes: bytes)) {
                    (Int($0.status.code), String(buffer: $0.body))
                }
            }
            #expect(try await post("IMAGE/PNG; x=1", [0x89, 0x50, 0x00, 0xFF]) == (200, "image/png 4"))
            #expect(try await post(nil, Array(repeating: 7, count: 16)) == (200, "- 16"))
            #expect(try await post("application/octet-stream", Array(repeating: 7, count: 17)).0 == 413)
            let refused = try await post("application/json", Array("{}".utf8))
            #expect(refused.0 == 415 && refused.1.contains("application/octet-stream, image/png"), "\(refused.1)")
        }
    }
}
