import Approvals
import ServiceRuntime

@main
struct ApprovalsMain {
    static func main() async {
        await ApprovalsService.main()
    }
}
