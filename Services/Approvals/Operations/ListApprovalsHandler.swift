import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `approvals.list`: with `status=pending`, the caller's queue (approvals whose current step waits for them,
/// oldest first); otherwise the approvals the caller submitted, owns or approves a step of, newest first, optionally
/// filtered by `status` (approved, rejected, recalled). Either list narrows to one contract's approvals with `contract`
/// (a contract id): a contract screen finds its approval without paging through the caller's. A page at a time:
/// `limit` 1…100, default 50, and `cursor`.
struct ListApprovalsHandler: Sendable {
    let postgres: PostgresClient
    let repository: any ApprovalRepository
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let caller = try request.requireIdentity()
        let query = request.query
        let page = try request.pageRequest(defaultLimit: 50)
        var status: ApprovalStatus?
        if let text = query["status"], !text.isEmpty {
            guard let parsed = ApprovalStatus(rawValue: text) else {
                throw Problem.validation([.init(field: "status", message: "must be pending, approved, rejected or recalled")])
            }
            status = parsed
        }
        var contractID: RecordID?
        if let text = query["contract"], !text.isEmpty {
            guard let parsed = RecordID(text) else { throw Problem.validation([.init(field: "contract", message: "is not a contract id")]) }
            contractID = parsed
        }
        let rows = try await postgres.withConnection { connection in
            if status == .pending {
                return try await repository.queue(of: caller.userID, contractID: contractID, page: page, on: connection)
            }
            return try await repository.involving(caller.userID, status: status, contractID: contractID, page: page, on: connection)
        }
        return try .json(Page(rows: rows, for: page) { PageCursor(createdAt: $0.requestedAt, id: $0.id.uuid) })
    }
}

/// `approvals.pendingCount`: how many approvals wait for the caller's decision now, for the inbox badge; the same
/// approvals `approvals.list` with `status=pending` pages through, counted without loading them.
struct PendingApprovalCountHandler: Sendable {
    /// The operation this handler answers; `openapi.yaml` routes `GET /approvals/pending-count` to it (`x-rpc`).
    static let operation = "approvals.pendingCount"

    let postgres: PostgresClient
    let repository: any ApprovalRepository
    let logger: Logger

    struct Count: Encodable {
        var pending: Int
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let caller = try request.requireIdentity()
        let count = try await postgres.withConnection { connection in
            try await repository.queueCount(of: caller.userID, on: connection)
        }
        return try .json(Count(pending: count))
    }
}
