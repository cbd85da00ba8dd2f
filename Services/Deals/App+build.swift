import Contracts
public import Foundation
public import Logging
import Persistence
public import PostgresNIO
public import ServiceRuntime

/// The `deals` service: products, the pipeline, versioned quotes and contracts, answered over RPC; changes published
/// as events through the outbox; customers kept in a local replica for data scope.
public enum DealsService {
    /// Service name, schema and queue prefix.
    public static let name = Operation.Deals.service
    /// Health, ready and metrics port unless `HTTP_PORT` says otherwise.
    public static let defaultHTTPPort = 8082
    /// The SQL migrations shipped with the service.
    public static var migrationsDirectory: URL? { Bundle.module.url(forResource: "Migrations", withExtension: nil) }

    /// The service's operations, wired to its repositories.
    public static func rpcRouter(postgres: PostgresClient, logger: Logger) -> RPCRouter {
        let store = DealsStore(logger: logger)
        var router = RPCRouter()
        router.on(Operation.Deals.createProduct, CreateProductHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(Operation.Deals.listProducts, ListProductsHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(Operation.Deals.createDeal, CreateDealHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(Operation.Deals.getDeal, GetDealHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(Operation.Deals.listDeals, ListDealsHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(Operation.Deals.changeStage, ChangeStageHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(Operation.Deals.createQuoteVersion, CreateQuoteVersionHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(Operation.Deals.listQuoteVersions, ListQuoteVersionsHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(Operation.Deals.getQuote, GetQuoteHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(Operation.Deals.createContract, CreateContractHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(Operation.Deals.getContract, GetContractHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(Operation.Deals.listContracts, ListContractsHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(Operation.Deals.submitContract, SubmitContractHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        router.on(Operation.Deals.signContract, SignContractHandler(postgres: postgres, store: store, logger: logger).callAsFunction)
        return router
    }

    /// The event handlers, by event type: the customer replica and approval outcomes.
    public static func eventHandlers(logger: Logger) -> EventHandlerRegistry {
        let store = DealsStore(logger: logger)
        let replica = CustomerReplicaHandler(repository: store.customers, deals: store.deals)
        let approvals = ApprovalCompletedHandler(store: store)
        var registry = EventHandlerRegistry()
        registry.register(CustomerCreated.self, handler: replica.created)
        registry.register(CustomerUpdated.self, handler: replica.updated)
        registry.register(CustomerTransferred.self, handler: replica.transferred)
        registry.register(ApprovalCompleted.self, handler: approvals.callAsFunction)
        return registry
    }

    /// What deals adds to the common runtime.
    public static func parts(_ context: ServiceContext) -> ServiceParts {
        ServiceParts(
            rpc: rpcRouter(postgres: context.postgres, logger: context.logger),
            events: eventHandlers(logger: context.logger),
            publishesEvents: true
        )
    }

    /// The caller's scope (401 without identity).
    static func scope(_ request: RPCRequest) throws(Problem) -> DataScope {
        try request.dataScope()
    }

    /// The scope of a caller about to change deals (403 for a read-only role).
    static func writeScope(_ request: RPCRequest) throws(Problem) -> DataScope {
        try request.writeScope(of: "deals")
    }

    /// The `{id}` of the route as a UUID, or the 404 a record that cannot exist answers.
    static func pathID(_ request: RPCRequest, _ kind: String) throws(Problem) -> UUID {
        guard let text = request.pathID, let id = UUID(uuidString: text) else { throw Problem.notFound("No \(kind) \(request.pathID ?? "").") }
        return id
    }

    /// The deal if it exists and is in scope; otherwise the same 404.
    static func visible(_ deal: Deal?, id: UUID, in scope: DataScope) throws(Problem) -> Deal {
        guard let deal, scope.contains(ownerID: deal.ownerID, region: deal.region) else {
            throw Problem.notFound("No deal \(id.uuidString.lowercased()).")
        }
        return deal
    }

    /// The contract if it exists and is in scope; otherwise the same 404.
    static func visible(_ contract: Contract?, id: UUID, in scope: DataScope) throws(Problem) -> Contract {
        guard let contract, scope.contains(ownerID: contract.ownerID, region: contract.region) else {
            throw Problem.notFound("No contract \(id.uuidString.lowercased()).")
        }
        return contract
    }

    /// `limit` and `cursor` of a list request.
    static func page(_ query: [String: String]) throws(Problem) -> (limit: Int, cursor: PageCursor?) {
        var limit = 20
        if let text = query["limit"] {
            guard let value = Int(text), (1...100).contains(value) else {
                throw Problem.validation([.init(field: "limit", message: "must be a whole number from 1 to 100")])
            }
            limit = value
        }
        guard let token = query["cursor"], !token.isEmpty else { return (limit, nil) }
        guard let cursor = PageCursor(token: token) else {
            throw Problem.validation([.init(field: "cursor", message: "is not a cursor this API returned")])
        }
        return (limit, cursor)
    }
}

/// The repositories of the service, built once and shared by its handlers.
struct DealsStore: Sendable {
    let products: ProductRepository
    let deals: DealRepository
    let quotes: QuoteRepository
    let contracts: ContractRepository
    let customers: CustomerReplicaRepository
    let logger: Logger

    init(logger: Logger) {
        products = ProductRepository(logger: logger)
        deals = DealRepository(logger: logger)
        quotes = QuoteRepository(logger: logger)
        contracts = ContractRepository(logger: logger)
        customers = CustomerReplicaRepository(logger: logger)
        self.logger = logger
    }

    /// Moves a deal to a new stage: the deal row, a line of its stage history and `deal.stage_changed` in the outbox,
    /// all on the caller's transaction.
    /// - Returns: the deal after the move.
    func moveDeal(
        _ deal: Deal,
        to stage: DealStage,
        lostReason: String?,
        lostFromStage: DealStage?,
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
            dealID: deal.id.uuidString.lowercased(),
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
