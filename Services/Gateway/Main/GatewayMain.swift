import Gateway
import ServiceRuntime

@main
struct GatewayMain {
    static func main() async {
        await GatewayService.main()
    }
}
