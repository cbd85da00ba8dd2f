import Gateway
import ServiceRuntime

@main
struct GatewayMain {
    static func main() async {
        await ServiceApp.main(
            name: GatewayService.name,
            defaultHTTPPort: GatewayService.defaultHTTPPort,
            migrationsDirectory: GatewayService.migrationsDirectory,
            parts: GatewayService.parts
        )
    }
}
