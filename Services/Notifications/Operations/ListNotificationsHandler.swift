import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `notifications.list`: the caller's in-app notifications, newest first (`limit` 1…100, default 50).
struct ListNotificationsHandler: Sendable {
    let postgres: PostgresClient
    let repository: NotificationRepository
    let logger: Logger

    struct Page: Encodable {
        var items: [InAppNotification]
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let caller = try request.requireIdentity()
        let limit = try request.limit(default: 50)
        let items = try await postgres.withConnection { connection in
            try await repository.notifications(of: caller.userID, limit: limit, on: connection)
        }
        return try .json(Page(items: items))
    }
}
