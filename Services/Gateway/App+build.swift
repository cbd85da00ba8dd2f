import AMQP
import Contracts
public import Foundation
import Hummingbird
import Logging
import Persistence
import PostgresNIO
public import ServiceRuntime

/// The `gateway`: the HTTP API `/api/v1` with login and roles; each data call an AMQP RPC to the service that owns
/// the data, carrying the caller's identity.
public enum GatewayService: SalesDeskService {
    public static let name = "gateway"
    public static let defaultHTTPPort = 8080
    public static var migrationsDirectory: URL? { Bundle.module.url(forResource: "Migrations", withExtension: nil) }

    /// What the gateway adds to the common runtime: the RPC client, the first-admin bootstrap, the API routes, the
    /// web app and the outbox relay for user events.
    ///
    /// Configuration: `jwt.secret` (`JWT_SECRET`, required, ≥ 32 characters), `salesdesk.admin.password`
    /// (`SALESDESK_ADMIN_PASSWORD`, required on first start), `auth.bcrypt.cost` (default 10),
    /// `auth.lockout.user.attempts` (5), `auth.lockout.address.attempts` (20), `auth.lockout.minutes` (15),
    /// `rpc.timeout.ms` (5000), `rpc.identity.key` (`RPC_IDENTITY_KEY`, required, ≥ 32 characters, shared with every
    /// service: it signs the caller identity of each RPC), `auth.cookie.secure` (`AUTH_COOKIE_SECURE`, default false;
    /// set it behind HTTPS), `salesdesk.web.root` (`SALESDESK_WEB_ROOT`: serve the web app from this folder instead of
    /// the bundled copy, for editing it), and for sign-in with WeCom `wecom.corp.id`, `wecom.agent.id`, `wecom.secret`
    /// and `salesdesk.public.url` (see ``WeComSignIn``); `public.rate.limit.per.minute` (30): requests per client address
    /// and per self-service token on the public routes (``PublicRateLimiter``); `trusted.proxies` (`TRUSTED_PROXIES`,
    /// none): the load balancers whose `X-Forwarded-For` names the client (``TrustedProxies``).
    public static func parts(_ context: ServiceContext) throws -> ServiceParts {
        let timeoutMS = try context.configuration.int("rpc.timeout.ms", default: 5000, in: 100...120_000)
        let settings = try IdentitySettings(context.configuration)
        let identityKey = try RPCIdentityKey(context.configuration)
        var rpcConfiguration = context.amqpConfiguration
        rpcConfiguration.connectionName = "gateway-rpc"
        let client = AMQPRPCClient(configuration: rpcConfiguration, topology: SalesDeskTopology.exchanges, logger: context.logger)
        let api = try API(
            forwarder: RPCForwarder(client: client, timeout: .milliseconds(timeoutMS), identityKey: identityKey, logger: context.logger),
            postgres: context.postgres,
            settings: settings,
            web: try WebApp.configured(context.configuration),
            logger: context.logger
        )
        let bootstrapped = StartupFlag()
        var bootstrap = api.bootstrap
        bootstrap.finished = bootstrapped
        return ServiceParts(
            publishesEvents: true,
            services: [client, bootstrap, CallerCache.Listener(cache: api.store.callers, postgres: context.postgres, logger: context.logger)],
            routes: { router in api.add(to: router) },
            readiness: [
                ReadinessCheck(name: "rpc") { client.isConnected },
                ReadinessCheck(name: "admin") { bootstrapped.isRaised },
            ],
            retention: IdentityRetention.rules(context.retention)
        )
    }

    /// The gateway's own configuration, checked before anything starts.
    struct IdentitySettings: Sendable {
        var jwtSecret: String
        var adminPassword: String?
        var bcryptCost: UInt8
        var lockout: LockoutPolicy
        var cookieSecure: Bool
        var wecom: WeComSignIn.Settings?
        /// Requests per minute a client address, and a self-service token, may make to the public routes.
        var publicRateLimit: Int
        /// The load balancers whose `X-Forwarded-For` names the client (`TRUSTED_PROXIES`; none by default).
        var trustedProxies: TrustedProxies

        init(_ configuration: ServiceConfiguration) throws(ConfigurationError) {
            jwtSecret = try configuration.required("jwt.secret")
            guard jwtSecret.utf8.count >= TokenService.minimumSecretLength else {
                throw ConfigurationError(
                    key: "jwt.secret",
                    reason: "must be at least \(TokenService.minimumSecretLength) characters (e.g. `openssl rand -hex 32`)"
                )
            }
            adminPassword = configuration.optional("salesdesk.admin.password")
            if let adminPassword, adminPassword.count < UserRules.minimumPasswordLength {
                throw ConfigurationError(
                    key: "salesdesk.admin.password",
                    reason: "must be at least \(UserRules.minimumPasswordLength) characters"
                )
            }
            bcryptCost = UInt8(try configuration.int("auth.bcrypt.cost", default: 10, in: 4...16))
            lockout = LockoutPolicy(
                userLimit: try configuration.int("auth.lockout.user.attempts", default: 5, in: 1...1000),
                addressLimit: try configuration.int("auth.lockout.address.attempts", default: 20, in: 1...100_000),
                window: TimeInterval(try configuration.int("auth.lockout.minutes", default: 15, in: 1...1440) * 60)
            )
            cookieSecure = try configuration.bool("auth.cookie.secure", default: false)
            wecom = try WeComSignIn.Settings(configuration)
            publicRateLimit = try configuration.int("public.rate.limit.per.minute", default: 30, in: 1...100_000)
            do {
                trustedProxies = try TrustedProxies(parsing: configuration.optional("trusted.proxies") ?? "")
            } catch {
                throw ConfigurationError(key: "trusted.proxies", reason: "'\(error.entry)' is not an IP address or a CIDR range")
            }
        }
    }

    /// The HTTP API, composed in one place; tests build it on their own router to compare it with the document.
    struct API: Sendable {
        let forwarder: RPCForwarder
        let postgres: PostgresClient
        let store: IdentityStore
        let tokens: TokenService
        let hasher: PasswordHasher
        let settings: IdentitySettings
        let web: WebApp
        let logger: Logger
        /// The routes forwarded to the services, as the API document declares them (`x-rpc`).
        let forwardedRoutes: [ForwardedRoute]
        /// Counts the requests of the public routes (``PublicRateLimiter``).
        let publicLimiter: PublicRateLimiter
        /// Notes each user's first authenticated request of a business day (``UserActivityRecorder``).
        let activity: UserActivityRecorder

        /// - Throws: ``ForwardedRoute/DocumentError`` when the bundled API document does not give the routes.
        init(forwarder: RPCForwarder, postgres: PostgresClient, settings: IdentitySettings, web: WebApp, logger: Logger) throws {
            self.web = web
            forwardedRoutes = try ForwardedRoute.routes(in: OpenAPIDocument.yaml)
            publicLimiter = PublicRateLimiter(limit: settings.publicRateLimit)
            self.forwarder = forwarder
            self.postgres = postgres
            self.settings = settings
            self.logger = logger
            store = IdentityStore(logger: logger)
            tokens = TokenService(secret: settings.jwtSecret)
            hasher = PasswordHasher(cost: settings.bcryptCost)
            activity = UserActivityRecorder(postgres: postgres, logger: logger)
        }

        var bootstrap: AdminBootstrap {
            AdminBootstrap(postgres: postgres, store: store, hasher: hasher, password: settings.adminPassword, logger: logger)
        }

        func add(to router: Router<ServiceRequestContext>) {
            router.add(middleware: TraceMiddleware())
            router.add(middleware: ProblemMiddleware())
            router.add(middleware: RequestLimitsMiddleware())
            router.get("/openapi.yaml") { _, _ in
                Response(
                    status: .ok,
                    headers: [.contentType: "application/yaml"],
                    body: .init(byteBuffer: .init(string: OpenAPIDocument.yaml))
                )
            }
            let identity = IdentityRoutes(
                postgres: postgres,
                store: store,
                tokens: tokens,
                hasher: hasher,
                lockout: settings.lockout,
                cookies: CookieSession(secure: settings.cookieSecure),
                wecom: settings.wecom.map { WeComSignIn(settings: $0) },
                logger: logger
            )
            // First in each group: who the client is, behind a trusted load balancer (TrustedProxies).
            let clients = ForwardedClientMiddleware(proxies: settings.trustedProxies)
            identity.addPublic(to: router.group("api/v1", context: GatewayRequestContext.self).add(middleware: clients))
            // Every other /api/v1 route needs a bearer token; the middleware applies to routes added after it.
            let api = router.group("api/v1", context: GatewayRequestContext.self)
                .add(middleware: clients)
                .add(middleware: AuthMiddleware(tokens: tokens, postgres: postgres, users: store.users, callers: store.callers, activity: activity))
            identity.addAuthenticated(to: api)
            CalendarRoutes(postgres: postgres, store: store, logger: logger).addAuthenticated(to: api)
            forwarder.add(forwardedRoutes.filter { !$0.isPublic }, to: api)
            // The customer's self-service page: no login, a rate limit per client address and per token.
            let visitors = router.group("api/v1", context: GatewayRequestContext.self)
                .add(middleware: clients)
                .add(middleware: PublicRateLimitMiddleware(limiter: publicLimiter) { $0.clientAddress })
            forwarder.addPublic(forwardedRoutes, to: visitors)
            // Last: the app's files answer the GETs no route above takes.
            web.add(to: router)
        }
    }
}
