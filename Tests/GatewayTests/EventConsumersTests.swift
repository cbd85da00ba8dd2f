import Approvals
import Contracts
import Customers
import Deals
import Foundation
import Logging
import Notifications
import Reporting
import ServiceRuntime
import Testing

@Suite("Every published event has a consumer")
struct EventConsumersTests {
    /// The event types declared in Shared/Contracts (`static let eventType = "…"`): every type a service can publish.
    static func declaredEventTypes() throws -> Set<String> {
        let contracts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Shared/Contracts")
        var types: Set<String> = []
        for name in try FileManager.default.contentsOfDirectory(atPath: contracts.path) where name.hasSuffix(".swift") {
            let source = try String(contentsOf: contracts.appendingPathComponent(name), encoding: .utf8)
            for match in source.matches(of: #/static let eventType = "([a-z_]+\.[a-z_]+)"/#) { types.insert(String(match.output.1)) }
        }
        return types
    }

    @Test("every event type a service may publish is bound to some service's queue, so none lands in sales.unroutable")
    func everyEventTypeIsConsumed() throws {
        let logger = Logger(label: "test.consumers")
        let consumed = Set(
            [
                CustomersService.eventHandlers(logger: logger),
                DealsService.eventHandlers(logger: logger),
                ApprovalsService.eventHandlers(logger: logger),
                NotificationsService.eventHandlers(wecomConfigured: false, logger: logger),
                ReportingService.eventHandlers(logger: logger),
            ].flatMap(\.eventTypes)
        )
        let declared = try Self.declaredEventTypes()
        #expect(declared.count >= 14)
        #expect(declared.subtracting(consumed).sorted() == [])
        #expect(consumed.contains(UserLoggedIn.eventType))
    }
}
