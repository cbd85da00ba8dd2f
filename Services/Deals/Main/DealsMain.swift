import Deals
import ServiceRuntime

@main
struct DealsMain {
    static func main() async {
        await ServiceApp.main(
            name: DealsService.name,
            defaultHTTPPort: DealsService.defaultHTTPPort,
            migrationsDirectory: DealsService.migrationsDirectory,
            parts: DealsService.parts
        )
    }
}
