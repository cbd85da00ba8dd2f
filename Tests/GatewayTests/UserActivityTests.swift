import Contracts
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Gateway

/// Issue 12: any authenticated action counts towards the daily-active ratio, so the gateway notes each user's first
/// authenticated request of an Asia/Shanghai day and publishes `user.active` once for it.
@Suite("User activity", .timeLimit(.minutes(3)))
struct UserActivityTests {
    static func count(_ sql: PostgresQuery, _ harness: GatewayHarness) async throws -> Int {
        let rows = try await harness.postgres.query(sql, logger: Logger(label: "t"))
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }

    static func activeEvents(_ harness: GatewayHarness) async throws -> [UserActive] {
        let rows = try await harness.postgres.query(
            "SELECT envelope::text FROM outbox WHERE type = 'user.active' ORDER BY position",
            logger: Logger(label: "t")
        )
        var events: [UserActive] = []
        for try await text in rows.decode(String.self) {
            let envelope = try EventEnvelope.decode(from: Array(text.utf8))
            events.append(try envelope.decodeData(as: UserActive.self))
        }
        return events
    }

    @Test("many authenticated requests on one day make one activity row and one user.active, with the user's role and day")
    func oncePerDay() async throws {
        try await GatewayHarness.with { harness, client in
            let tokens = try #require(try await client.login("admin", GatewayHarness.adminPassword))
            for _ in 0..<3 { #expect(try await client.call(.get, "/api/v1/me", token: tokens.access).status == 200) }
            #expect(try await client.call(.get, "/api/v1/users", token: tokens.access).status == 200)
            // A refused request is no action.
            #expect(try await client.call(.get, "/api/v1/me", token: "garbage").status == 401)

            #expect(try await Self.count("SELECT count(*)::int FROM user_activity", harness) == 1)
            let events = try await Self.activeEvents(harness)
            #expect(events.count == 1)
            #expect(events.first?.role == .admin)
            #expect(events.first?.day == BusinessCalendar.day(of: Date()).description)
        }
    }

    @Test("the set in memory answers a user's later requests of the day; the table answers across processes; a new day counts again")
    func memoryThenTable() async throws {
        try await GatewayHarness.with { harness, client in
            let tokens = try #require(try await client.login("admin", GatewayHarness.adminPassword))
            let me = try await client.call(.get, "/api/v1/me", token: tokens.access)
            let id = try #require(RecordID(me.body["id"] as? String ?? ""))
            let user = try #require(
                try await harness.postgres.withConnection { try await harness.api.store.users.findWithTeam(id: id, on: $0) }?.0
            )
            // Remove the day's row: a later request of this process does not even look at the table (no write per request).
            try await harness.postgres.query("DELETE FROM user_activity", logger: Logger(label: "t"))
            #expect(try await harness.api.activity.record(user) == false)
            #expect(try await Self.count("SELECT count(*)::int FROM user_activity", harness) == 0)

            // Another gateway replica (its own empty set) finds nothing in the table and records the day again; a
            // third finds the row and publishes nothing.
            let other = UserActivityRecorder(postgres: harness.postgres, logger: Logger(label: "t"))
            #expect(try await other.record(user) == true)
            let third = UserActivityRecorder(postgres: harness.postgres, logger: Logger(label: "t"))
            #expect(try await third.record(user) == false)

            // The next Shanghai day is a new day.
            #expect(try await other.record(user, at: Date().addingTimeInterval(86_400)) == true)
            #expect(try await other.record(user, at: Date().addingTimeInterval(86_400)) == false)
            #expect(try await Self.count("SELECT count(*)::int FROM user_activity", harness) == 2)
            // /me's event, the replica's, the next day's.
            let events = try await Self.activeEvents(harness)
            #expect(events.count == 3)
            #expect(Set(events.map(\.day)).count == 2)
        }
    }
}
