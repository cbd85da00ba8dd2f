import AsyncHTTPClient
import Contracts
public import Foundation
public import Logging
import Persistence
public import PostgresNIO
import ServiceLifecycle
public import ServiceRuntime

/// The `notifications` service: the in-app inbox and WeCom group-robot pushes for approval events and the weekly
/// completeness digest.
///
/// Configuration: `wecom.webhook.base.url` / `wecom.webhook.key` (`WECOM_WEBHOOK_BASE_URL`, `WECOM_WEBHOOK_KEY`;
/// both unset → pushes recorded as `skipped`), `wecom.webhook.timeout.ms` (5000),
/// `notifications.delivery.max.attempts` (8), `notifications.delivery.retry.base.ms` (2000).
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
    /// `completeness.weekly_digest`, `service_request.submitted`, `repurchase.reminder` and `payment.overdue`.
    /// - Parameter wecomConfigured: whether pushes can be sent; otherwise they are recorded as `skipped`.
    public static func eventHandlers(wecomConfigured: Bool, logger: Logger) -> EventHandlerRegistry {
        let repository = NotificationRepository(logger: logger)
        let approvals = ApprovalNotificationsHandler(repository: repository, wecomConfigured: wecomConfigured)
        var registry = EventHandlerRegistry()
        registry.registerOrgReplica(OrgReplica(logger: logger))
        registry.register(ApprovalStepAssigned.self, handler: approvals.stepAssigned)
        registry.register(ApprovalCompleted.self, handler: approvals.completed)
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
        // Webhooks (issue 12): last, so each subscribable type keeps its own handler and adds its deliveries.
        WebhookHandlers.addDeliveries(to: &registry, logger: logger)
        return registry
    }

    /// The webhook from configuration; `nil` when base URL or key is unset.
    public static func webhook(_ configuration: ServiceConfiguration) throws(ConfigurationError) -> WeComWebhook? {
        guard let base = configuration.optional("wecom.webhook.base.url"), let key = configuration.optional("wecom.webhook.key") else { return nil }
        guard let url = URL(string: base), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ConfigurationError(key: "wecom.webhook.base.url", reason: "'\(base)' is not an http(s) URL")
        }
        let timeout = try configuration.int("wecom.webhook.timeout.ms", default: 5_000, in: 100...60_000)
        return WeComWebhook(baseURL: base, key: key, timeout: .milliseconds(timeout))
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

    /// What notifications adds to the common runtime: its RPC, its consumer, the webhook sender and, with a WeCom
    /// webhook, the push sender.
    public static func parts(_ context: ServiceContext) throws -> ServiceParts {
        let webhook = try webhook(context.configuration)
        let webhookSettings = try webhookSettings(context.configuration)
        if webhook == nil { context.logger.notice("WECOM_WEBHOOK_BASE_URL / WECOM_WEBHOOK_KEY unset: WeCom pushes are recorded as skipped") }
        var services: [any Service] = [WebhookDeliveryService(client: context.postgres, settings: webhookSettings, logger: context.logger)]
        if let webhook {
            services.append(
                DeliveryService(
                    client: context.postgres,
                    webhook: webhook,
                    maxAttempts: try context.configuration.int("notifications.delivery.max.attempts", default: 8, in: 1...50),
                    retryBaseDelay: .milliseconds(
                        try context.configuration.int("notifications.delivery.retry.base.ms", default: 2_000, in: 1...600_000)
                    ),
                    logger: context.logger
                )
            )
        }
        return ServiceParts(
            rpc: rpcRouter(postgres: context.postgres, webhookPolicy: webhookSettings.policy, logger: context.logger),
            events: eventHandlers(wecomConfigured: webhook != nil, logger: context.logger),
            services: services
        )
    }
}
