import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// The expense-claim operations (报销申请, issue 12): list, get, create, submit, pay. Claims follow the data scope of
/// deals (a rep sees their own, a supervisor their team's, a regional manager the region's; finance, gm and admin all);
/// another user's claim answers 404. Writes run once per Idempotency-Key.
struct ExpenseClaimHandlers: Sendable {
    static let list = "deals.listExpenseClaims"
    static let get = "deals.getExpenseClaim"
    static let create = "deals.createExpenseClaim"
    static let submit = "deals.submitExpenseClaim"
    static let pay = "deals.payExpenseClaim"

    let postgres: PostgresClient
    let store: DealsStore
    let logger: Logger

    var claims: ExpenseClaimRepository { ExpenseClaimRepository(logger: logger) }

    func register(on router: inout RPCRouter) {
        router.on(Self.list, listClaims)
        router.on(Self.get, getClaim)
        router.on(Self.create, createClaim)
        router.on(Self.submit, submitClaim)
        router.on(Self.pay, payClaim)
    }

    /// `deals.listExpenseClaims`: the claims in the caller's scope, newest first, a page at a time (`limit`, `cursor`),
    /// filtered by `status` and `owner`.
    func listClaims(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let page = try request.pageRequest()
        let query = request.query
        var filter = ExpenseClaimFilter()
        if let text = query["status"], !text.isEmpty {
            guard let status = ExpenseClaim.Status(rawValue: text) else {
                throw Problem.validation([.init(field: "status", message: "must be draft, pending_approval, approved, rejected or paid")])
            }
            filter.status = status
        }
        filter.ownerID = query["owner"].flatMap { $0.isEmpty ? nil : $0 }
        let rows = try await postgres.withConnection { connection in
            try await claims.list(filter, scope: scope, page: page, on: connection)
        }
        return try .json(Page(rows: rows, for: page) { PageCursor(createdAt: $0.createdAt, id: $0.id.uuid) })
    }

    /// `deals.getExpenseClaim`: one claim, if it is in the caller's scope.
    func getClaim(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let id = try request.pathRecordID("expense claim")
        let claim = try await postgres.withConnection { connection in
            try await claims.find(id: id, on: connection, forUpdate: false)
        }
        return try .json(try scope.visible(claim, "expense claim", id: id))
    }

    /// `deals.createExpenseClaim` (`{category, amountFen, spentOn, description, customerId?, dealId?}`): a draft claim
    /// of the caller's. A linked deal or customer must be in the caller's scope (422 otherwise); a deal names its
    /// customer.
    func createClaim(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try DealsService.writeScope(request)
        let fields = try ExpenseClaimRules.validate(try request.decode(ExpenseClaimDraft.self), today: BusinessCalendar.day(of: Date()))
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            var customerID = fields.customerID
            var customerName: String?
            if let dealID = fields.dealID {
                guard let deal = try await store.deals.find(id: dealID, on: connection, forUpdate: false),
                    scope.contains(ownerID: deal.ownerID, region: deal.region)
                else { throw Problem.validation([.init(field: "dealId", message: "is not a deal you can see")]) }
                if let customerID, customerID != deal.customerID.lowercased() {
                    throw Problem.validation([.init(field: "customerId", message: "is not the customer of the deal")])
                }
                customerID = deal.customerID
                customerName = deal.customerName
            } else if let id = customerID {
                guard let customer = try await store.customers.find(id: id, on: connection),
                    scope.contains(ownerID: customer.ownerID, region: customer.region)
                else { throw Problem.validation([.init(field: "customerId", message: "is not a customer you can see")]) }
                customerName = customer.name
            }
            let now = Date()
            let claim = ExpenseClaim(
                id: RecordID(),
                number: try await claims.nextNumber(at: now, on: connection),
                ownerID: scope.caller.userID,
                region: scope.caller.region ?? "",
                category: fields.category,
                amountFen: fields.amountFen,
                spentOn: fields.spentOn.description,
                description: fields.description,
                customerID: customerID,
                customerName: customerName,
                dealID: fields.dealID?.description,
                status: .draft,
                version: 1,
                createdBy: scope.caller.userID,
                createdAt: now,
                updatedAt: now
            )
            try await claims.insert(claim, on: connection)
            return try .json(claim, status: 201)
        }
    }

    /// `deals.submitExpenseClaim`: sends a draft or rejected claim to approval and publishes `expense_claim.submitted`
    /// through the outbox; approvals starts an approval under the expense policy. 409 in another status.
    func submitClaim(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try DealsService.writeScope(request)
        let id = try request.pathRecordID("expense claim")
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            var claim = try scope.visible(try await claims.find(id: id, on: connection, forUpdate: true), "expense claim", id: id)
            guard ExpenseClaimRules.canSubmit(claim.status) else {
                throw Problem.conflict("Expense claim \(claim.number) is \(claim.status.rawValue); only a draft or rejected claim can be submitted.")
            }
            let now = Date()
            claim.status = .pendingApproval
            claim.version += 1
            claim.submittedBy = scope.caller.userID
            claim.submittedAt = now
            claim.approvalID = nil
            claim.decidedAt = nil
            claim.decisionComment = nil
            claim.updatedAt = now
            try await claims.updateStatus(claim, on: connection)
            let event = ExpenseClaimSubmitted(
                claimID: claim.id.description,
                number: claim.number,
                category: claim.category,
                amountFen: claim.amountFen,
                spentOn: claim.spentOn,
                description: claim.description,
                customerID: claim.customerID,
                customerName: claim.customerName,
                dealID: claim.dealID,
                ownerID: claim.ownerID,
                region: claim.region,
                submittedBy: scope.caller.userID,
                submittedAt: now
            )
            let envelope = try EventEnvelope(
                event,
                source: DealsService.name,
                subject: event.claimID,
                sequence: claim.version,
                time: now,
                traceparent: request.headers[RPC.Header.traceparent]
            )
            try await Outbox.append(envelope, on: connection, logger: logger)
            return try .json(claim)
        }
    }

    /// `deals.payExpenseClaim`: finance (or an admin) records that an approved claim was paid out. Others get a 403;
    /// a claim that is not approved, a 409.
    func payClaim(_ request: RPCRequest) async throws -> RPCResponse {
        let caller = try request.requireIdentity()
        let id = try request.pathRecordID("expense claim")
        let scope = DataScope(caller)
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            var claim = try scope.visible(try await claims.find(id: id, on: connection, forUpdate: true), "expense claim", id: id)
            guard caller.role == .finance || caller.role == .admin else { throw Problem.forbidden("Only finance pays expense claims.") }
            guard claim.status == .approved else {
                throw Problem.conflict("Expense claim \(claim.number) is \(claim.status.rawValue); only an approved claim can be paid.")
            }
            let now = Date()
            claim.status = .paid
            claim.version += 1
            claim.paidBy = caller.userID
            claim.paidAt = now
            claim.updatedAt = now
            try await claims.updateStatus(claim, on: connection)
            return try .json(claim)
        }
    }

    /// `approval.completed` for an expense claim → the claim's status: approved → approved, rejected → rejected,
    /// recalled → draft. An outcome for a claim that is not pending (a late duplicate, an unknown claim) is logged and
    /// ignored, so delivery order cannot corrupt a claim.
    static func apply(_ event: ApprovalCompleted, claims: ExpenseClaimRepository, on connection: PostgresConnection, logger: Logger) async throws {
        let claimID = event.subjectID ?? event.contractID
        guard let id = RecordID(claimID), var claim = try await claims.find(id: id, on: connection, forUpdate: true) else {
            logger.warning("approval outcome for an unknown expense claim, ignoring it", metadata: ["claim": "\(claimID)"])
            return
        }
        guard let status = ExpenseClaimRules.status(after: event.outcome, from: claim.status) else {
            logger.info(
                "approval outcome for an expense claim that is not pending, ignoring it",
                metadata: ["claim": "\(claimID)", "status": "\(claim.status.rawValue)", "outcome": "\(event.outcome.rawValue)"]
            )
            return
        }
        claim.status = status
        claim.version += 1
        claim.approvalID = event.approvalID
        claim.decidedAt = event.completedAt
        claim.decisionComment = event.comment
        claim.updatedAt = Date()
        try await claims.updateStatus(claim, on: connection)
    }
}
