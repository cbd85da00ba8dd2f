import Notifications
import ServiceRuntime

@main
struct NotificationsMain {
    static func main() async {
        await NotificationsService.main()
    }
}
