import Customers
import ServiceRuntime

@main
struct CustomersMain {
    static func main() async {
        await CustomersService.main()
    }
}
