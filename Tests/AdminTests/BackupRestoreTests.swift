import AMQP
import Admin
import ArgumentParser
import Foundation
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@Suite("salesdesk-admin backup and restore", .timeLimit(.minutes(5)))
struct BackupRestoreTests {
    static func toolArguments() throws -> [String] {
        ["--rabbitmqctl", try TestEnvironment.require("SALESDESK_TEST_RABBITMQCTL")]
    }

    static func rows(_ fixture: AdminFixture, _ schema: String, _ sql: String) async throws -> [String] {
        try await (try fixture.postgres).withClient(schema: schema) { client in
            var values: [String] = []
            for try await value in try await client.query(PostgresQuery(unsafeSQL: sql), logger: AdminLog.logger).decode(String.self) {
                values.append(value)
            }
            return values
        }
    }

    /// Declares a service's queues in the fixture's vhost, as the service does at start.
    static func declareQueues(_ fixture: AdminFixture, service: String) async throws {
        let connection = AMQPConnection(
            configuration: try AMQPConfiguration(url: fixture.amqpURL, connectionName: "admin-tests-declare"),
            topology: SalesDeskTopology.exchanges.merging(SalesDeskTopology.eventQueue(service: service, eventTypes: ["admintest.noted"])),
            logger: AdminLog.logger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await connection.run() }
            defer { group.cancelAll() }
            try await connection.waitUntilConnected(timeout: .seconds(60))
            _ = try await connection.messageCount(queue: SalesDeskTopology.eventQueue(of: service))
        }
    }

    @Test("backup writes one archive (dumps, definitions, manifest, Excel CSVs); restore brings the same records into an empty system")
    func backupThenRestore() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("admin-backups-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try await AdminFixture.with { source in
            _ = try await source.migrate()
            try await Self.declareQueues(source, service: "reporting")
            try await (try source.postgres).withClient(schema: "customers") { client in
                try await client.query(
                    """
                    INSERT INTO customers (id, name, normalized_name, region, industry, owner_id, contacts, version)
                    VALUES ('6f1c1a52-0000-4000-8000-000000000001', '华东精密机械, 有限公司', '华东精密机械有限公司', 'east', '制造',
                            'rep-1', '[{"name": "王经理", "phone": "13800000001"}, {"name": "李工", "phone": "13800000002"}]', 1)
                    """,
                    logger: AdminLog.logger
                )
            }
            let password = NSTemporaryDirectory() + "admin-backup-\(UUID().uuidString)"
            try Data("rescue-passw0rd\n".utf8).write(to: URL(fileURLWithPath: password))
            try await CreateAdmin.parse(["ops.li", "--password-file", password, "--postgres-url", source.postgresURL, "--bcrypt-cost", "4"]).run()

            var backup = try Backup.parse(["--to", folder.path, "--keep", "2"] + (try Self.toolArguments()))
            backup.postgres = try source.postgres
            backup.broker = try source.broker
            let (archive, manifest) = try await backup.backup()
            #expect(archive.lastPathComponent.hasPrefix("salesdesk-backup-") && archive.pathExtension == "zip")
            #expect(manifest.schemas.map(\.service) == ServiceEntry.all.map(\.name))
            #expect(manifest.schemas.first { $0.service == "gateway" }?.version == (try ServiceEntry.named("gateway").migrations()).last?.id)
            #expect(manifest.brokerDefinitions == "rabbitmq/definitions.json")
            #expect(
                Set(manifest.exports).isSuperset(of: [
                    "csv/customers.csv", "csv/contacts.csv", "csv/deals.csv", "csv/quotes.csv", "csv/contracts.csv", "csv/payments.csv",
                ])
            )
            #expect(manifest.files.count == 6 + 1 + manifest.exports.count)

            // The CSVs open in Excel: BOM, CRLF, the comma in the name quoted.
            let unpacked = FileManager.default.temporaryDirectory.appendingPathComponent("admin-unpacked-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: unpacked) }
            try TestEnvironment.shell("mkdir -p '\(unpacked.path)' && cd '\(unpacked.path)' && python3 -m zipfile -e '\(archive.path)' .")
            let customers = try Data(contentsOf: unpacked.appendingPathComponent("csv/customers.csv"))
            #expect(Array(customers.prefix(3)) == [0xEF, 0xBB, 0xBF])
            let text = String(decoding: customers.dropFirst(3), as: UTF8.self)
            #expect(text.hasPrefix("id,name,region,industry,"))
            #expect(text.contains("\"华东精密机械, 有限公司\",east,制造"))
            #expect(text.contains("\r\n"))
            let contacts = String(decoding: try Data(contentsOf: unpacked.appendingPathComponent("csv/contacts.csv")).dropFirst(3), as: UTF8.self)
            #expect(contacts.hasPrefix("customer_id,customer_name,name,phone\r\n"))
            #expect(contacts.contains("王经理,13800000001") && contacts.contains("李工,13800000002"))
            let definitions = String(decoding: try Data(contentsOf: unpacked.appendingPathComponent("rabbitmq/definitions.json")), as: UTF8.self)
            #expect(definitions.contains("reporting.events.dead") && definitions.contains(source.vhost))

            // A system that is not empty is refused.
            var intoSource = try Restore.parse([archive.path] + (try Self.toolArguments()))
            intoSource.postgres = try source.postgres
            intoSource.broker = try source.broker
            await #expect(throws: (any Error).self) { try await intoSource.restore() }

            try await AdminFixture.with { target in
                var restore = try Restore.parse([archive.path] + (try Self.toolArguments()))
                restore.postgres = try target.postgres
                restore.broker = try target.broker
                #expect(try await restore.restore() == manifest)
                for (schema, sql) in [
                    ("customers", "SELECT to_jsonb(c)::text FROM customers c ORDER BY id"),
                    ("gateway", "SELECT username || ':' || role || ':' || password_hash FROM users ORDER BY id"),
                    ("gateway", "SELECT type FROM outbox ORDER BY position"),
                ] + ServiceEntry.all.map { ($0.name, "SELECT id FROM schema_migrations ORDER BY id") } {
                    #expect(try await Self.rows(target, schema, sql) == (try await Self.rows(source, schema, sql)), "\(schema): \(sql)")
                }
                // The broker definitions came along into the target's vhost, and nothing is pending.
                var status = try Status.parse([])
                status.postgres = try target.postgres
                status.broker = try target.broker
                let statuses = try await status.collect()
                #expect(statuses.allSatisfy { $0.pendingMigrations.isEmpty })
                let queues = try TestEnvironment.rabbitmqctl("-q", "list_queues", "-p", target.vhost, "name")
                #expect(queues.contains("reporting.events.dead"), "queues in \(target.vhost): \(queues); definitions: \(definitions.prefix(3000))")
            }

            // Retention: three more archives leave the newest two.
            for offset in 1...3 {
                _ = try await backup.backup(now: Date().addingTimeInterval(Double(offset) * 3_600))
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".zip") }
            #expect(names.count == 2)
        }
    }
}
