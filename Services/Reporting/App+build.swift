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

    /// The event handlers, by event type.
    public static func eventHandlers(logger: Logger) -> EventHandlerRegistry {
        let log = ReportingRepository(logger: logger)
        let projections = SalesReportsRepository(logger: logger)
        let customers = CustomerEventsHandler(repository: log)
        let contracts = ContractEventsHandler(log: log, projections: projections)
        var registry = EventHandlerRegistry()
        registry.register(CustomerCreated.self, handler: customers.created)
        registry.register(CustomerUpdated.self, handler: customers.updated)
        registry.register(CustomerTransferred.self, handler: customers.transferred)
        registry.register(CustomerMerged.self, handler: customers.merged)
        registry.registerOrgReplica(OrgReplica(logger: logger)) { envelope, connection in try await log.record(envelope, on: connection) }
        registry.register(ContractSubmitted.self, handler: contracts.submitted)
        registry.register(ContractSigned.self, handler: contracts.signed)
        registry.register(DealStageChanged.self, handler: DealStageChangedHandler(log: log, projections: projections).callAsFunction)
        registry.register(ApprovalCompleted.self, handler: ApprovalCompletedHandler(log: log, projections: projections).callAsFunction)
        // Kept in the log only (no report reads them yet), so replay can build per-step approval figures later and
        // no published event type is left without a consumer.
        registry.register(ApprovalRequested.self) { _, envelope, connection, _ in try await log.record(envelope, on: connection) }
        registry.register(ApprovalStepDecided.self) { _, envelope, connection, _ in try await log.record(envelope, on: connection) }
        registry.register(DealUpdated.self) { _, envelope, connection, _ in try await log.record(envelope, on: connection) }
        registry.register(ProductUpdated.self) { _, envelope, connection, _ in try await log.record(envelope, on: connection) }
        registry.register(ProductRetired.self) { _, envelope, connection, _ in try await log.record(envelope, on: connection) }
        // Visits feed the weekly visit counts and follow-up figures (issue 10).
        let visits = VisitEventsHandler(log: log, projections: VisitReportsRepository(logger: logger))
        registry.register(VisitCheckedIn.self, handler: visits.checkedIn)
        registry.register(VisitCheckedOut.self, handler: visits.checkedOut)
        registry.register(UserLoggedIn.self, handler: UserLoggedInHandler(log: log, activity: DailyActiveRepository(logger: logger)).callAsFunction)
        // Visit photos are logged with the other visit events (issue 10).
        registry.register(VisitPhotoAdded.self) { _, envelope, connection, _ in try await log.record(envelope, on: connection) }
        // Shipments are logged (issue 11), so replay can build delivery figures (days from signing to delivery) later.
        registry.register(ShipmentRecorded.self) { _, envelope, connection, _ in try await log.record(envelope, on: connection) }
        return registry
    }

    /// The RPC operations.
    public static func rpcRouter(postgres: PostgresClient, logger: Logger) -> RPCRouter {
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
        return router
    }

    public static let publishesEvents = false

    /// The event log keeps its rows (replay rebuilds the projections) but loses their personal data.
    public static func retentionRules(_ policy: RetentionPolicy) -> [RetentionRule] {
        [EventLogPrivacy.rule(policy)]
    }
}
