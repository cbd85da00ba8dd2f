import Foundation
import TestSupport
import Testing

/// `<service> migrate`, the step a deployment runs before the new version's pods (issue 13:
/// deploy/kubernetes/base/migrate-job.yaml): each executable applies its own schema's migrations with its own role and
/// exits, needing no broker; running it again changes nothing; the services then start on the migrated schemas.
@Suite("End to end: the migrate command", .timeLimit(.minutes(5)))
struct MigrateCommandTests {
    @Test("each service's `migrate` applies its migrations and exits 0 without a broker; again, it changes nothing; the services start on it")
    func migrateThenStart() async throws {
        let system = try SalesDeskSystem.prepare()
        defer { system.stop() }
        // No broker on this port: a migration needs only PostgreSQL.
        let noBroker = ["AMQP_URL": "amqp://nobody:nothing@127.0.0.1:\(try freePort())/none"]
        var applied: [String: Int] = [:]
        for service in SalesDeskSystem.services {
            let run = try system.runOnce(service, ["migrate"], overrides: noBroker)
            #expect(run.status == 0, "\(service) migrate: \(run.output.suffix(2000))")
            applied[service] = try Self.migrations(service, in: system)
            #expect(applied[service, default: 0] > 0, "\(service) recorded no migration")
        }
        for service in SalesDeskSystem.services {
            let again = try system.runOnce(service, ["migrate"], overrides: noBroker)
            #expect(again.status == 0, "\(service) migrate again: \(again.output.suffix(2000))")
            #expect(try Self.migrations(service, in: system) == applied[service])
        }
        for service in SalesDeskSystem.services { try await system.restart(service) }
        let token = try await system.login("admin", SalesDeskSystem.adminPassword)
        #expect(try await system.request("GET", "/api/v1/customers", token: token).status == 200)
    }

    /// The rows of a service's `schema_migrations`, read as the service's own role.
    static func migrations(_ service: String, in system: SalesDeskSystem) throws -> Int {
        var url = try #require(URLComponents(string: system.postgresAdminURL))
        url.user = service
        url.password = "salesdesk-\(service)"
        url.path = "/\(system.database)"
        let count = try TestEnvironment.shell("psql '\(url.string ?? "")' -Atq -c 'SELECT count(*) FROM \(service).schema_migrations'")
        return Int(count.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }
}
