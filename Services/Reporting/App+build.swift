import Contracts
public import Foundation
public import Logging
public import Persistence
public import PostgresNIO
public import ServiceRuntime

/// The `reporting` service: projections built from events, answered over RPC.
public enum ReportingService: MessagingService {
    public static let name = Operation.Reporting.service
    public static let defaultHTTPPort = 8085
    public static var migrationsDirectory: URL? { Bundle.module.url(forResource: "Migrations", withExtension: nil) }

    /// What reporting adds to the common runtime: its operations with the issue-11 settings from configuration
    /// (``ReportingSettings``), its event handlers, the outbox relay (it publishes `repurchase.reminder`), the daily
    /// 09:00 re-purchase check (``RepurchaseReminderJob``) on the wall clock, and the folds of the customer count, deal
    /// funnel and true margin buyer changes every five seconds (``ReportingRepository/customerCountsFold``, migration
    /// 0017; ``SalesReportsRepository/dealFunnelFold``, 0018; ``CollectionsRepository/buyersFold``, 0019).
    public static func parts(_ context: ServiceContext) throws -> ServiceParts {
        let settings = try ReportingSettings(context.configuration)
        return ServiceParts(
            rpc: rpcRouter(postgres: context.postgres, logger: context.logger, settings: settings),
            events: eventHandlers(logger: context.logger),
            publishesEvents: publishesEvents,
            services: [
                ScheduleRunner(
                    client: context.postgres,
                    jobs: [RepurchaseReminderJob.job(repository: CollectionsRepository(logger: context.logger), settings: settings)],
                    logger: context.logger
                ),
                CountsFolder(
                    name: "customer counts",
                    statement: ReportingRepository.customerCountsFold,
                    postgres: context.postgres,
                    logger: context.logger
                ),
                CountsFolder(
                    name: "deal funnel",
                    statement: SalesReportsRepository.dealFunnelFold,
                    postgres: context.postgres,
                    logger: context.logger
                ),
                CountsFolder(
                    name: "true margin buyers",
                    statement: CollectionsRepository.buyersFold,
                    postgres: context.postgres,
                    logger: context.logger
                ),
            ],
            retention: retentionRules(context.retention)
        )
    }

    /// The event handlers, by event type.
    public static func eventHandlers(logger: Logger) -> EventHandlerRegistry {
        let log = ReportingRepository(logger: logger)
        let projections = SalesReportsRepository(logger: logger)
        let customers = CustomerEventsHandler(repository: log)
        let contracts = ContractEventsHandler(log: log, projections: projections, collections: CollectionsRepository(logger: logger))
        var registry = EventHandlerRegistry()
        registry.register(CustomerCreated.self, handler: customers.created)
        registry.register(CustomersImported.self, handler: customers.imported)
        registry.register(CustomerUpdated.self, handler: customers.updated)
        registry.register(CustomerTransferred.self, handler: customers.transferred)
        registry.register(CustomerMerged.self, handler: customers.merged)
        registry.registerOrgReplica(OrgReplica(logger: logger)) { envelope, connection in try await log.record(envelope, on: connection) }
        // The holiday calendar (issue 12): the KPI panel's daily-active ratio counts working days only.
        registry.registerCalendarReplica(CalendarReplica(logger: logger))
        registry.register(ContractSubmitted.self, handler: contracts.submitted)
        registry.register(ContractSigned.self, handler: contracts.signed)
        registry.register(DealStageChanged.self, handler: DealStageChangedHandler(log: log, projections: projections).callAsFunction)
        registry.register(ApprovalCompleted.self, handler: ApprovalCompletedHandler(log: log, projections: projections).callAsFunction)
        // The approval steps feed SLA analytics (issue 12): per step, approver and tier, breaches and stuck steps.
        let approvalSteps = ApprovalStepEventsHandler(log: log, steps: ApprovalSLARepository(logger: logger))
        registry.register(ApprovalRequested.self, handler: approvalSteps.requested)
        registry.register(ApprovalStepAssigned.self, handler: approvalSteps.assigned)
        registry.register(ApprovalStepDecided.self, handler: approvalSteps.decided)
        registry.register(DealUpdated.self) { _, envelope, connection, _ in try await log.record(envelope, on: connection) }
        registry.register(ProductUpdated.self) { _, envelope, connection, _ in try await log.record(envelope, on: connection) }
        registry.register(ProductRetired.self) { _, envelope, connection, _ in try await log.record(envelope, on: connection) }
        // Visits feed the weekly visit counts and follow-up figures (issue 10).
        let visits = VisitEventsHandler(log: log, projections: VisitReportsRepository(logger: logger))
        registry.register(VisitCheckedIn.self, handler: visits.checkedIn)
        registry.register(VisitCheckedOut.self, handler: visits.checkedOut)
        registry.register(UserLoggedIn.self, handler: UserLoggedInHandler(log: log, activity: DailyActiveRepository(logger: logger)).callAsFunction)
        // Any authenticated action counts towards the daily-active ratio (issue 12).
        registry.register(UserActive.self, handler: UserActiveHandler(log: log, activity: DailyActiveRepository(logger: logger)).callAsFunction)
        // Visit photos are logged with the other visit events (issue 10).
        registry.register(VisitPhotoAdded.self) { _, envelope, connection, _ in try await log.record(envelope, on: connection) }
        // Shipments are logged (issue 11), so replay can build delivery figures (days from signing to delivery) later.
        registry.register(ShipmentRecorded.self) { _, envelope, connection, _ in try await log.record(envelope, on: connection) }
        // The money of signed contracts feeds the true margin (issue 11).
        let collections = CollectionEventsHandler(log: log, collections: CollectionsRepository(logger: logger))
        registry.register(PaymentPlanChanged.self, handler: collections.planChanged)
        registry.register(ReceiptRecorded.self, handler: collections.receiptRecorded)
        registry.register(ReceiptReversed.self, handler: collections.receiptReversed)
        registry.register(InstallmentWrittenOff.self, handler: collections.writtenOff)
        return registry
    }

    /// The RPC operations with the default settings.
    public static func rpcRouter(postgres: PostgresClient, logger: Logger) -> RPCRouter {
        rpcRouter(postgres: postgres, logger: logger, settings: ReportingSettings())
    }

    /// The RPC operations; `now` is the wall clock the true margin and the re-purchase list read.
    static func rpcRouter(
        postgres: PostgresClient,
        logger: Logger,
        settings: ReportingSettings,
        now: @escaping @Sendable () -> Date = { Date() },
        calendar: WorkingCalendar? = nil
    ) -> RPCRouter {
        var router = RPCRouter()
        router.on(Operation.Reporting.summary, SummaryHandler(postgres: postgres, repository: ReportingRepository(logger: logger)).callAsFunction)
        let reports = SalesReportsRepository(logger: logger)
        router.on(Operation.Reporting.topReps, TopRepsHandler(postgres: postgres, repository: reports).callAsFunction)
        router.on(Operation.Reporting.productLineMargins, ProductLineMarginsHandler(postgres: postgres, repository: reports).callAsFunction)
        router.on(Operation.Reporting.funnel, FunnelHandler(postgres: postgres, repository: reports).callAsFunction)
        router.on(Operation.Reporting.approvalTimes, ApprovalTimesHandler(postgres: postgres, repository: reports).callAsFunction)
        router.on(
            DailyActiveHandler.operation,
            DailyActiveHandler(postgres: postgres, repository: DailyActiveRepository(logger: logger)).callAsFunction
        )
        router.on(
            VisitsWeeklyHandler.operation,
            VisitsWeeklyHandler(postgres: postgres, repository: VisitReportsRepository(logger: logger)).callAsFunction
        )
        router.on(
            KPIsHandler.operation,
            KPIsHandler(
                postgres: postgres,
                reports: reports,
                activity: DailyActiveRepository(logger: logger),
                calendar: calendar,
                now: now
            ).callAsFunction
        )
        let approvalSteps = ApprovalSLARepository(logger: logger)
        router.on(
            ApprovalSLAHandler.operation,
            ApprovalSLAHandler(postgres: postgres, repository: approvalSteps, calendar: calendar, now: now).summary
        )
        router.on(
            ApprovalSLAHandler.breachesOperation,
            ApprovalSLAHandler(postgres: postgres, repository: approvalSteps, calendar: calendar, now: now).breaches
        )
        let collections = CollectionsRepository(logger: logger)
        router.on(
            Operation.Reporting.trueMargin,
            TrueMarginHandler(postgres: postgres, repository: collections, settings: settings, now: now).callAsFunction
        )
        router.on(
            Operation.Reporting.repurchase,
            RepurchaseHandler(
                postgres: postgres,
                repository: collections,
                purchases: RepurchaseRepository(logger: logger),
                settings: settings,
                now: now
            ).callAsFunction
        )
        return router
    }

    /// Reporting publishes `repurchase.reminder` (issue 11).
    public static let publishesEvents = true

    /// The event log keeps its rows (replay rebuilds the projections) but loses their personal data.
    public static func retentionRules(_ policy: RetentionPolicy) -> [RetentionRule] {
        [EventLogPrivacy.rule(policy)]
    }
}
