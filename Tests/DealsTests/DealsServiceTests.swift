import Foundation
import Testing

@testable import Deals

@Suite("Deals service")
struct DealsServiceTests {
    @Test("the service ships its migrations")
    func shipsMigrations() throws {
        let directory = try #require(DealsService.migrationsDirectory)
        #expect(directory.lastPathComponent == "Migrations")
    }
}
