import Deals
import ServiceRuntime

@main
struct DealsMain {
    static func main() async {
        await DealsService.main()
    }
}
