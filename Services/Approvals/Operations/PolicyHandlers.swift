import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// A subject type's policy as the API shows it: the policy's fields and its `subjectType`.
struct SubjectPolicy: Encodable {
    var subjectType: ApprovalSubjectType
    var policy: ApprovalPolicy

    private enum Key: String, CodingKey { case subjectType }

    func encode(to encoder: any Encoder) throws {
        try policy.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(subjectType, forKey: .subjectType)
    }

    /// The `subjectType` query parameter: whose policy (ADR 0011); contracts' when absent, else a 422 problem.
    static func subjectType(of request: RPCRequest) throws(Problem) -> ApprovalSubjectType {
        guard let text = request.query["subjectType"] else { return .contract }
        guard let subject = ApprovalSubjectType(rawValue: text) else {
            let known = ApprovalSubjectType.allCases.map(\.rawValue).joined(separator: ", ")
            throw Problem.validation([.init(field: "subjectType", message: "must be one of \(known)")])
        }
        return subject
    }
}

/// `approvals.getPolicies` (`?subjectType=`, contracts' by default): the current policy of a subject type (admin only).
struct GetPoliciesHandler: Sendable {
    let postgres: PostgresClient
    let repository: any ApprovalRepository
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        try ApprovalsService.requireAdmin(request)
        let subject = try SubjectPolicy.subjectType(of: request)
        let policy = try await postgres.withConnection { connection in
            try await repository.currentPolicy(for: subject, on: connection)
        }
        return try .json(SubjectPolicy(subjectType: subject, policy: policy))
    }
}

/// `approvals.putPolicies` (`?subjectType=`, `{tiers: [{aboveFen, steps}], …timing}`, admin only): stores the tiers and
/// step timing as the next version of that subject type's policy. Running approvals keep the version they started
/// with; new ones use this.
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
        let subject = try SubjectPolicy.subjectType(of: request)
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
            let policy = try await repository.appendPolicy(
                for: subject,
                tiers: validTiers,
                timing: validTiming,
                createdBy: caller.userID,
                on: connection
            )
            return try .json(SubjectPolicy(subjectType: subject, policy: policy))
        }
    }
}
