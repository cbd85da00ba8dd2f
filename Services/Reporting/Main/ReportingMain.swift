import Reporting
import ServiceRuntime

@main
struct ReportingMain {
    static func main() async {
        await ServiceApp.main(
            name: ReportingService.name,
            defaultHTTPPort: ReportingService.defaultHTTPPort,
            migrationsDirectory: ReportingService.migrationsDirectory,
            parts: ReportingService.parts
        )
    }
}
