import AMQP
import Contracts
public import Foundation
public import Logging
import Persistence
public import PostgresNIO
public import ServiceRuntime

/// The `deals` service: products, the pipeline, versioned quotes and contracts, answered over RPC; changes published
/// as events through the outbox; customers kept in a local replica for data scope.
public enum DealsService: MessagingService {
    public static let name = Operation.Deals.service
    public static let defaultHTTPPort = 8082
    public static var migrationsDirectory: URL? { Bundle.module.url(forResource: "Migrations", withExtension: nil) }

    /// What deals adds to the common runtime: its operations, its event handlers, the outbox relay, its own RPC
    /// client to ask `customers` for a customer the replica does not know yet, and the working-day 09:00 overdue
    /// check (``PaymentOverdueCheckJob``).
    ///
    /// Configuration: `customers.lookup.timeout.ms` (default 2000), how long a `customers.get` may take; shorter than
    /// the gateway's `rpc.timeout.ms`, so the caller hears the answer (or a 504 naming `customers`) before the gateway
    /// gives up on deals.
    ///
    /// `payment.terms` (env `PAYMENT_TERMS`, default ``PaymentTerms/defaultText``): the terms a signed contract's payment
    /// plan is proposed from, written as ``PaymentTerms`` describes; a value that does not parse stops the service.
    public static func parts(_ context: ServiceContext) throws -> ServiceParts {
        let timeoutMS = try context.configuration.int("customers.lookup.timeout.ms", default: 2000, in: 100...120_000)
        let terms = try paymentTerms(context.configuration)
        let portalBaseURL = context.configuration.string("salesdesk.public.url", default: defaultPortalBaseURL).trimmingCharacters(in: ["/"])
        var rpcConfiguration = context.amqpConfiguration
        rpcConfiguration.connectionName = "deals-rpc"
        let client = AMQPRPCClient(configuration: rpcConfiguration, topology: SalesDeskTopology.exchanges, logger: context.logger)
        let customers = RPCCustomerLookup(
            client: client,
            timeout: .milliseconds(timeoutMS),
            identityKey: try RPCIdentityKey(context.configuration),
            logger: context.logger
        )
        return ServiceParts(
            rpc: rpcRouter(postgres: context.postgres, logger: context.logger, customers: customers, terms: terms, portalBaseURL: portalBaseURL),
            events: eventHandlers(logger: context.logger),
            publishesEvents: publishesEvents,
            services: [
                client,
                ScheduleRunner(
                    client: context.postgres,
                    jobs: [PaymentOverdueCheckJob.job(repository: ReceivablesRepository(logger: context.logger))],
                    logger: context.logger
                ),
            ],
            readiness: [ReadinessCheck(name: "rpc") { client.isConnected }]
        )
    }

    /// The payment terms of `payment.terms` (env `PAYMENT_TERMS`), or the default ones when it is not set.
    public static func paymentTerms(_ configuration: ServiceConfiguration) throws(ConfigurationError) -> PaymentTerms {
        switch PaymentTerms.parse(configuration.string("payment.terms", default: PaymentTerms.defaultText)) {
        case .success(let terms): return terms
        case .failure(let error):
            throw ConfigurationError(key: "payment.terms", reason: "\(error) (expected e.g. '\(PaymentTerms.defaultText)')")
        }
    }

    /// The service's operations answered from the customer replica alone (see ``rpcRouter(postgres:logger:customers:terms:)``).
    public static func rpcRouter(postgres: PostgresClient, logger: Logger) -> RPCRouter {
        rpcRouter(postgres: postgres, logger: logger, customers: ReplicaOnlyLookup())
    }

    /// The service's operations, wired to its repositories; `customers` answers for a customer the replica does not
    /// know yet; `terms` propose the payment plans.
    ///
    /// `portalBaseURL` (configuration `salesdesk.public.url`, env `SALESDESK_PUBLIC_URL`, as the gateway reads it) is where customers reach the gateway's
    /// web app: a customer's self-service link and its QR code are `<portalBaseURL>/portal.html#<token>`.
    static func rpcRouter(
        postgres: PostgresClient,
        logger: Logger,
        customers: any CustomerLookup,
        terms: PaymentTerms = .standard,
        portalBaseURL: String = defaultPortalBaseURL
    ) -> RPCRouter {
        let store = DealsStore(logger: logger)
        let desk = PaymentsDesk(store: store, terms: terms, logger: logger)
        var router = RPCRouter()
        router.on(Operation.Deals.createProduct, CreateProductHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(Operation.Deals.listProducts, ListProductsHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(UpdateProductHandler.operation, UpdateProductHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(RetireProductHandler.operation, RetireProductHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(ProductHistoryHandler.operation, ProductHistoryHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(
            Operation.Deals.createDeal,
            CreateDealHandler(postgres: postgres, store: store, customers: customers, logger: logger).callAsFunction
        )
        router.on(Operation.Deals.getDeal, GetDealHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(UpdateDealHandler.operation, UpdateDealHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(GetDealHistoryHandler.operation, GetDealHistoryHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(Operation.Deals.listDeals, ListDealsHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(Operation.Deals.changeStage, ChangeStageHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(Operation.Deals.createQuoteVersion, CreateQuoteVersionHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(Operation.Deals.listQuoteVersions, ListQuoteVersionsHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(Operation.Deals.getQuote, GetQuoteHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(Operation.Deals.createContract, CreateContractHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(Operation.Deals.getContract, GetContractHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(Operation.Deals.listContracts, ListContractsHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(Operation.Deals.submitContract, SubmitContractHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(Operation.Deals.signContract, SignContractHandler(postgres: postgres, store: store, payments: desk, logger: logger).callAsFunction)
        // Payment plans and receipts (issue 11).
        router.on(GetPaymentsHandler.operation, GetPaymentsHandler(postgres: postgres, desk: desk, logger: logger).callAsFunction)
        router.on(ReplacePaymentPlanHandler.operation, ReplacePaymentPlanHandler(postgres: postgres, desk: desk, logger: logger).callAsFunction)
        router.on(RecordReceiptHandler.operation, RecordReceiptHandler(postgres: postgres, desk: desk, logger: logger).callAsFunction)
        router.on(ReverseReceiptHandler.operation, ReverseReceiptHandler(postgres: postgres, desk: desk, logger: logger).callAsFunction)
        router.on(WriteOffInstallmentHandler.operation, WriteOffInstallmentHandler(postgres: postgres, desk: desk, logger: logger).callAsFunction)
        router.on(RecordShipmentHandler.operation, RecordShipmentHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(GetShipmentsHandler.operation, GetShipmentsHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(ShippingQueueHandler.operation, ShippingQueueHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        // The customer portal (issue 11): self-service links, the public page, invoices, after-sales requests.
        PortalLinkHandlers(postgres: postgres, store: store, baseURL: portalBaseURL, logger: logger).register(on: &router)
        PublicPortalHandlers(postgres: postgres, store: store, logger: logger).register(on: &router)
        InvoiceHandlers(postgres: postgres, store: store, logger: logger).register(on: &router)
        ServiceRequestHandlers(postgres: postgres, store: store, logger: logger).register(on: &router)
        // Expense claims (报销申请, issue 12).
        ExpenseClaimHandlers(postgres: postgres, store: store, logger: logger).register(on: &router)
        // Discount limits (折扣权限, issue 12): read by everyone signed in, changed by admins.
        DiscountLimitHandlers(postgres: postgres, store: store, logger: logger).register(on: &router)
        // Receivables (issue 11): the ageing report and its drill-down.
        let receivables = ReceivablesRepository(logger: logger)
        router.on(
            ReceivablesReportHandler.operation,
            ReceivablesReportHandler(postgres: postgres, repository: receivables, logger: logger).callAsFunction
        )
        router.on(
            ListReceivableInstallmentsHandler.operation,
            ListReceivableInstallmentsHandler(postgres: postgres, repository: receivables, logger: logger).callAsFunction
        )
        return router
    }

    /// The event handlers, by event type: the customer replica, approval outcomes and the org replica.
    public static func eventHandlers(logger: Logger) -> EventHandlerRegistry {
        let store = DealsStore(logger: logger)
        let replica = CustomerReplicaHandler(store: store)
        let approvals = ApprovalCompletedHandler(store: store)
        var registry = EventHandlerRegistry()
        registry.register(CustomerCreated.self, handler: replica.created)
        registry.register(CustomersImported.self, handler: replica.imported)
        registry.register(CustomerUpdated.self, handler: replica.updated)
        registry.register(CustomerTransferred.self, handler: replica.transferred)
        registry.register(CustomerArchived.self, handler: replica.archived)
        registry.register(CustomerRestored.self, handler: replica.restored)
        registry.register(CustomerMerged.self, handler: replica.merged)
        registry.register(ApprovalCompleted.self, handler: approvals.callAsFunction)
        // The owners' names: on a customer's self-service page (and their phone, when shown) and in the receivables report.
        registry.registerOrgReplica(store.org)
        // Holidays and make-up workdays, for the working-day overdue check.
        registry.registerCalendarReplica(CalendarReplica(logger: logger))
        return registry
    }

    public static let publishesEvents = true

    /// The gateway's address on a developer's machine (`scripts/run`); deployments set `SALESDESK_PUBLIC_URL`.
    static let defaultPortalBaseURL = "http://localhost:8080"

    /// The caller, if they may maintain the catalogue: prices and costs are the company's, so only admin and finance
    /// (403 for everyone else).
    static func catalogueMaintainer(_ request: RPCRequest) throws(Problem) -> CallerIdentity {
        let identity = try request.requireIdentity()
        guard identity.role == .admin || identity.role == .finance else {
            throw Problem.forbidden("Only admin and finance maintain the product catalogue.")
        }
        return identity
    }

    /// The scope of a caller about to change deals (403 for a read-only role).
    static func writeScope(_ request: RPCRequest) throws(Problem) -> DataScope {
        try request.writeScope(of: "deals")
    }
}

/// The repositories of the service, built once and shared by its handlers.
struct DealsStore: Sendable {
    let products: ProductRepository
    let deals: DealRepository
    let quotes: QuoteRepository
    let contracts: ContractRepository
    let customers: CustomerReplicaRepository
    let shipments: ShipmentRepository
    let portal: PortalRepository
    let invoices: InvoiceRepository
    let serviceRequests: ServiceRequestRepository
    let org: OrgReplica
    let discounts: DiscountRepository
    let logger: Logger

    init(logger: Logger) {
        products = ProductRepository(logger: logger)
        deals = DealRepository(logger: logger)
        quotes = QuoteRepository(logger: logger)
        contracts = ContractRepository(logger: logger)
        customers = CustomerReplicaRepository(logger: logger)
        shipments = ShipmentRepository(logger: logger)
        portal = PortalRepository(logger: logger)
        invoices = InvoiceRepository(logger: logger)
        serviceRequests = ServiceRequestRepository(logger: logger)
        org = OrgReplica(logger: logger)
        discounts = DiscountRepository(logger: logger)
        self.logger = logger
    }

    /// Moves a deal to a new stage: the deal row, a line of its stage history and `deal.stage_changed` in the outbox,
    /// all on the caller's transaction.
    /// - Returns: the deal after the move.
    func moveDeal(
        _ deal: Deal,
        to stage: DealStage,
        lostReason: String? = nil,
        lostFromStage: DealStage? = nil,
        by actor: String,
        at time: Date,
        traceparent: String?,
        on connection: PostgresConnection
    ) async throws -> Deal {
        var moved = deal
        moved.stage = stage
        moved.lostReason = lostReason
        moved.lostFromStage = lostFromStage
        moved.version += 1
        moved.updatedAt = time
        try await deals.updateStage(moved, on: connection)
        try await recordStage(moved, from: deal.stage, by: actor, traceparent: traceparent, on: connection)
        return moved
    }

    /// Applies a customer's state to the replica at `sequence` (its version) unless a newer or equal one is kept; open
    /// deals follow the customer's owner and region.
    func applyCustomer(_ customer: CustomerSnapshot, sequence: Int64, on connection: PostgresConnection) async throws {
        guard try await customers.upsert(customer, sequence: sequence, on: connection) else { return }
        try await deals.follow(customerID: customer.id, ownerID: customer.ownerID, region: customer.region, on: connection)
    }

    /// ``applyCustomer(_:sequence:on:)`` for many customers at once, each at its own version: two statements however
    /// many there are.
    func applyCustomers(_ snapshots: [CustomerSnapshot], on connection: PostgresConnection) async throws {
        let changed = try await customers.upsert(snapshots, on: connection)
        try await deals.follow(customerIDs: changed, on: connection)
    }

    /// Applies a transfer: the replica takes the customer's state unless it holds a newer one, then every deal of the
    /// customer, closed ones included, goes to the owner and region the replica now holds. A stale transfer still
    /// lines closed deals up with the newest owner, which only a later transfer could have changed.
    func applyTransfer(_ customer: CustomerSnapshot, sequence: Int64, on connection: PostgresConnection) async throws {
        try await applyCustomer(customer, sequence: sequence, on: connection)
        guard let current = try await customers.find(id: customer.id, on: connection) else { return }
        try await deals.followTransfer(customerID: current.id, ownerID: current.ownerID, region: current.region, on: connection)
    }

    /// Checks ``QuoteBinding`` for a contract bound to `quoteID` (version `version`) of deal `dealID`: the deal's row
    /// must be locked by the caller's transaction, so no new version can slip in between this check and the write.
    func requireCurrentQuote(boundTo quoteID: RecordID, version: Int, dealID: RecordID, on connection: PostgresConnection) async throws {
        let current = try await quotes.latest(dealID: dealID, on: connection)
        try QuoteBinding.check(quoteID: quoteID, version: version, current: current.map { ($0.id, $0.version) })
    }

    /// Appends a line of the product's history and its event (sequence = the product's version), on the caller's
    /// transaction.
    func recordProduct(
        _ product: Product,
        action: ProductHistoryEntry.Action,
        changes: [String: JSONValue],
        event: some ProductEvent,
        by actor: String,
        traceparent: String?,
        on connection: PostgresConnection
    ) async throws {
        try await products.appendHistory(productID: product.id, action: action, changes: changes, by: actor, at: product.updatedAt, on: connection)
        let envelope = try EventEnvelope(
            event,
            source: DealsService.name,
            subject: product.id.description,
            sequence: product.version,
            time: product.updatedAt,
            traceparent: traceparent
        )
        try await Outbox.append(envelope, on: connection, logger: logger)
    }

    /// Appends the stage history line and `deal.stage_changed` for the deal's current stage.
    func recordStage(_ deal: Deal, from: DealStage?, by actor: String, traceparent: String?, on connection: PostgresConnection) async throws {
        try await deals.appendHistory(
            dealID: deal.id,
            from: from,
            to: deal.stage,
            lostReason: deal.lostReason,
            by: actor,
            at: deal.updatedAt,
            on: connection
        )
        let event = DealStageChanged(
            dealID: deal.id.description,
            customerID: deal.customerID,
            ownerID: deal.ownerID,
            region: deal.region,
            from: from,
            to: deal.stage,
            lostReason: deal.lostReason,
            at: deal.updatedAt
        )
        let envelope = try EventEnvelope(
            event,
            source: DealsService.name,
            subject: event.dealID,
            sequence: deal.version,
            time: deal.updatedAt,
            traceparent: traceparent
        )
        try await Outbox.append(envelope, on: connection, logger: logger)
    }
}
