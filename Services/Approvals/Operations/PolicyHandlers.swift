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

    struct Body: Decodable {
        var tiers: [ApprovalPolicy.Tier]
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let caller = try ApprovalsService.requireAdmin(request)
        let tiers = try ApprovalPolicy.validate(try request.decode(Body.self).tiers)
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            try .json(try await repository.appendPolicy(tiers: tiers, createdBy: caller.userID, on: connection))
        }
    }
}
