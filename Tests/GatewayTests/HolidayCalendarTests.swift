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

@Suite("Holiday calendar API", .timeLimit(.minutes(3)))
struct HolidayCalendarTests {
    /// The days of a year as `GET /api/v1/calendar/days` lists them: `day kind name`.
    static func days(_ client: some TestClientProtocol, token: String, year: String) async throws -> (status: Int, days: [String]) {
        try await client.execute(uri: "/api/v1/calendar/days?year=\(year)", method: .get, headers: [.authorization: "Bearer \(token)"], body: nil) {
            response in
            let object = (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any] ?? [:]
            let items = object["items"] as? [[String: Any]] ?? []
            let days = items.map { "\($0["day"] as? String ?? "?") \($0["kind"] as? String ?? "?") \($0["name"] as? String ?? "?")" }
            return (Int(response.status.code), days)
        }
    }

    static func rows(_ postgres: PostgresClient, _ query: PostgresQuery) async throws -> [String] {
        var rows: [String] = []
        for try await row in try await postgres.query(query, logger: Logger(label: "t")).decode(String.self) { rows.append(row) }
        return rows
    }

    @Test("2026 is seeded with the official holidays and 调休 workdays, the same list every service's replica starts with")
    func seeded2026() async throws {
        try await GatewayHarness.with { _, client in
            let admin = try #require(try await client.login("admin", GatewayHarness.adminPassword)).access
            let listed = try await Self.days(client, token: admin, year: "2026")
            #expect(listed.status == 200)
            #expect(listed.days == OfficialHolidays.year2026.map { "\($0.day) \($0.kind.rawValue) \($0.name)" })
            #expect(listed.days.count == 33 + 6)
            #expect(listed.days.contains("2026-10-10 workday 国庆节调休") && listed.days.contains("2026-10-01 holiday 国庆节"))
            #expect(try await Self.days(client, token: admin, year: "2027").days.isEmpty, "2027 is entered by an admin, not shipped")
        }
    }

    @Test("an admin enters 2027: a holiday and a make-up workday, audited and published with the day's version; removing one publishes that")
    func adminEnters2027() async throws {
        try await GatewayHarness.with { harness, client in
            let admin = try #require(try await client.login("admin", GatewayHarness.adminPassword)).access
            let key: HTTPFields = [.idempotencyKey: "cal-1"]
            let set = try await client.call(
                .put,
                "/api/v1/calendar/days/2027-10-01",
                token: admin,
                json: #"{"kind":"holiday","name":" 国庆节 "}"#,
                headers: key
            )
            #expect(set.status == 200, "\(set.body)")
            #expect(set.body["day"] as? String == "2027-10-01" && set.body["kind"] as? String == "holiday" && set.body["name"] as? String == "国庆节")
            // The same key and body again: the first reply, nothing written twice.
            let again = try await client.call(
                .put,
                "/api/v1/calendar/days/2027-10-01",
                token: admin,
                json: #"{"kind":"holiday","name":" 国庆节 "}"#,
                headers: key
            )
            #expect(again.status == 200)
            // 2027-09-26 is a Sunday.
            let workday = try await client.call(.put, "/api/v1/calendar/days/2027-09-26", token: admin, json: #"{"kind":"workday","name":"国庆节调休"}"#)
            #expect(workday.status == 200, "\(workday.body)")
            let renamed = try await client.call(.put, "/api/v1/calendar/days/2027-10-01", token: admin, json: #"{"kind":"holiday","name":"国庆"}"#)
            #expect(renamed.status == 200)
            #expect(try await Self.days(client, token: admin, year: "2027").days == ["2027-09-26 workday 国庆节调休", "2027-10-01 holiday 国庆"])

            let removed = try await client.call(.delete, "/api/v1/calendar/days/2027-09-26", token: admin)
            #expect(removed.status == 200, "\(removed.body)")
            #expect((removed.body["removed"] as? [String: any Sendable])?["kind"] as? String == "workday")
            #expect(try await client.call(.delete, "/api/v1/calendar/days/2027-09-26", token: admin).status == 404, "nothing left to remove")
            #expect(try await Self.days(client, token: admin, year: "2027").days == ["2027-10-01 holiday 国庆"])

            let events = try await Self.rows(
                harness.postgres,
                "SELECT type || ' ' || subject || ' ' || sequence || ' ' || (envelope->'data')::text FROM outbox WHERE type LIKE 'calendar.%' ORDER BY position"
            )
            #expect(
                events == [
                    #"calendar.day_set 2027-10-01 1 {"day": "2027-10-01", "kind": "holiday", "name": "国庆节"}"#,
                    #"calendar.day_set 2027-09-26 1 {"day": "2027-09-26", "kind": "workday", "name": "国庆节调休"}"#,
                    #"calendar.day_set 2027-10-01 2 {"day": "2027-10-01", "kind": "holiday", "name": "国庆"}"#,
                    #"calendar.day_removed 2027-09-26 2 {"day": "2027-09-26"}"#,
                ]
            )
            let envelope = try #require(
                try await Self.rows(harness.postgres, "SELECT envelope::text FROM outbox WHERE type = 'calendar.day_removed'").first
            )
            #expect(try EventEnvelope.decode(from: Array(envelope.utf8)).source == CalendarDayRemoved.source)
            let audit = try await Self.rows(
                harness.postgres,
                "SELECT action || ' ' || subject FROM admin_audit WHERE action LIKE 'calendar.%' ORDER BY id"
            )
            #expect(
                audit == [
                    "calendar.set calendar:2027-10-01", "calendar.set calendar:2027-09-26", "calendar.set calendar:2027-10-01",
                    "calendar.remove calendar:2027-09-26",
                ]
            )
        }
    }

    @Test("a bad date, kind or name is a 422 naming the field; a weekday cannot be a make-up workday; only an admin writes (403)")
    func validationAndRoles() async throws {
        try await GatewayHarness.with { _, client in
            let admin = try #require(try await client.login("admin", GatewayHarness.adminPassword)).access
            let repID = try await IdentityTests.createRep(client, admin: admin)
            #expect(!repID.isEmpty)
            let rep = try #require(try await client.login("wang", "rep-password")).access

            func fields(_ reply: (status: Int, body: [String: any Sendable], headers: HTTPFields)) -> String {
                "\(reply.status) \(reply.body)"
            }
            let badDate = try await client.call(.put, "/api/v1/calendar/days/2027-02-30", token: admin, json: #"{"kind":"holiday","name":"x"}"#)
            #expect(badDate.status == 422 && fields(badDate).contains("real date"), "\(fields(badDate))")
            #expect(
                try await client.call(.put, "/api/v1/calendar/days/27-10-01", token: admin, json: #"{"kind":"holiday","name":"x"}"#).status == 422
            )
            #expect(
                try await client.call(.put, "/api/v1/calendar/days/2300-10-01", token: admin, json: #"{"kind":"holiday","name":"x"}"#).status == 422
            )
            let badBody = try await client.call(.put, "/api/v1/calendar/days/2027-10-01", token: admin, json: #"{"kind":"vacation","name":"  "}"#)
            #expect(
                badBody.status == 422 && fields(badBody).contains("holiday or workday") && fields(badBody).contains("is required"),
                "\(fields(badBody))"
            )
            // 2027-10-04 is a Monday.
            let weekday = try await client.call(.put, "/api/v1/calendar/days/2027-10-04", token: admin, json: #"{"kind":"workday","name":"调休"}"#)
            #expect(weekday.status == 422 && fields(weekday).contains("Saturday or Sunday"), "\(fields(weekday))")
            #expect(try await client.call(.delete, "/api/v1/calendar/days/2027-13-01", token: admin).status == 422)
            #expect(try await client.call(.get, "/api/v1/calendar/days?year=27", token: admin).status == 422)

            #expect(
                try await client.call(.put, "/api/v1/calendar/days/2027-10-01", token: rep, json: #"{"kind":"holiday","name":"国庆节"}"#).status == 403
            )
            #expect(try await client.call(.delete, "/api/v1/calendar/days/2026-10-01", token: rep).status == 403)
            #expect(
                try await Self.days(client, token: rep, year: "2026").days.count == OfficialHolidays.year2026.count,
                "anyone signed in may read it"
            )
            #expect(try await client.call(.get, "/api/v1/calendar/days?year=2026").status == 401)
        }
    }
}
