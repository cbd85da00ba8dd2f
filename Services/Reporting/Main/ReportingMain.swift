import Reporting
import ServiceRuntime

@main
struct ReportingMain {
    static func main() async {
        await ReportingService.main()
    }
}
