import Notifications
import ServiceRuntime

@main
struct NotificationsMain {
    static func main() async {
        await ServiceApp.main(
            name: NotificationsService.name,
            defaultHTTPPort: NotificationsService.defaultHTTPPort,
            migrationsDirectory: NotificationsService.migrationsDirectory,
            parts: NotificationsService.parts
        )
    }
}
