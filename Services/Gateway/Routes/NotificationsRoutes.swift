import Contracts
import HTTPTypes

/// `/api/v1/notifications`: the caller's in-app inbox, from the notifications service.
enum NotificationsRoutes {
    static let table: [ForwardedRoute] = [
        .init(.get, "notifications", Operation.Notifications.list)
    ]
}
