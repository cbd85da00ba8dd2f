import Admin
import ArgumentParser

@main
struct AdminMain {
    static func main() async {
        await SalesDeskAdmin.main()
    }
}
