import Foundation
import Testing

@testable import Reporting

@Suite("Reporting service")
struct ReportingServiceTests {
    @Test("the service ships its migrations")
    func shipsMigrations() throws {
        let directory = try #require(ReportingService.migrationsDirectory)
        #expect(directory.lastPathComponent == "Migrations")
    }
}
