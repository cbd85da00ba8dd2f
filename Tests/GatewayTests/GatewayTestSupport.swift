import AMQP
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport

@testable import Gateway

/// The gateway's HTTP API on a router, over a test schema of its own; the RPC client is never connected, so only
/// the routes the gateway answers itself (auth, users, regions) are exercised.
struct GatewayHarness: Sendable {
    static let secret = String(repeating: "k", count: 40)
    static let adminPassword = "salesdesk-admin"

    let api: GatewayService.API
    let postgres: PostgresClient

    init(postgres: PostgresClient, adminPassword: String? = Self.adminPassword, environment: [String: String] = [:]) throws {
        let configuration = ServiceConfiguration(
            environment: [
                "JWT_SECRET": Self.secret,
                "AUTH_BCRYPT_COST": "4",
                "SALESDESK_ADMIN_PASSWORD": adminPassword ?? "",
            ].merging(environment) { $1 }
        )
        let logger = Logger(label: "test.gateway")
        let client = AMQPRPCClient(configuration: try AMQPConfiguration(url: "amqp://guest:guest@127.0.0.1:1/test"), logger: logger)
        api = try GatewayService.API(
            forwarder: RPCForwarder(
                client: client,
                timeout: .seconds(1),
                identityKey: try RPCIdentityKey(secret: String(repeating: "r", count: 40)),
                logger: logger
            ),
            postgres: postgres,
            settings: try GatewayService.IdentitySettings(configuration),
            web: try WebApp.configured(configuration),
            logger: logger
        )
        self.postgres = postgres
    }

    /// The router ServiceApp would build, with the health routes.
    func router() -> Router<ServiceRequestContext> {
        let router = Router(context: ServiceRequestContext.self)
        router.addHealthRoutes(service: "gateway", checks: [])
        api.add(to: router)
        return router
    }

    /// The login operation as the route calls it, for tests that choose the client's address (a router test has no
    /// socket, so every request's address is `nil`).
    var login: LoginHandler {
        LoginHandler(
            postgres: postgres,
            store: api.store,
            tokens: api.tokens,
            hasher: api.hasher,
            lockout: api.settings.lockout,
            logger: Logger(label: "test.gateway")
        )
    }

    /// Runs `body` with the gateway's migrations applied, the first admin created and a test client.
    /// - Parameter mode: `.router` by default; `.live` for a real socket (the client's address is then 127.0.0.1).
    static func with<T: Sendable>(
        environment: [String: String] = [:],
        mode: TestingSetup = .router,
        _ body: @Sendable (GatewayHarness, any TestClientProtocol) async throws -> T
    ) async throws -> T {
        let migrations = try Migrator.load(bundleDirectory: GatewayService.migrationsDirectory!)
        return try await TestSchema.with(migrations: migrations) { postgres, _ in
            let harness = try GatewayHarness(postgres: postgres, environment: environment)
            try await harness.api.bootstrap.createAdminIfNoUsers()
            let app = Application(router: harness.router())
            return try await app.test(mode) { client in try await body(harness, client) }
        }
    }
}

extension TestClientProtocol {
    /// Sends a JSON request and returns the status, the decoded JSON object and the headers.
    @discardableResult
    func call(
        _ method: HTTPRequest.Method,
        _ uri: String,
        token: String? = nil,
        json: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> (status: Int, body: [String: any Sendable], headers: HTTPFields) {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) }) { response in
            let object = (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any] ?? [:]
            return (Int(response.status.code), Self.sendable(object), response.headers)
        }
    }

    private static func sendable(_ object: [String: Any]) -> [String: any Sendable] {
        object.compactMapValues { value in
            switch value {
            case let text as String: text
            // JSONSerialization hands out NSNumber for both numbers and booleans; the type code tells them apart.
            case let number as NSNumber: String(cString: number.objCType) == "c" ? number.boolValue : number.intValue
            case let nested as [String: Any]: sendable(nested)
            default: nil
            }
        }
    }

    /// Logs in and returns the access and refresh tokens.
    func login(_ username: String, _ password: String) async throws -> (access: String, refresh: String)? {
        let reply = try await call(.post, "/api/v1/auth/login", json: #"{"username":"\#(username)","password":"\#(password)"}"#)
        guard reply.status == 200, let access = reply.body["accessToken"] as? String, let refresh = reply.body["refreshToken"] as? String
        else { return nil }
        return (access, refresh)
    }
}
