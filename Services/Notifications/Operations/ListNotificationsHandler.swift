import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `notifications.list`: the caller's in-app notifications, newest first, a page at a time (`limit`
/// 1…100, default 50; `cursor`).
struct ListNotificationsHandler: Sendable {
    let postgres: PostgresClient
    let repository: NotificationRepository
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let caller = try request.requireIdentity()
        let page = try request.pageRequest(defaultLimit: 50)
        let rows = try await postgres.withConnection { connection in
            try await repository.notifications(of: caller.userID, page: page, on: connection)
        }
        return try .json(Page(rows: rows, for: page) { PageCursor(createdAt: $0.createdAt, id: $0.id.uuid) })
    }
}
