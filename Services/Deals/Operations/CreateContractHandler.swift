import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `deals.createContract` `{"quoteId"}` or `{"dealId", "version"}` (optionally `"endsOn"`): a draft contract that copies the lines and total
/// of one quote version, numbered `HT-<year>-<sequence>`. A version that is not the deal's current one is refused
/// with a 409 naming the current version (`currentVersion`, `currentQuoteId`), so nobody signs the wrong offer. The
/// deal row is locked, so a quote version created concurrently cannot slip in between the check and the insert.
/// A version whose discount awaits approval, or was rejected or recalled, is refused with a 409
/// (`quote-discount-not-approved`, issue 12).
struct CreateContractHandler: Sendable {
    let postgres: PostgresClient
    let store: DealsStore
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try DealsService.writeScope(request)
        let draft = try request.decode(ContractDraft.self)
        let reference = try Self.reference(draft)
        let endsOn = try draft.checkedEndsOn()
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            let quote: Quote.Version?
            switch reference {
            case .id(let id): quote = try await store.quotes.find(id: id, on: connection)
            case .version(let dealID, let version): quote = try await store.quotes.find(dealID: dealID, version: version, on: connection)
            }
            let notFound = Problem.notFound("No such quote version.")
            guard let quote, let deal = try await store.deals.find(id: quote.dealID, on: connection, forUpdate: true),
                scope.contains(ownerID: deal.ownerID, region: deal.region)
            else { throw notFound }
            guard DealStageRules.isOpen(deal.stage) else {
                throw Problem.conflict("The deal is \(deal.stage.rawValue); it takes no new contracts.")
            }
            try await store.requireCurrentQuote(boundTo: quote.id, version: quote.version, dealID: deal.id, on: connection)
            // A version beyond its author's discount limit becomes a contract only once its discount is approved.
            if let discount = try await store.discounts.find(quoteID: quote.id, on: connection, forUpdate: false), discount.status != .approved {
                throw discount.notApproved(version: quote.version)
            }
            let now = Date()
            var contract = Contract(
                id: RecordID(),
                number: try await store.contracts.nextNumber(at: now, on: connection),
                dealID: deal.id,
                quoteID: quote.id,
                quoteVersion: quote.version,
                lines: quote.lines,
                amountFen: quote.totals.totalFen,
                costFen: quote.totals.costFen,
                status: .draft,
                version: 1,
                submittedBy: nil,
                submittedAt: nil,
                decidedAt: nil,
                decisionComment: nil,
                signedAt: nil,
                createdBy: scope.caller.userID,
                createdAt: now,
                updatedAt: now,
                customerID: deal.customerID,
                customerName: deal.customerName,
                ownerID: deal.ownerID,
                region: deal.region
            )
            contract.endsOn = endsOn
            try await store.contracts.insert(contract, on: connection)
            return try .json(contract, status: 201)
        }
    }

    enum Reference {
        case id(RecordID)
        case version(dealID: RecordID, version: Int)
    }

    /// Which quote version the body names; a malformed id names none (404), a missing reference is a 422.
    static func reference(_ draft: ContractDraft) throws(Problem) -> Reference {
        if let text = draft.quoteID {
            guard let id = RecordID(text) else { throw Problem.notFound("No quote \(text.prefix(64)).") }
            return .id(id)
        }
        guard let text = draft.dealID, let version = draft.version else {
            throw Problem.validation([.init(field: "quoteId", message: "is required (or dealId and version)")])
        }
        guard let dealID = RecordID(text) else { throw Problem.notFound("No deal \(text.prefix(64)).") }
        return .version(dealID: dealID, version: version)
    }
}
