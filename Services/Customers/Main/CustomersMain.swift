import Customers
import ServiceRuntime

@main
struct CustomersMain {
    static func main() async {
        await ServiceApp.main(
            name: CustomersService.name,
            defaultHTTPPort: CustomersService.defaultHTTPPort,
            migrationsDirectory: CustomersService.migrationsDirectory,
            parts: CustomersService.parts
        )
    }
}
