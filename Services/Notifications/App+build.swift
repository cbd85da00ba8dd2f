public import Foundation
public import ServiceRuntime

/// The `notifications` service: WeCom pushes, signed webhooks and the in-app inbox; the channels arrive with issue 4. It already starts, migrates its schema, declares its event queue and
/// answers health, so operators can deploy and scale it.
public enum NotificationsService {
    /// Service name, schema and queue prefix.
    public static let name = "notifications"
    /// Health, ready and metrics port unless `HTTP_PORT` says otherwise.
    public static let defaultHTTPPort = 8084
    /// The SQL migrations shipped with the service.
    public static var migrationsDirectory: URL? { Bundle.module.url(forResource: "Migrations", withExtension: nil) }

    /// What notifications adds to the common runtime: its event queue, with no bindings yet.
    public static func parts(_ context: ServiceContext) -> ServiceParts {
        ServiceParts(events: EventHandlerRegistry())
    }
}
