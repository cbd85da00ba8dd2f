import Contracts
import Foundation
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Customers

/// The manager's views of field work (issue 10): the rep's name and the customer's location on every visit,
/// customers not visited for N days, overdue follow-ups.
@Suite("Manager views of visits")
struct FieldWorkTests {
    struct NotVisited: Decodable, Equatable {
        var customerId: String
        var customerName: String
        var region: String
        var ownerId: String?
        var ownerName: String?
        var lastVisitAt: Date?
        var daysSinceLastVisit: Int?
    }

    struct Overdue: Decodable, Equatable {
        var visitId: String
        var customerId: String
        var customerName: String
        var repId: String
        var repName: String
        var visitedAt: Date
        var dueOn: String
        var daysOverdue: Int
    }

    static func checkIn(_ org: CustomerFixture, _ rep: String, at customer: String, followUp: String? = nil) async throws -> Visit {
        let extra = followUp.map { #","nextFollowUpOn":"\#($0)""# } ?? ""
        let body = VisitTests.checkIn(latitude: VisitTests.square.latitude, longitude: VisitTests.square.longitude, extra: extra)
        let response = await org.call(CheckInHandler.operation, as: rep, body, id: org.customers[customer])
        #expect(response.status == 201, "\(response.text)")
        return try response.decode(Visit.self)
    }

    /// Moves a visit (and its customer's latest visit) `days` days into the past, as if it had happened then.
    static func backdate(_ visit: Visit, days: Int, _ service: RPCHarness) async throws {
        let seconds = Double(days * 86_400)
        try await service.client.query(
            "UPDATE visits SET checked_in_at = checked_in_at - make_interval(secs => \(seconds)) WHERE id = \(visit.id)",
            logger: service.logger
        )
        try await service.client.query(
            """
            UPDATE customers SET last_visit_at = (SELECT max(checked_in_at) FROM visits WHERE customer_id = \(visit.customerID))
            WHERE id = \(visit.customerID)
            """,
            logger: service.logger
        )
    }

    /// Sets a visit's follow-up day directly: the API refuses a day before today, so an overdue one needs the past.
    static func setFollowUp(_ visit: Visit, daysFromToday: Int, _ service: RPCHarness) async throws {
        try await service.client.query(
            "UPDATE visits SET next_follow_up_on = \(Self.day(daysFromToday))::date WHERE id = \(visit.id)",
            logger: service.logger
        )
    }

    /// Today (Asia/Shanghai) plus `offset` days, `YYYY-MM-DD`.
    static func day(_ offset: Int) -> String {
        BusinessCalendar.day(of: BusinessCalendar.start(of: BusinessCalendar.day(of: Date())).addingTimeInterval(Double(offset) * 86_400 + 3600))
            .description
    }

    static func notVisited(_ org: CustomerFixture, as user: String, _ query: String = "") async throws -> [NotVisited] {
        let response = await org.call(NotVisitedCustomersHandler.operation, as: user, query: query)
        #expect(response.status == 200, "\(response.text)")
        return try response.decode(ListPage<NotVisited>.self).items
    }

    static func overdue(_ org: CustomerFixture, as user: String, _ query: String = "") async throws -> [Overdue] {
        let response = await org.call(OverdueFollowUpsHandler.operation, as: user, query: query)
        #expect(response.status == 200, "\(response.text)")
        return try response.decode(ListPage<Overdue>.self).items
    }

    @Test("every visit answer names its rep and carries the customer's location; a renamed rep shows their new name")
    func repNameAndCustomerLocation() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let org = try await CustomerFixture.seed(service)
            let first = try await Self.checkIn(org, "rep-1", at: "c1")
            #expect(first.repName == "张伟")
            // The first check-in set the location, so the answer already carries it.
            #expect(first.customerLocation == GeoPoint(latitude: VisitTests.square.latitude, longitude: VisitTests.square.longitude))
            let c2 = try #require(org.customers["c2"])
            let plain = await org.call(CheckInHandler.operation, as: "sup-2", VisitTests.checkIn(northMeters: 0), id: c2)
            #expect(plain.status == 201)
            // A supervisor's check-in sets no location: the key is absent, and the rep name is still there.
            #expect(!plain.text.contains("customerLocation") && plain.text.contains(#""repName":"郑主管""#))

            let listed = try await org.call(ListVisitsHandler.list, as: "rm-east").decode(ListPage<Visit>.self).items
            #expect(Set(listed.compactMap(\.repName)) == ["张伟", "郑主管"])
            let out = try await org.call(CheckOutHandler.operation, as: "rep-1", "{}", id: first.id.description).decode(Visit.self)
            #expect(out.repName == "张伟" && out.customerLocation != nil)

            try await org.deliver(
                UserUpdated(user: Org.user("rep-1").updated(version: 2) { $0.displayName = "张伟强" }, changedFields: ["displayName"]),
                about: Org.user("rep-1").updated(version: 2)
            )
            let renamed = try await org.call(ListVisitsHandler.listOfCustomer, as: "rep-1", id: org.customers["c1"]).decode(ListPage<Visit>.self)
            #expect(renamed.items.map(\.repName) == ["张伟强"])
        }
    }

    @Test("not visited: never-visited first, a visit exactly N days ago counts, N-1 days ago does not, scoped like customers")
    func notVisitedForDays() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            var org = try await CustomerFixture.seed(service)
            try await org.create("c4", as: "gm", owner: "rep-1")
            try await org.create("c5", as: "gm", owner: "rep-1")
            try await org.create("gone", as: "gm", owner: "rep-1")
            #expect(await org.call(ArchiveCustomerHandler.archive, as: "gm", "{}", id: org.customers["gone"]).status == 200)
            let thirty = try await Self.checkIn(org, "rep-1", at: "c1")
            try await Self.backdate(thirty, days: 30, service)
            let twentyNine = try await Self.checkIn(org, "rep-1", at: "c4")
            try await Self.backdate(twentyNine, days: 29, service)
            // c5 was visited long ago and again today: its latest visit counts.
            let old = try await Self.checkIn(org, "rep-1", at: "c5")
            try await Self.backdate(old, days: 90, service)
            _ = try await Self.checkIn(org, "rep-1", at: "c5")

            let rep = try await Self.notVisited(org, as: "rep-1", "days=30")
            // c1 is 30 days unvisited; c4 (29 days) and c5 (today) are not listed, nor the archived customer.
            #expect(rep.map(\.customerName) == ["c1"])
            #expect(rep.first?.daysSinceLastVisit == 30 && rep.first?.lastVisitAt != nil)
            #expect(rep.first?.ownerId == "rep-1" && rep.first?.ownerName == "张伟")
            #expect(try await Self.notVisited(org, as: "rep-1", "days=29").map(\.customerName) == ["c1", "c4"])
            #expect(try await Self.notVisited(org, as: "rep-1", "days=31").map(\.customerName) == [])
            // Default 30 days.
            #expect(try await Self.notVisited(org, as: "rep-1").map(\.customerName) == ["c1"])

            // Never visited comes first, with nulls; gm sees every region.
            let gm = try await Self.notVisited(org, as: "gm", "days=30")
            #expect(gm.map(\.customerName).prefix(2).sorted() == ["c2", "c3"])
            #expect(gm.map(\.customerName).last == "c1")
            let never = try #require(gm.first { $0.customerName == "c2" })
            #expect(never.lastVisitAt == nil && never.daysSinceLastVisit == nil && never.ownerName == "李娜")
            let raw = try await org.call(NotVisitedCustomersHandler.operation, as: "gm", query: "days=30").text
            #expect(raw.contains(#""lastVisitAt":null"#) && raw.contains(#""daysSinceLastVisit":null"#))

            #expect(try await Self.notVisited(org, as: "sup-1", "days=30").map(\.customerName) == ["c1"])
            #expect(try await Self.notVisited(org, as: "sup-2", "days=30").map(\.customerName) == ["c2"])
            #expect(try await Self.notVisited(org, as: "rm-north", "days=30").map(\.customerName) == ["c3"])
            #expect(try await Self.notVisited(org, as: "rep-2", "days=30").map(\.customerName) == ["c2"])

            // Pages: one at a time, in the same order.
            var names: [String] = []
            var cursor: String?
            repeat {
                let query = "days=30&limit=1" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await org.call(NotVisitedCustomersHandler.operation, as: "gm", query: query).decode(ListPage<NotVisited>.self)
                names += page.items.map(\.customerName)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(names == gm.map(\.customerName))

            for bad in ["days=0", "days=3651", "days=x"] {
                let response = await org.call(NotVisitedCustomersHandler.operation, as: "gm", query: bad)
                #expect(response.status == 422, "\(bad)")
                let problem = try response.problem()
                #expect(problem.errors?.map(\.field) == ["days"])
            }
        }
    }

    @Test("overdue follow-ups: a day before today with no later visit; due today is not; a later visit by anyone is the follow-up")
    func overdueFollowUps() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            var org = try await CustomerFixture.seed(service)
            try await org.create("c4", as: "gm", owner: "rep-1")
            let late = try await Self.checkIn(org, "rep-1", at: "c1", followUp: Self.day(0))
            try await Self.backdate(late, days: 10, service)
            try await Self.setFollowUp(late, daysFromToday: -3, service)
            let dueToday = try await Self.checkIn(org, "rep-1", at: "c4", followUp: Self.day(0))
            try await Self.backdate(dueToday, days: 2, service)
            // rep-2's follow-up was done by their supervisor's later visit.
            let done = try await Self.checkIn(org, "rep-2", at: "c2", followUp: Self.day(0))
            try await Self.backdate(done, days: 5, service)
            try await Self.setFollowUp(done, daysFromToday: -1, service)
            _ = try await Self.checkIn(org, "sup-2", at: "c2")
            // rep-north's is one day overdue.
            let north = try await Self.checkIn(org, "rep-north", at: "c3", followUp: Self.day(0))
            try await Self.backdate(north, days: 4, service)
            try await Self.setFollowUp(north, daysFromToday: -1, service)

            let gm = try await Self.overdue(org, as: "gm")
            #expect(gm.map(\.customerName) == ["c1", "c3"])
            let first = try #require(gm.first)
            #expect(first.visitId == late.id.description && first.repId == "rep-1" && first.repName == "张伟")
            #expect(first.dueOn == Self.day(-3) && first.daysOverdue == 3)
            #expect(gm.last?.daysOverdue == 1 && gm.last?.repName == "赵磊")

            #expect(try await Self.overdue(org, as: "rep-1").map(\.customerName) == ["c1"])
            #expect(try await Self.overdue(org, as: "sup-1").map(\.customerName) == ["c1"])
            #expect(try await Self.overdue(org, as: "rep-2").isEmpty)
            #expect(try await Self.overdue(org, as: "sup-2").isEmpty)
            #expect(try await Self.overdue(org, as: "rm-north").map(\.customerName) == ["c3"])
            #expect(try await Self.overdue(org, as: "rm-east").map(\.customerName) == ["c1"])

            let page = try await org.call(OverdueFollowUpsHandler.operation, as: "gm", query: "limit=1").decode(ListPage<Overdue>.self)
            #expect(page.items.map(\.customerName) == ["c1"])
            let next = try #require(page.nextCursor)
            #expect(try await Self.overdue(org, as: "gm", "limit=1&cursor=\(next)").map(\.customerName) == ["c3"])

            // A visit today at c1 (by the rep) is the follow-up: no longer overdue.
            _ = try await Self.checkIn(org, "rep-1", at: "c1")
            #expect(try await Self.overdue(org, as: "gm").map(\.customerName) == ["c3"])
            #expect(await org.call(OverdueFollowUpsHandler.operation, as: "gm", query: "cursor=nope").status == 422)
        }
    }
}
