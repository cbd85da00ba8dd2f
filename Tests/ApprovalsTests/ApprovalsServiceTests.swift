import Foundation
import Testing

@testable import Approvals

@Suite("Approvals service")
struct ApprovalsServiceTests {
    @Test("the service ships its migrations")
    func shipsMigrations() throws {
        let directory = try #require(ApprovalsService.migrationsDirectory)
        #expect(directory.lastPathComponent == "Migrations")
    }
}
