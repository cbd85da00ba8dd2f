import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `notifications.markRead` (path id = notification id): marks one of the caller's notifications read and answers it;
/// marking a read one again keeps its first `readAt`. Another user's notification is a 404.
struct MarkNotificationReadHandler: Sendable {
    /// The operation this handler answers; `openapi.yaml` routes `POST /notifications/{id}/read` to it (`x-rpc`).
    static let operation = "notifications.markRead"

    let postgres: PostgresClient
    let repository: NotificationRepository
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let caller = try request.requireIdentity()
        let id = try request.pathRecordID("notification")
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            guard let notification = try await repository.markRead(id: id, of: caller.userID, at: Date(), on: connection) else {
                throw Problem.notFound("No notification \(id).")
            }
            return try .json(notification)
        }
    }
}

/// `notifications.markAllRead`: marks every unread notification of the caller read; answers how many were unread.
struct MarkAllNotificationsReadHandler: Sendable {
    /// The operation this handler answers; `openapi.yaml` routes `POST /notifications/read-all` to it (`x-rpc`).
    static let operation = "notifications.markAllRead"

    let postgres: PostgresClient
    let repository: NotificationRepository
    let logger: Logger

    struct Marked: Encodable {
        var marked: Int
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let caller = try request.requireIdentity()
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            try .json(Marked(marked: try await repository.markAllRead(of: caller.userID, at: Date(), on: connection)))
        }
    }
}

/// `notifications.unreadCount`: how many of the caller's notifications are unread, for the inbox badge.
struct UnreadNotificationCountHandler: Sendable {
    /// The operation this handler answers; `openapi.yaml` routes `GET /notifications/unread-count` to it (`x-rpc`).
    static let operation = "notifications.unreadCount"

    let postgres: PostgresClient
    let repository: NotificationRepository
    let logger: Logger

    struct Count: Encodable {
        var unread: Int
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let caller = try request.requireIdentity()
        let count = try await postgres.withConnection { connection in
            try await repository.unreadCount(of: caller.userID, on: connection)
        }
        return try .json(Count(unread: count))
    }
}
