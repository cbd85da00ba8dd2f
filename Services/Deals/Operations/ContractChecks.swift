import Contracts
import PostgresNIO

/// Checks shared by submitting and signing.
enum ContractChecks {
    /// Locks the contract's deal and checks that it is still open and that the contract's quote version is still the
    /// deal's current one (a 409 naming the current version otherwise).
    static func lockedOpenDeal(of contract: Contract, store: DealsStore, on connection: PostgresConnection) async throws -> Deal {
        guard let deal = try await store.deals.find(id: contract.dealID, on: connection, forUpdate: true) else { throw Problem.internalError() }
        guard DealStageRules.isOpen(deal.stage) else { throw Problem.conflict("The deal of contract \(contract.number) is \(deal.stage.rawValue).") }
        try await store.requireCurrentQuote(boundTo: contract.quoteID, version: contract.quoteVersion, dealID: deal.id, on: connection)
        return deal
    }
}
