import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `deals.createQuoteVersion` (path id = deal id): prices the lines exactly (``Quote/price(_:products:)``) and stores
/// them as the deal's next version, 1, 2, 3…; the deal row is locked, so two concurrent quotes get consecutive
/// numbers. A qualified deal becomes quoted in the same transaction. Lost and paid deals take no new quotes (409).
struct CreateQuoteVersionHandler: Sendable {
    let postgres: PostgresClient
    let store: DealsStore
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try DealsService.writeScope(request)
        let dealID = try request.pathRecordID("deal")
        let draft = try request.decode(Quote.Draft.self)
        var errors: [Problem.FieldError] = []
        if let validUntil = draft.validUntil, !CalendarDay.isValid(validUntil) {
            errors.append(.init(field: "validUntil", message: "must be a date YYYY-MM-DD"))
        }
        let note = draft.note?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let note, note.count > 2_000 { errors.append(.init(field: "note", message: "must be at most 2000 characters")) }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        let productIDs = (draft.lines ?? []).compactMap { $0.productID.flatMap(UUID.init(uuidString:)) }
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            let deal = try scope.visible(try await store.deals.find(id: dealID, on: connection, forUpdate: true), "deal", id: dealID)
            guard DealStageRules.isOpen(deal.stage) else { throw Problem.conflict("The deal is \(deal.stage.rawValue); it takes no new quotes.") }
            let products = try await store.products.find(ids: productIDs, on: connection)
            let lines = try Quote.price(draft.lines, products: products)
            guard let totals = Quote.totals(of: lines) else { throw Problem.internalError() }
            let previous = try await store.quotes.latest(dealID: dealID, on: connection)
            let now = Date()
            let version = Quote.Version(
                id: RecordID(),
                dealID: dealID,
                version: (previous?.version ?? 0) + 1,
                lines: lines,
                totals: totals,
                validUntil: draft.validUntil,
                note: note.flatMap { $0.isEmpty ? nil : $0 },
                createdBy: scope.caller.userID,
                createdAt: now
            )
            try await store.quotes.insert(version, on: connection)
            if let next = DealStageRules.afterQuote(deal.stage) {
                _ = try await store.moveDeal(
                    deal,
                    to: next,
                    by: scope.caller.userID,
                    at: now,
                    traceparent: request.headers[RPC.Header.traceparent],
                    on: connection
                )
            }
            return try .json(QuoteVersionView(version: version, changes: Quote.Diff(from: previous, to: version)), status: 201)
        }
    }
}

/// A quote version with what changed from the one before it.
struct QuoteVersionView: Encodable {
    var version: Quote.Version
    var changes: Quote.Diff

    enum CodingKeys: String, CodingKey {
        case changes
    }

    func encode(to encoder: any Encoder) throws {
        try version.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(changes, forKey: .changes)
    }
}
