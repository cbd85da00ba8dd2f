import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import TestSupport
import Testing

@testable import Approvals

@Suite("Approvals org replica migration")
struct OrgReplicaMigrationTests {
    @Test("an existing org chart moves into the kit's org replica, so approvers are still found after the upgrade")
    func orgUsersCarriedOver() async throws {
        let all = try Migrator.load(bundleDirectory: try #require(ApprovalsService.migrationsDirectory))
        let before = all.filter { $0.id < "0004" }
        // The first migration left out is 0004, the one under test; later ones (0005 delegations, …) run with it.
        #expect(all.first { $0.id >= "0004" }?.id.hasPrefix("0004_") == true)
        try await TestSchema.with(migrations: before) { client, schema in
            let logger = Logger(label: "test.approvals.migration")
            try await client.query(
                """
                INSERT INTO org_users (id, role, region, supervisor_id, display_name, mobile, active, sequence)
                VALUES ('sup-1', 'supervisor', 'east', 'rm-1', '孙主管', '13800000003', true, 4)
                """,
                logger: logger
            )
            try await Migrator(client: client, schema: schema, migrations: all, logger: logger).migrate()
            let users = try await client.withConnection { try await OrgReplica(logger: logger).users(on: $0) }
            #expect(
                users.map(OrgUser.init) == [
                    OrgUser(
                        id: "sup-1",
                        role: .supervisor,
                        region: "east",
                        supervisorID: "rm-1",
                        displayName: "孙主管",
                        mobile: "13800000003",
                        active: true
                    )
                ]
            )
            #expect(users.first?.version == 4)
            let old = try await client.query(
                "SELECT count(*)::int FROM information_schema.tables WHERE table_schema = \(schema) AND table_name = 'org_users'",
                logger: logger
            )
            for try await count in old.decode(Int.self) { #expect(count == 0) }
        }
    }
}
