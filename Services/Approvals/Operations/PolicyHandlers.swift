import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `approvals.getPolicies`: the current policy (admin only).
struct GetPoliciesHandler: Sendable {
    let postgres: PostgresClient
    let repository: any ApprovalRepository
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        try ApprovalsService.requireAdmin(request)
        let policy = try await postgres.withConnection { connection in
            try await repository.currentPolicy(on: connection)
        }
        return try .json(policy)
    }
}

/// `approvals.putPolicies` (`{tiers: [{aboveFen, steps}]}`, admin only): stores the tiers as the next policy
/// version. Running approvals keep the version they started with; new ones use this.
struct PutPoliciesHandler: Sendable {
    let postgres: PostgresClient
    let repository: any ApprovalRepository
    let logger: Logger

    /// The tiers, and optionally the step timing (``StepTiming``; an absent field takes its default: the policy is
    /// replaced as a whole, not patched).
    struct Body: Decodable {
        var tiers: [ApprovalPolicy.Tier]
        var reminderWorkingHours: Double?
        var maxReminders: Int?
        var slaWorkingDays: Double?
        var escalation: String?
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let caller = try ApprovalsService.requireAdmin(request)
        let body = try request.decode(Body.self)
        // Both checks run before either throws, so one 422 names every bad field.
        var errors: [Problem.FieldError] = []
        var tiers: [ApprovalPolicy.Tier] = []
        var timing = StepTiming.standard
        do { tiers = try ApprovalPolicy.validate(body.tiers) } catch { errors += error.errors ?? [] }
        do {
            timing = try StepTiming.validate(
                reminderWorkingHours: body.reminderWorkingHours,
                maxReminders: body.maxReminders,
                slaWorkingDays: body.slaWorkingDays,
                escalation: body.escalation
            )
        } catch { errors += error.errors ?? [] }
        if !errors.isEmpty { throw Problem.validation(errors) }
        let (validTiers, validTiming) = (tiers, timing)
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            try .json(try await repository.appendPolicy(tiers: validTiers, timing: validTiming, createdBy: caller.userID, on: connection))
        }
    }
}
