import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `notifications.list`: the caller's in-app notifications, newest first, a page at a time (`limit` 1…100, default
/// 50; `cursor`); `unread=true` keeps the unread ones, `unread=false` the read ones.
struct ListNotificationsHandler: Sendable {
    let postgres: PostgresClient
    let repository: NotificationRepository
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let caller = try request.requireIdentity()
        let page = try request.pageRequest(defaultLimit: 50)
        var unread: Bool?
        if let text = request.query["unread"], !text.isEmpty {
            switch text {
            case "true": unread = true
            case "false": unread = false
            default: throw Problem.validation([.init(field: "unread", message: "must be true or false")])
            }
        }
        let rows = try await postgres.withConnection { [unread] connection in
            try await repository.notifications(of: caller.userID, unread: unread, page: page, on: connection)
        }
        return try .json(Page(rows: rows, for: page) { PageCursor(createdAt: $0.createdAt, id: $0.id.uuid) })
    }
}
