import AMQP
import Admin
import ArgumentParser
import Persistence
import ServiceRuntime
import TestSupport
import Testing

@Suite("salesdesk-admin migrate and status", .timeLimit(.minutes(5)))
struct MigrateAndStatusTests {
    @Test("migrate brings every service's schema up to date, and again changes nothing; status then shows no pending migration")
    func migrateThenStatus() async throws {
        try await AdminFixture.with { fixture in
            var before = try Status.parse([])
            before.postgres = try fixture.postgres
            before.broker = try fixture.broker
            let fresh = try await before.collect()
            #expect(fresh.map(\.service) == ServiceEntry.all.map(\.name))
            #expect(fresh.allSatisfy { $0.schemaVersion == nil && !$0.pendingMigrations.isEmpty })

            let applied = try await fixture.migrate()
            for service in ServiceEntry.all {
                #expect(applied[service.name] == Migrator.kitMigrations.count + (try service.migrations()).count, "\(service.name)")
            }
            #expect(try await fixture.migrate() == applied)

            let statuses = try await before.collect()
            for status in statuses {
                let service = try ServiceEntry.named(status.service)
                #expect(status.pendingMigrations.isEmpty, "\(status.service)")
                #expect(status.schemaVersion == (try service.migrations()).last?.id)
            }
            #expect(Status.render(statuses).contains("gateway"))
        }
    }

    @Test("status reports each queue's depth and consumers, and an absent queue as absent")
    func queueDepthAndConsumers() async throws {
        try await AdminFixture.with { fixture in
            _ = try await fixture.migrate()
            let topology = SalesDeskTopology.exchanges.merging(SalesDeskTopology.eventQueue(service: "deals", eventTypes: ["admintest.noted"]))
            let connection = AMQPConnection(
                configuration: try AMQPConfiguration(url: fixture.amqpURL, connectionName: "admin-tests-status"),
                topology: topology,
                logger: AdminLog.logger
            )
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await connection.run() }
                defer { group.cancelAll() }
                try await connection.waitUntilConnected(timeout: .seconds(60))
                for _ in 0..<3 {
                    try await connection.publish(AMQPMessage(body: Array("{}".utf8)), exchange: "", routingKey: "deals.events")
                }
                var status = try Status.parse([])
                status.postgres = try fixture.postgres
                status.broker = try fixture.broker
                let deals = try #require(try await status.collect().first { $0.service == "deals" })
                #expect(deals.queues.first { $0.name == "deals.events" } == QueueStatus(name: "deals.events", messages: 3, consumers: 0))
                #expect(deals.queues.first { $0.name == "deals.events.dead" }?.messages == 0)
                #expect(deals.queues.first { $0.name == "deals.rpc" }?.messages == nil)
                #expect(deals.deadLetters == 0)
            }
        }
    }
}
