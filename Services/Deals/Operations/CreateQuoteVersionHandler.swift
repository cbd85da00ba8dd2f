import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `deals.createQuoteVersion` (path id = deal id): prices the lines exactly (``Quote/price(_:products:)``) and stores
/// them as the deal's next version, 1, 2, 3…; the deal row is locked, so two concurrent quotes get consecutive
/// numbers. A qualified deal becomes quoted in the same transaction. Lost and paid deals take no new quotes (409).
///
/// Discount authority (issue 12): a version whose any line is discounted off the list price beyond its author's limit
/// (``DiscountRules``) is stored pending discount approval (待折扣审批), and `quote.discount_approval_requested` goes to
/// approvals in the same transaction. It is submitted on save, not by a second step: a version never changes, so there
/// is nothing left to edit between saving and submitting, and a forgotten submit would leave the offer stuck unseen.
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
            var version = Quote.Version(
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
            version.discount = try await requestDiscountApproval(
                of: version,
                deal: deal,
                listPrices: products.mapValues(\.listPriceFen),
                scope: scope,
                traceparent: request.headers[RPC.Header.traceparent],
                on: connection
            )
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

extension CreateQuoteVersionHandler {
    /// When a line of `version` goes beyond its author's discount limit: stores the version's pending discount approval
    /// and appends `quote.discount_approval_requested` to the outbox, on the caller's transaction. `nil` within the limit.
    func requestDiscountApproval(
        of version: Quote.Version,
        deal: Deal,
        listPrices: [String: Fen],
        scope: DataScope,
        traceparent: String?,
        on connection: PostgresConnection
    ) async throws -> QuoteDiscount? {
        // A role without a limit row (admin) has no discount authority of its own; a row's NULL is unlimited.
        let stored = try await store.discounts.limit(for: scope.caller.role, on: connection)
        let limit: Int64? =
            switch stored {
            case .some(let value): value
            case .none: 0
            }
        let assessment = DiscountRules.assess(version.lines, listPrices: listPrices, limit: limit)
        guard assessment.needsApproval, let limit else { return nil }
        let discount = QuoteDiscount(
            quoteID: version.id,
            dealID: deal.id,
            status: .pendingApproval,
            limitBasisPoints: limit,
            maxDiscountBasisPoints: assessment.maxDiscountBasisPoints,
            listTotalFen: assessment.listTotalFen,
            discountFen: assessment.discountFen,
            requestedBy: scope.caller.userID,
            requestedAt: version.createdAt,
            updatedAt: version.createdAt
        )
        try await store.discounts.insert(discount, on: connection)
        let event = QuoteDiscountApprovalRequested(
            quoteID: version.id.description,
            dealID: deal.id.description,
            dealTitle: deal.title,
            version: version.version,
            reference: DiscountRules.reference(dealID: deal.id),
            listTotalFen: assessment.listTotalFen,
            quotedTotalFen: version.totals.totalFen,
            discountFen: assessment.discountFen,
            maxDiscountBasisPoints: assessment.maxDiscountBasisPoints,
            limitBasisPoints: limit,
            customerID: deal.customerID,
            customerName: deal.customerName,
            ownerID: deal.ownerID,
            region: deal.region,
            submittedBy: scope.caller.userID,
            submittedAt: version.createdAt
        )
        let envelope = try EventEnvelope(
            event,
            source: DealsService.name,
            subject: event.quoteID,
            sequence: 1,
            time: version.createdAt,
            traceparent: traceparent
        )
        try await Outbox.append(envelope, on: connection, logger: logger)
        return discount
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
