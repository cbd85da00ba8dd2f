import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `approvals.list`: with `status=pending`, the caller's queue (approvals whose current step waits for them,
/// oldest first); otherwise the approvals the caller submitted, owns or approves a step of, newest first, optionally
/// filtered by `status` (approved, rejected, recalled). `limit` 1…100, default 50; no cursor yet, the newest win.
struct ListApprovalsHandler: Sendable {
    let postgres: PostgresClient
    let repository: any ApprovalRepository
    let logger: Logger

    struct Page: Encodable {
        var items: [Approval]
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let caller = try request.requireIdentity()
        let query = request.query
        let limit = try request.limit(default: 50)
        var status: ApprovalStatus?
        if let text = query["status"], !text.isEmpty {
            guard let parsed = ApprovalStatus(rawValue: text) else {
                throw Problem.validation([.init(field: "status", message: "must be pending, approved, rejected or recalled")])
            }
            status = parsed
        }
        let items = try await postgres.withConnection { connection in
            if status == .pending {
                return try await repository.queue(of: caller.userID, limit: limit, on: connection)
            }
            let involved = try await repository.involving(caller.userID, limit: status == nil ? limit : 500, on: connection)
            return Array(involved.filter { status == nil || $0.status == status }.prefix(limit))
        }
        return try .json(Page(items: items))
    }
}
