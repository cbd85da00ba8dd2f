import AsyncHTTPClient
import Contracts
public import Foundation
public import Logging
import Persistence
public import PostgresNIO
import ServiceLifecycle
public import ServiceRuntime

/// The `notifications` service: the in-app inbox, WeCom pushes (group robots per region, or the self-built app to one
/// person) for approval and other events, and the 09:00 daily digest.
///
/// Configuration: `wecom.webhook.base.url` / `wecom.webhook.key` (`WECOM_WEBHOOK_BASE_URL`, `WECOM_WEBHOOK_KEY`: the
/// default robot), `wecom.robots` (`WECOM_ROBOTS="east=KEY1,north=KEY2"`: a robot per region), `wecom.webhook.timeout.ms`
/// (5000); the self-built app `wecom.corp.id`, `wecom.agent.id`, `wecom.app.secret` (`WECOM_CORP_ID`, `WECOM_AGENT_ID`,
/// `WECOM_APP_SECRET`, else the sign-in's `WECOM_SECRET`) with `wecom.api.url` (`https://qyapi.weixin.qq.com`); neither robot nor app → pushes recorded as
/// `skipped`. `notifications.delivery.max.attempts` (8), `notifications.delivery.retry.base.ms` (2000),
/// `notifications.robot.per.minute` (20), `notifications.robot.pause.base.ms` (5000) and `.cap.ms` (120000) for 45009,
/// `notifications.quiet.hours` (`NOTIFICATIONS_QUIET_HOURS`, true: pushes wait for working hours, see ``PushPolicy``),
/// `notifications.daily.digest` (true: the 09:00 digest, ``DailyDigestJob``).
public enum NotificationsService: SalesDeskService {
    public static let name = Operation.Notifications.service
    public static let defaultHTTPPort = 8084
    public static var migrationsDirectory: URL? { Bundle.module.url(forResource: "Migrations", withExtension: nil) }

    /// The service's operations.
    public static func rpcRouter(postgres: PostgresClient, webhookPolicy: WebhookURLPolicy = .init(), logger: Logger) -> RPCRouter {
        let repository = NotificationRepository(logger: logger)
        var router = RPCRouter()
        // Webhooks for other systems (issue 12).
        WebhookHandlers(postgres: postgres, repository: WebhookRepository(logger: logger), policy: webhookPolicy, logger: logger)
            .register(on: &router)
        router.on(Operation.Notifications.list, ListNotificationsHandler(postgres: postgres, repository: repository, logger: logger).callAsFunction)
        router.on(
            MarkNotificationReadHandler.operation,
            MarkNotificationReadHandler(postgres: postgres, repository: repository, logger: logger).callAsFunction
        )
        router.on(
            MarkAllNotificationsReadHandler.operation,
            MarkAllNotificationsReadHandler(postgres: postgres, repository: repository, logger: logger).callAsFunction
        )
        router.on(
            UnreadNotificationCountHandler.operation,
            UnreadNotificationCountHandler(postgres: postgres, repository: repository, logger: logger).callAsFunction
        )
        return router
    }

    /// The event handlers: contacts from `user.*`, notifications and pushes from `approval.*`,
    /// `completeness.weekly_digest`, `service_request.submitted`, `repurchase.reminder` and `payment.overdue`, and the
    /// daily digest's replicas from `visit.*`, `customer.created`/`updated`, `receipt.recorded`, `installment.written_off`.
    /// - Parameters:
    ///   - wecomConfigured: whether pushes can be sent; otherwise they are recorded as `skipped`.
    ///   - timing: quiet hours or none (unit tests of content use ``PushTiming/immediate``).
    public static func eventHandlers(wecomConfigured: Bool, timing: PushTiming = .immediate, logger: Logger) -> EventHandlerRegistry {
        let repository = NotificationRepository(logger: logger, timing: timing)
        let approvals = ApprovalNotificationsHandler(repository: repository, wecomConfigured: wecomConfigured)
        var registry = EventHandlerRegistry()
        registry.registerOrgReplica(OrgReplica(logger: logger))
        registry.register(ApprovalStepAssigned.self, handler: approvals.stepAssigned)
        registry.register(ApprovalCompleted.self, handler: approvals.completed)
        // Reminders and escalation of pending approval steps (issue 12).
        let reminders = ApprovalReminderHandlers(repository: repository, wecomConfigured: wecomConfigured)
        registry.register(ApprovalStepReminded.self, handler: reminders.stepReminded)
        registry.register(ApprovalStepEscalated.self, handler: reminders.stepEscalated)
        registry.register(
            CompletenessWeeklyDigest.self,
            handler: CompletenessDigestHandler(repository: repository, wecomConfigured: wecomConfigured).callAsFunction
        )
        registry.register(
            ServiceRequestSubmitted.self,
            handler: ServiceRequestSubmittedHandler(repository: repository, wecomConfigured: wecomConfigured).callAsFunction
        )
        // Re-purchase and renewal reminders (issue 11).
        registry.register(
            RepurchaseReminder.self,
            handler: RepurchaseReminderHandler(repository: repository, wecomConfigured: wecomConfigured).callAsFunction
        )
        registry.register(
            PaymentOverdue.self,
            handler: PaymentOverdueHandler(repository: repository, wecomConfigured: wecomConfigured).callAsFunction
        )
        // The daily digest's replicas (issue 12): follow-ups from visits, customer names, receipts and write-offs.
        let replicas = DigestReplicaHandlers(digests: DigestRepository(logger: logger))
        registry.register(VisitCheckedIn.self, handler: replicas.visitCheckedIn)
        registry.register(VisitCheckedOut.self, handler: replicas.visitCheckedOut)
        registry.register(CustomerCreated.self, handler: replicas.customerCreated)
        registry.register(CustomerUpdated.self, handler: replicas.customerUpdated)
        registry.register(ReceiptRecorded.self, handler: replicas.receiptRecorded)
        registry.register(InstallmentWrittenOff.self, handler: replicas.installmentWrittenOff)
        // Webhooks (issue 12): last, so each subscribable type keeps its own handler and adds its deliveries.
        WebhookHandlers.addDeliveries(to: &registry, logger: logger)
        return registry
    }

    /// The group robots from configuration; `nil` when the base URL or the default key is unset.
    public static func webhook(_ configuration: ServiceConfiguration) throws(ConfigurationError) -> WeComWebhook? {
        guard let base = configuration.optional("wecom.webhook.base.url"), let key = configuration.optional("wecom.webhook.key") else { return nil }
        guard let url = URL(string: base), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ConfigurationError(key: "wecom.webhook.base.url", reason: "'\(base)' is not an http(s) URL")
        }
        let timeout = try configuration.int("wecom.webhook.timeout.ms", default: 5_000, in: 100...60_000)
        var regionKeys: [String: String] = [:]
        if let robots = configuration.optional("wecom.robots") {
            switch WeComRobots.parse(robots) {
            case .success(let keys): regionKeys = keys
            case .failure(let error):
                throw ConfigurationError(key: "wecom.robots", reason: "'\(error.item)' is not region=key (or names a region twice)")
            }
        }
        return WeComWebhook(baseURL: base, key: key, regionKeys: regionKeys, timeout: .milliseconds(timeout))
    }

    /// How signed webhooks are sent (issue 12): `webhook.allow.hosts` (`WEBHOOK_ALLOW_HOSTS`, comma-separated hosts that
    /// may be loopback/private and use http), `webhook.max.attempts` (8), `webhook.retry.base.ms` (10000),
    /// `webhook.timeout.ms` (10000).
    public static func webhookSettings(_ configuration: ServiceConfiguration) throws(ConfigurationError) -> WebhookSettings {
        WebhookSettings(
            maxAttempts: try configuration.int("webhook.max.attempts", default: 8, in: 1...50),
            retryBase: .milliseconds(try configuration.int("webhook.retry.base.ms", default: 10_000, in: 1...3_600_000)),
            timeout: .milliseconds(try configuration.int("webhook.timeout.ms", default: 10_000, in: 100...60_000)),
            policy: WebhookURLPolicy(allowHostsSetting: configuration.optional("webhook.allow.hosts"))
        )
    }

    /// The HTTP client of the push sender: as many connections to WeCom as a round sends pushes side by side
    /// (AsyncHTTPClient's shared client opens 8 per host, and the rest of a round would queue for them). It lives as
    /// long as the process.
    static let wecomHTTP = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: HTTPClient.Configuration(
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: DeliveryService.maxBatchSize)
        )
    )

    /// The self-built app from configuration; `nil` unless corp id, agent id and secret are all set.
    public static func app(_ configuration: ServiceConfiguration) throws(ConfigurationError) -> WeComApp? {
        guard let corpID = configuration.optional("wecom.corp.id"), let agent = configuration.optional("wecom.agent.id"),
            // The app's secret; the gateway's sign-in reads the same app's as `wecom.secret`, which serves here too.
            let secret = configuration.optional("wecom.app.secret") ?? configuration.optional("wecom.secret")
        else { return nil }
        guard let agentID = Int(agent) else { throw ConfigurationError(key: "wecom.agent.id", reason: "'\(agent)' is not a number") }
        let api = configuration.string("wecom.api.url", default: "https://qyapi.weixin.qq.com")
        guard let url = URL(string: api), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ConfigurationError(key: "wecom.api.url", reason: "'\(api)' is not an http(s) URL")
        }
        let timeout = try configuration.int("wecom.webhook.timeout.ms", default: 5_000, in: 100...60_000)
        return WeComApp(apiURL: api, corpID: corpID, agentID: agentID, secret: secret, timeout: .milliseconds(timeout))
    }

    /// What notifications adds to the common runtime: its RPC, its consumer, the webhook sender, the daily digest and,
    /// with a robot or the
    /// app, the push sender.
    public static func parts(_ context: ServiceContext) throws -> ServiceParts {
        let configuration = context.configuration
        let webhook = try webhook(configuration)
        let app = try app(configuration)
        let wecomConfigured = webhook != nil || app != nil
        if !wecomConfigured {
            context.logger.notice("no WeCom robot (WECOM_WEBHOOK_BASE_URL / WECOM_WEBHOOK_KEY) or app configured: pushes are recorded as skipped")
        }
        let timing = PushTiming(quietHours: try configuration.bool("notifications.quiet.hours", default: true))
        let webhookSettings = try webhookSettings(configuration)
        var services: [any Service] = [WebhookDeliveryService(client: context.postgres, settings: webhookSettings, logger: context.logger)]
        if wecomConfigured {
            let batchSize = try configuration.int("notifications.delivery.batch.size", default: DeliveryService.defaultBatchSize, in: 1...512)
            let pauseBase = try configuration.int("notifications.robot.pause.base.ms", default: 5_000, in: 1...600_000)
            let pauseCap = try configuration.int("notifications.robot.pause.cap.ms", default: 120_000, in: 1...3_600_000)
            services.append(
                DeliveryService(
                    client: context.postgres,
                    webhook: webhook,
                    app: app,
                    http: wecomHTTP,
                    maxAttempts: try configuration.int("notifications.delivery.max.attempts", default: 8, in: 1...50),
                    retryBaseDelay: .milliseconds(try configuration.int("notifications.delivery.retry.base.ms", default: 2_000, in: 1...600_000)),
                    limits: RobotLimits(
                        perMinute: try configuration.int("notifications.robot.per.minute", default: 20, in: 1...100_000),
                        pauseBase: .milliseconds(pauseBase),
                        pauseCap: .milliseconds(max(pauseCap, pauseBase))
                    ),
                    batchSize: batchSize,
                    logger: context.logger
                )
            )
        }
        if try configuration.bool("notifications.daily.digest", default: true) {
            let repository = NotificationRepository(logger: context.logger, timing: timing)
            services.append(
                ScheduleRunner(
                    client: context.postgres,
                    jobs: [DailyDigestJob.job(repository: repository, wecomConfigured: wecomConfigured, calendar: timing.calendar)],
                    logger: context.logger
                )
            )
        }
        return ServiceParts(
            rpc: rpcRouter(postgres: context.postgres, webhookPolicy: webhookSettings.policy, logger: context.logger),
            events: eventHandlers(wecomConfigured: wecomConfigured, timing: timing, logger: context.logger),
            services: services
        )
    }
}
