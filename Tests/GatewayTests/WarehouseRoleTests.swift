import Contracts
import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

@testable import Gateway

@Suite("The warehouse role", .timeLimit(.minutes(3)))
struct WarehouseRoleTests {
    @Test("an admin creates a warehouse user without a region (migration 0006 admits the role); it signs in as warehouse")
    func warehouseUser() async throws {
        try await GatewayHarness.with { _, client in
            let admin = try #require(try await client.login("admin", GatewayHarness.adminPassword)).access
            let created = try await client.call(
                .post,
                "/api/v1/users",
                token: admin,
                json: #"{"username":"zhou.wh","displayName":"周仓管","password":"warehouse-password","role":"warehouse"}"#
            )
            #expect(created.status == 201, "\(created.body)")
            #expect(created.body["role"] as? String == "warehouse")
            let warehouse = try #require(try await client.login("zhou.wh", "warehouse-password")).access
            let me = try await client.call(.get, "/api/v1/me", token: warehouse)
            #expect(me.body["role"] as? String == "warehouse")
            // Admin screens stay closed to it.
            #expect(try await client.call(.get, "/api/v1/users", token: warehouse).status == 403)
        }
    }
}
