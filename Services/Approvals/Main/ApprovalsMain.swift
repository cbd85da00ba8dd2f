import Approvals
import ServiceRuntime

@main
struct ApprovalsMain {
    static func main() async {
        await ServiceApp.main(
            name: ApprovalsService.name,
            defaultHTTPPort: ApprovalsService.defaultHTTPPort,
            migrationsDirectory: ApprovalsService.migrationsDirectory,
            parts: ApprovalsService.parts
        )
    }
}
