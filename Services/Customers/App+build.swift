import Contracts
public import Foundation
public import Logging
import Persistence
public import PostgresNIO
public import ServiceRuntime

/// The `customers` service: customer master data, answered over RPC, changes published as events.
public enum CustomersService: MessagingService {
    public static let name = Operation.Customers.service
    public static let defaultHTTPPort = 8081
    public static var migrationsDirectory: URL? { Bundle.module.url(forResource: "Migrations", withExtension: nil) }

    /// What customers adds to the common runtime: its operations with the visit thresholds from configuration,
    /// its event handlers and the outbox relay.
    ///
    /// Configuration: `visits.max.distance.meters` (default 500), beyond which a check-in is flagged `far`,
    /// `visits.poor.accuracy.meters` (default 200), beyond which its position is flagged `poor_accuracy`, and
    /// `completeness.weights` (``Completeness/Weights``; a bad value stops the service at start).
    /// Imports: `imports.batch.size` (default 1,000 rows per transaction) and `imports.lease.seconds` (default 60: how
    /// long a dead worker's job waits before another worker resumes it).
    ///
    /// Also runs the Monday completeness digest (``CompletenessWeeklyDigestJob``) on the wall clock, and folds the
    /// completeness count changes every five seconds (``CompletenessCountsFolder``).
    public static func parts(_ context: ServiceContext) throws -> ServiceParts {
        let thresholds = VisitRules.Thresholds(
            maxDistanceMeters: try context.configuration.int("visits.max.distance.meters", default: 500, in: 1...1_000_000),
            poorAccuracyMeters: try context.configuration.int("visits.poor.accuracy.meters", default: 200, in: 1...100_000)
        )
        let weights = try Completeness.Weights(context.configuration)
        let completeness = CompletenessRepository(weights: weights, logger: context.logger)
        return ServiceParts(
            rpc: rpcRouter(postgres: context.postgres, logger: context.logger, thresholds: thresholds, weights: weights),
            events: eventHandlers(logger: context.logger),
            publishesEvents: publishesEvents,
            services: [
                ScheduleRunner(client: context.postgres, jobs: [CompletenessWeeklyDigestJob.job(repository: completeness)], logger: context.logger),
                CompletenessCountsFolder.service(postgres: context.postgres, logger: context.logger),
                ImportWorker(
                    postgres: context.postgres,
                    logger: context.logger,
                    batchSize: try context.configuration.int("imports.batch.size", default: 1_000, in: 1...10_000),
                    leaseSeconds: try context.configuration.int("imports.lease.seconds", default: 60, in: 5...3_600)
                ),
            ],
            retention: retentionRules(context.retention)
        )
    }

    /// The service's operations with the default visit thresholds and completeness weights.
    public static func rpcRouter(postgres: PostgresClient, logger: Logger) -> RPCRouter {
        rpcRouter(postgres: postgres, logger: logger, thresholds: VisitRules.Thresholds(), weights: .default)
    }

    /// The service's operations, wired to its repositories; `now` is the wall clock the completeness rule reads.
    static func rpcRouter(
        postgres: PostgresClient,
        logger: Logger,
        thresholds: VisitRules.Thresholds,
        weights: Completeness.Weights,
        now: @escaping @Sendable () -> Date = { Date() }
    ) -> RPCRouter {
        let repository = PostgresCustomerRepository(logger: logger)
        let completeness = CompletenessRepository(weights: weights, logger: logger)
        let visits = PostgresVisitRepository(logger: logger)
        let users = OrgReplica(logger: logger)
        let regions = RegionReplica(logger: logger)
        var router = RPCRouter()
        router.on(
            Operation.Customers.create,
            CreateCustomerHandler(postgres: postgres, repository: repository, users: users, regions: regions, logger: logger).callAsFunction
        )
        router.on(
            Operation.Customers.get,
            GetCustomerHandler(postgres: postgres, repository: repository, completeness: completeness, now: now, logger: logger).callAsFunction
        )
        router.on(Operation.Customers.list, ListCustomersHandler(postgres: postgres, repository: repository, logger: logger).callAsFunction)
        router.on(
            Operation.Customers.update,
            UpdateCustomerHandler(postgres: postgres, repository: repository, users: users, regions: regions, logger: logger).callAsFunction
        )
        router.on(
            FindDuplicatesHandler.operation,
            FindDuplicatesHandler(postgres: postgres, repository: repository, users: users, logger: logger).callAsFunction
        )
        router.on(
            MergeCustomersHandler.operation,
            MergeCustomersHandler(postgres: postgres, repository: repository, visits: visits, logger: logger).callAsFunction
        )
        router.on(
            Operation.Customers.transfer,
            TransferCustomersHandler(postgres: postgres, repository: repository, users: users, logger: logger).callAsFunction
        )
        router.on(
            ArchiveCustomerHandler.archive,
            ArchiveCustomerHandler(postgres: postgres, repository: repository, archiving: true, logger: logger).callAsFunction
        )
        router.on(
            ArchiveCustomerHandler.restore,
            ArchiveCustomerHandler(postgres: postgres, repository: repository, archiving: false, logger: logger).callAsFunction
        )
        router.on(
            Operation.Customers.history,
            CustomerHistoryHandler(postgres: postgres, repository: repository, logger: logger).callAsFunction
        )
        router.on(
            SetCustomerLocationHandler.operation,
            SetCustomerLocationHandler(postgres: postgres, repository: repository, logger: logger).callAsFunction
        )
        router.on(
            CheckInHandler.operation,
            CheckInHandler(postgres: postgres, customers: repository, visits: visits, thresholds: thresholds, logger: logger).callAsFunction
        )
        router.on(CheckOutHandler.operation, CheckOutHandler(postgres: postgres, visits: visits, logger: logger).callAsFunction)
        addPhotoOperations(to: &router, postgres: postgres, customers: repository, visits: visits, logger: logger)
        router.on(
            ListVisitsHandler.list,
            ListVisitsHandler(postgres: postgres, customers: repository, visits: visits, ofCustomer: false, logger: logger).callAsFunction
        )
        let fieldWork = FieldWorkRepository(logger: logger)
        router.on(NotVisitedCustomersHandler.operation, NotVisitedCustomersHandler(postgres: postgres, repository: fieldWork).callAsFunction)
        router.on(OverdueFollowUpsHandler.operation, OverdueFollowUpsHandler(postgres: postgres, repository: fieldWork).callAsFunction)
        router.on(
            ListVisitsHandler.listOfCustomer,
            ListVisitsHandler(postgres: postgres, customers: repository, visits: visits, ofCustomer: true, logger: logger).callAsFunction
        )
        router.on(
            CompletenessReportHandler.operation,
            CompletenessReportHandler(postgres: postgres, repository: completeness, now: now, logger: logger).callAsFunction
        )
        router.on(StartImportHandler.operation, StartImportHandler(postgres: postgres, logger: logger).callAsFunction)
        router.on(ImportJobHandler.get, ImportJobHandler(postgres: postgres, listsErrors: false, logger: logger).callAsFunction)
        router.on(ImportJobHandler.errors, ImportJobHandler(postgres: postgres, listsErrors: true, logger: logger).callAsFunction)
        router.on(
            ExportCustomersHandler.operation,
            ExportCustomersHandler(postgres: postgres, repository: repository, logger: logger).callAsFunction
        )
        return router
    }

    /// The event handlers, by event type: the org replica that owner rules consult, and the regions a customer may
    /// be placed in.
    public static func eventHandlers(logger: Logger) -> EventHandlerRegistry {
        var registry = EventHandlerRegistry()
        registry.registerOrgReplica(OrgReplica(logger: logger))
        let regions = RegionReplica(logger: logger)
        registry.register(RegionCreated.self) { event, _, connection, _ in
            try await regions.store(code: event.code, name: event.name, on: connection)
        }
        return registry
    }

    public static let publishesEvents = true

    /// The scope of a caller about to change customers (403 for a read-only role).
    static func writeScope(_ request: RPCRequest) throws(Problem) -> DataScope {
        try request.writeScope(of: "customers")
    }
}
