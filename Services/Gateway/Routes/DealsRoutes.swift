import Contracts
import HTTPTypes

/// `/api/v1/products`, `deals`, `quotes` and `contracts`: forwarded to the deals service.
enum DealsRoutes {
    static let table: [ForwardedRoute] = [
        .init(.post, "products", Operation.Deals.createProduct, readsBody: true),
        .init(.get, "products", Operation.Deals.listProducts),
        .init(.post, "deals", Operation.Deals.createDeal, readsBody: true),
        .init(.get, "deals", Operation.Deals.listDeals),
        .init(.get, "deals/:id", Operation.Deals.getDeal),
        .init(.get, "deals/:id/history", Operation.Deals.getDealHistory),
        .init(.post, "deals/:id/stage", Operation.Deals.changeStage, readsBody: true),
        .init(.post, "deals/:id/quotes", Operation.Deals.createQuoteVersion, readsBody: true),
        .init(.get, "deals/:id/quotes", Operation.Deals.listQuoteVersions),
        .init(.get, "quotes/:id", Operation.Deals.getQuote),
        .init(.post, "contracts", Operation.Deals.createContract, readsBody: true),
        .init(.get, "contracts", Operation.Deals.listContracts),
        .init(.get, "contracts/:id", Operation.Deals.getContract),
        .init(.post, "contracts/:id/submit", Operation.Deals.submitContract),
        .init(.post, "contracts/:id/sign", Operation.Deals.signContract),
    ]
}
