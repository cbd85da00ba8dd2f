import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `approvals.get`: one approval with its steps, if the caller may see it (see ``ApprovalsService/visible(_:id:to:)``).
struct GetApprovalHandler: Sendable {
    let postgres: PostgresClient
    let repository: any ApprovalRepository
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let caller = try request.requireIdentity()
        let id = try request.pathRecordID("approval")
        let approval = try await postgres.withConnection { connection in
            try await repository.find(id: id, lock: false, on: connection)
        }
        return try .json(try ApprovalsService.visible(approval, id: id, to: caller))
    }
}
