import Contracts
public import Foundation
public import Logging
import Persistence
public import PostgresNIO
public import ServiceRuntime

/// The `approvals` service: contract approval workflows. It keeps an org replica from `user.*` events, starts an
/// approval on `contract.submitted` under the current policy, and answers the approvers' decisions over RPC.
public enum ApprovalsService: MessagingService {
    public static let name = Operation.Approvals.service
    public static let defaultHTTPPort = 8083
    public static var migrationsDirectory: URL? { Bundle.module.url(forResource: "Migrations", withExtension: nil) }

    /// What approvals adds to the common runtime: its operations, its event handlers, the outbox relay and the daily
    /// delegation check (``DelegationStartJob``).
    public static func parts(_ context: ServiceContext) -> ServiceParts {
        ServiceParts(
            rpc: rpcRouter(postgres: context.postgres, logger: context.logger),
            events: eventHandlers(logger: context.logger),
            publishesEvents: publishesEvents,
            services: [
                ScheduleRunner(
                    client: context.postgres,
                    jobs: [
                        DelegationStartJob.job(delegations: DelegationRepository(logger: context.logger), moves: stepMoves(logger: context.logger))
                    ],
                    logger: context.logger
                ),
                // Reminders and escalation of pending steps (issue 12), on the kit's durable timers.
                TimerRunner(client: context.postgres, handlers: StepDeadlineTimers(logger: context.logger).handlers, logger: context.logger),
            ],
            retention: retentionRules(context.retention)
        )
    }

    /// The step mover every path that moves pending steps shares.
    static func stepMoves(logger: Logger) -> PendingStepMoves {
        PendingStepMoves(
            approvals: PostgresApprovalRepository(logger: logger),
            delegations: DelegationRepository(logger: logger),
            org: OrgReplica(logger: logger),
            logger: logger
        )
    }

    /// The service's operations, wired to its repositories.
    public static func rpcRouter(postgres: PostgresClient, logger: Logger) -> RPCRouter {
        let approvals = PostgresApprovalRepository(logger: logger)
        let org = OrgReplica(logger: logger)
        let delegations = DelegationRepository(logger: logger)
        let moves = stepMoves(logger: logger)
        var router = RPCRouter()
        router.on(Operation.Approvals.list, ListApprovalsHandler(postgres: postgres, repository: approvals, logger: logger).callAsFunction)
        router.on(Operation.Approvals.get, GetApprovalHandler(postgres: postgres, repository: approvals, logger: logger).callAsFunction)
        router.on(
            PendingApprovalCountHandler.operation,
            PendingApprovalCountHandler(postgres: postgres, repository: approvals, logger: logger).callAsFunction
        )
        router.on(
            Operation.Approvals.approve,
            DecideApprovalHandler(outcome: .approved, postgres: postgres, approvals: approvals, org: org, delegations: delegations, logger: logger)
                .callAsFunction
        )
        router.on(
            Operation.Approvals.reject,
            DecideApprovalHandler(outcome: .rejected, postgres: postgres, approvals: approvals, org: org, delegations: delegations, logger: logger)
                .callAsFunction
        )
        router.on(Operation.Approvals.recall, RecallApprovalHandler(postgres: postgres, approvals: approvals, logger: logger).callAsFunction)
        router.on(Operation.Approvals.getPolicies, GetPoliciesHandler(postgres: postgres, repository: approvals, logger: logger).callAsFunction)
        router.on(Operation.Approvals.putPolicies, PutPoliciesHandler(postgres: postgres, repository: approvals, logger: logger).callAsFunction)
        router.on(
            CreateDelegationHandler.operation,
            CreateDelegationHandler(postgres: postgres, delegations: delegations, moves: moves, org: org, logger: logger).callAsFunction
        )
        router.on(
            ListDelegationsHandler.operation,
            ListDelegationsHandler(postgres: postgres, delegations: delegations, logger: logger).callAsFunction
        )
        router.on(
            CancelDelegationHandler.operation,
            CancelDelegationHandler(postgres: postgres, delegations: delegations, moves: moves, logger: logger).callAsFunction
        )
        router.on(DelegateCandidatesHandler.operation, DelegateCandidatesHandler(postgres: postgres, org: org, logger: logger).callAsFunction)
        return router
    }

    /// The event handlers, by event type: the org replica (a deactivated user's pending steps move at once, in the
    /// event's transaction) and the start of an approval.
    public static func eventHandlers(logger: Logger) -> EventHandlerRegistry {
        let org = OrgReplica(logger: logger)
        let submitted = ContractSubmittedHandler(
            approvals: PostgresApprovalRepository(logger: logger),
            org: org,
            delegations: DelegationRepository(logger: logger)
        )
        let moves = stepMoves(logger: logger)
        var registry = EventHandlerRegistry()
        registry.registerOrgReplica(
            org,
            deactivated: { user, envelope, connection, logger in
                let moved = try await moves.moveAway(
                    from: user.id,
                    reason: .deactivated,
                    at: Date(),
                    traceparent: envelope.traceparent,
                    on: connection
                )
                if moved > 0 { logger.info("moved a deactivated approver's pending steps", metadata: ["user": "\(user.id)", "steps": "\(moved)"]) }
            }
        )
        registry.register(ContractSubmitted.self, handler: submitted.callAsFunction)
        // Subjects other than contracts (issue 12, ADR 0011): each owner's request event, one generic handler.
        let subject = SubjectSubmittedHandler(
            approvals: PostgresApprovalRepository(logger: logger),
            org: org,
            delegations: DelegationRepository(logger: logger)
        )
        registry.register(ExpenseClaimSubmitted.self, handler: subject.callAsFunction)
        registry.register(QuoteDiscountApprovalRequested.self, handler: subject.callAsFunction)
        // Holidays and make-up workdays, for the working days a step took.
        registry.registerCalendarReplica(CalendarReplica(logger: logger))
        return registry
    }

    public static let publishesEvents = true

    /// The approval if the caller may see it: their data scope covers the contract (owner, team, region, or gm/admin),
    /// or they take part in it (submitter, owner, approver of a step, including one escalated to them). Otherwise
    /// the same 404 as for a missing one, so nothing leaks.
    static func visible(_ approval: Approval?, id: RecordID, to caller: CallerIdentity) throws(Problem) -> Approval {
        guard let approval, approval.involves(caller.userID) || DataScope(caller).contains(ownerID: approval.ownerID, region: approval.region)
        else { throw Problem.notFound("No approval \(id).") }
        return approval
    }

    /// The approval, locked for the caller's transaction, if the caller may see it (the same 404 as ``visible(_:id:to:)``
    /// otherwise), and a refusal of `check` as a problem: `alreadyDecided` a 409 saying `ended`, `notYours` a 403
    /// saying `notYours`.
    static func lockedForAction(
        _ id: RecordID,
        by caller: CallerIdentity,
        in approvals: any ApprovalRepository,
        on connection: PostgresConnection,
        check: (Approval) throws(DecisionRefusal) -> Void,
        ended: (Approval) -> String,
        notYours: String
    ) async throws -> Approval {
        let approval = try visible(try await approvals.find(id: id, lock: true, on: connection), id: id, to: caller)
        do {
            try check(approval)
        } catch .alreadyDecided {
            throw Problem.conflict(ended(approval))
        } catch .notYours {
            throw Problem.forbidden(notYours)
        } catch .partyToContract {
            throw Problem.forbidden("You own or submitted contract \(approval.contractNumber); someone else must decide its approval.")
        }
        return approval
    }

    /// The decision comment of the body (`{comment}`); an empty body means none. Required → 422 when blank.
    static func comment(in request: RPCRequest, required: Bool) throws(Problem) -> String? {
        struct Body: Decodable { var comment: String? }
        let isEmpty = request.body.allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        let text = isEmpty ? nil : try request.decode(Body.self).comment?.trimmingCharacters(in: .whitespacesAndNewlines)
        let comment = text.flatMap { $0.isEmpty ? nil : $0 }
        if required, comment == nil { throw Problem.validation([.init(field: "comment", message: "is required to reject")]) }
        if let comment, comment.count > 2_000 { throw Problem.validation([.init(field: "comment", message: "must be at most 2000 characters")]) }
        return comment
    }

    /// The caller, if an admin; a 403 otherwise (approval policy is the admin's, per ARCHITECTURE.md).
    @discardableResult
    static func requireAdmin(_ request: RPCRequest) throws(Problem) -> CallerIdentity {
        let caller = try request.requireIdentity()
        guard caller.role == .admin else { throw Problem.forbidden("Only an admin may read or change approval policies.") }
        return caller
    }
}
