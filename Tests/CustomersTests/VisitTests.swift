import Contracts
import Foundation
import ServiceRuntime
import TestSupport
import Testing

@testable import Customers

/// Visits (issue 10): check-in and check-out, distance flags, customer locations, scope.
@Suite("Visits")
struct VisitTests {
    /// People's Square, Shanghai (WGS-84).
    static let square = (latitude: 31.230416, longitude: 121.473701)

    static func checkIn(latitude: Double, longitude: Double, accuracy: Int = 20, purpose: String = "follow_up", extra: String = "") -> String {
        #"{"latitude":\#(latitude),"longitude":\#(longitude),"accuracyMeters":\#(accuracy),"purpose":"\#(purpose)"\#(extra)}"#
    }

    static func checkIn(northMeters: Double, accuracy: Int = 20, extra: String = "") -> String {
        // 1° of latitude is 111,195 m on the mean sphere.
        checkIn(latitude: square.latitude + northMeters / 111_195, longitude: square.longitude, accuracy: accuracy, extra: extra)
    }

    @Test("a rep's first check-in sets a customer's location; later ones are measured and flagged far or poor_accuracy, never refused")
    func firstCheckInSetsLocationThenFlags() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let org = try await CustomerFixture.seed(service)
            let c1 = try #require(org.customers["c1"])
            let first = await org.call(CheckInHandler.operation, as: "rep-1", Self.checkIn(northMeters: 0), id: c1)
            #expect(first.status == 201, "\(first.text)")
            let visit = try first.decode(Visit.self)
            #expect(visit.flags == [.locationFromVisit] && visit.distanceMeters == nil)
            #expect(visit.repID == "rep-1" && visit.customerID.description == c1 && visit.customerName == "c1" && visit.version == 1)
            #expect(!first.text.contains("distanceMeters") && !first.text.contains("checkedOutAt"))
            let customer = try await org.call(Operation.Customers.get, as: "rep-1", id: c1).decode(Customer.self)
            #expect(customer.location == GeoPoint(latitude: Self.square.latitude, longitude: Self.square.longitude))
            #expect(customer.version == 2)
            #expect(try await org.service.outbox(CustomerUpdated.self).map(\.changedFields) == [["location"]])

            let near = try await org.call(CheckInHandler.operation, as: "rep-1", Self.checkIn(northMeters: 300), id: c1).decode(Visit.self)
            #expect(near.distanceMeters == 300 && near.flags == [])
            let far = await org.call(CheckInHandler.operation, as: "rep-1", Self.checkIn(northMeters: 2000), id: c1)
            #expect(far.status == 201)
            #expect(try far.decode(Visit.self).flags == [.far] && far.decode(Visit.self).distanceMeters == 2000)
            let blurry = try await org.call(CheckInHandler.operation, as: "rep-1", Self.checkIn(northMeters: 10, accuracy: 201), id: c1)
                .decode(Visit.self)
            #expect(blurry.flags == [.poorAccuracy] && blurry.distanceMeters == 10)
            // Later check-ins leave the location alone.
            #expect(try await org.call(Operation.Customers.get, as: "rep-1", id: c1).decode(Customer.self).version == 2)

            let events = try await org.service.outbox(VisitCheckedIn.self)
            #expect(events.map(\.visit.flags) == [["location_from_visit"], [], ["far"], ["poor_accuracy"]])
            #expect(
                try await org.service.outbox(type: VisitCheckedIn.eventType).map(\.source) == ["customers", "customers", "customers", "customers"]
            )
        }
    }

    @Test("managers set a customer's location within scope; a rep or finance gets 403; a manager's check-in sets none")
    func setLocation() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let org = try await CustomerFixture.seed(service)
            let c1 = try #require(org.customers["c1"])
            let c2 = try #require(org.customers["c2"])
            let body = #"{"latitude":31.230416,"longitude":121.473701}"#
            #expect(await org.call(SetCustomerLocationHandler.operation, as: "rep-1", body, id: c1).status == 403)
            #expect(await org.call(SetCustomerLocationHandler.operation, as: "finance", body, id: c1).status == 403)
            #expect(await org.call(SetCustomerLocationHandler.operation, as: "rm-north", body, id: c1).status == 404)
            #expect(await org.call(SetCustomerLocationHandler.operation, as: "sup-1", body, id: c2).status == 404)
            let bad = await org.call(SetCustomerLocationHandler.operation, as: "sup-1", #"{"latitude":91,"longitude":0}"#, id: c1)
            #expect(bad.status == 422)
            #expect(try bad.decode(Problem.self).errors?.map(\.field) == ["latitude"])

            let set = await org.call(SetCustomerLocationHandler.operation, as: "sup-1", body, id: c1)
            #expect(set.status == 200, "\(set.text)")
            let customer = try set.decode(Customer.self)
            #expect(customer.location == GeoPoint(latitude: 31.230416, longitude: 121.473701) && customer.version == 2)
            #expect(set.text.contains(#""location":{"#))
            // The same location again changes nothing.
            #expect(try await org.call(SetCustomerLocationHandler.operation, as: "rm-east", body, id: c1).decode(Customer.self).version == 2)
            #expect(try await org.service.outbox(CustomerUpdated.self).count == 1)
            // Now the rep's check-in is measured against it.
            let visit = try await org.call(CheckInHandler.operation, as: "rep-1", Self.checkIn(northMeters: 300), id: c1).decode(Visit.self)
            #expect(visit.distanceMeters == 300 && visit.flags == [])

            // A supervisor's check-in at a customer without a location does not set it.
            let c2Visit = await org.call(CheckInHandler.operation, as: "sup-2", Self.checkIn(northMeters: 0), id: c2)
            #expect(c2Visit.status == 201, "\(c2Visit.text)")
            #expect(try c2Visit.decode(Visit.self).flags == [])
            #expect(try await org.call(Operation.Customers.get, as: "gm", id: c2).decode(Customer.self).location == nil)
        }
    }

    @Test("the visit's rep checks out once (then 409); a supervisor gets 403, another rep 404")
    func checkOut() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let org = try await CustomerFixture.seed(service)
            let c1 = try #require(org.customers["c1"])
            let visit = try await org.call(CheckInHandler.operation, as: "rep-1", Self.checkIn(northMeters: 0), id: c1).decode(Visit.self)
            let id = visit.id.description
            #expect(await org.call(CheckOutHandler.operation, as: "rep-2", id: id).status == 404)
            #expect(await org.call(CheckOutHandler.operation, as: "sup-1", id: id).status == 403)
            #expect(await org.call(CheckOutHandler.operation, as: "finance", id: id).status == 403)
            let out = await org.service.call(CheckOutHandler.operation, as: "rep-1", "{}", id: id, key: "out-1")
            #expect(out.status == 200, "\(out.text)")
            let done = try out.decode(Visit.self)
            #expect(done.checkedOutAt != nil && done.durationMinutes == 0 && done.version == 2)
            // A retry with the same key is the same answer; a second check-out is a conflict.
            #expect(await org.service.call(CheckOutHandler.operation, as: "rep-1", "{}", id: id, key: "out-1").status == 200)
            #expect(await org.call(CheckOutHandler.operation, as: "rep-1", id: id).status == 409)
            let events = try await org.service.outbox(type: VisitCheckedOut.eventType)
            #expect(events.map(\.sequence) == [2] && events.map(\.subject) == [id])
            #expect(try await org.service.outbox(VisitCheckedOut.self).first?.visit.durationMinutes == 0)
            #expect(await org.call(CheckOutHandler.operation, as: "rep-1", id: "not-a-uuid").status == 404)
        }
    }

    @Test("lists are scoped like customers: a rep sees their own visits, a supervisor their team's, managers their region's")
    func scope() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let org = try await CustomerFixture.seed(service)
            let c1 = try #require(org.customers["c1"])
            let c2 = try #require(org.customers["c2"])
            let c3 = try #require(org.customers["c3"])
            let square = #"{"latitude":31.230416,"longitude":121.473701}"#
            #expect(await org.call(SetCustomerLocationHandler.operation, as: "sup-2", square, id: c2).status == 200)
            for (rep, customer) in [("rep-1", c1), ("rep-2", c2), ("rep-north", c3)] {
                #expect(await org.call(CheckInHandler.operation, as: rep, Self.checkIn(northMeters: 0), id: customer).status == 201)
            }
            // rep-1's second visit is far from the location the first one set.
            #expect(await org.call(CheckInHandler.operation, as: "rep-1", Self.checkIn(northMeters: 900), id: c1).status == 201)
            // rep-2 cannot check in at rep-1's customer.
            #expect(await org.call(CheckInHandler.operation, as: "rep-2", Self.checkIn(northMeters: 0), id: c1).status == 404)
            #expect(await org.call(CheckInHandler.operation, as: "finance", Self.checkIn(northMeters: 0), id: c1).status == 403)

            func reps(_ user: String, _ query: String? = nil) async throws -> [String] {
                let response = await org.call(ListVisitsHandler.list, as: user, query: query)
                #expect(response.status == 200, "\(response.text)")
                return try response.decode(ListPage<Visit>.self).items.map(\.repID)
            }
            #expect(try await reps("rep-1") == ["rep-1", "rep-1"])
            #expect(try await reps("rep-2") == ["rep-2"])
            #expect(try await reps("sup-1") == ["rep-1", "rep-1"])
            #expect(try await reps("sup-1", "rep=rep-2") == [])
            #expect(try await reps("rm-east") == ["rep-1", "rep-2", "rep-1"])
            #expect(try await reps("rm-north") == ["rep-north"])
            for user in ["gm", "admin", "finance"] {
                #expect(try await reps(user).count == 4, "\(user)")
            }
            // Only rep-2's visit is unflagged: c2 had a location, the others took theirs from a first visit.
            #expect(try await reps("gm", "flagged=true") == ["rep-1", "rep-north", "rep-1"])
            #expect(try await reps("gm", "flagged=false").count == 4)
            #expect(try await reps("gm", "rep=rep-2") == ["rep-2"])
            let today = BusinessCalendar.day(of: Date())
            let tomorrow = BusinessCalendar.day(of: Date().addingTimeInterval(86_400))
            #expect(try await reps("gm", "from=\(today)&to=\(today)").count == 4)
            #expect(try await reps("gm", "from=\(tomorrow)").count == 0)
            #expect(try await reps("gm", "limit=1").count == 1)

            let second = try await org.call(ListVisitsHandler.list, as: "gm", query: "limit=3").decode(ListPage<Visit>.self)
            let cursor = try #require(second.nextCursor)
            let rest = try await org.call(ListVisitsHandler.list, as: "gm", query: "limit=3&cursor=\(cursor)").decode(ListPage<Visit>.self)
            #expect(rest.items.count == 1 && rest.nextCursor == nil)
            #expect(Set((second.items + rest.items).map(\.id)).count == 4)

            let ofC1 = await org.call(ListVisitsHandler.listOfCustomer, as: "sup-1", id: c1)
            #expect(try ofC1.decode(ListPage<Visit>.self).items.map(\.customerName) == ["c1", "c1"])
            #expect(await org.call(ListVisitsHandler.listOfCustomer, as: "rep-2", id: c1).status == 404)
            #expect(await org.call(ListVisitsHandler.listOfCustomer, as: "rm-north", id: c1).status == 404)
            #expect(try await org.call(ListVisitsHandler.listOfCustomer, as: "rep-2", id: c2).decode(ListPage<Visit>.self).items.count == 1)
        }
    }

    @Test("invalid check-ins and list filters are 422s naming the field")
    func validation() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let org = try await CustomerFixture.seed(service)
            let c1 = try #require(org.customers["c1"])
            func fields(_ json: String) async throws -> [String] {
                let response = await org.call(CheckInHandler.operation, as: "rep-1", json, id: c1)
                #expect(response.status == 422, "\(json): \(response.text)")
                return try response.decode(Problem.self).errors?.map(\.field) ?? []
            }
            #expect(try await fields("{}") == ["latitude", "longitude", "accuracyMeters", "purpose"])
            #expect(try await fields(Self.checkIn(latitude: 90.1, longitude: 0)) == ["latitude"])
            #expect(try await fields(Self.checkIn(latitude: 0, longitude: 180.5)) == ["longitude"])
            #expect(try await fields(Self.checkIn(latitude: 0, longitude: 0, accuracy: 100_001)) == ["accuracyMeters"])
            #expect(try await fields(Self.checkIn(latitude: 0, longitude: 0, purpose: "lunch")) == ["purpose"])
            let yesterday = BusinessCalendar.day(of: Date().addingTimeInterval(-86_400))
            #expect(try await fields(Self.checkIn(latitude: 0, longitude: 0, extra: #","nextFollowUpOn":"\#(yesterday)""#)) == ["nextFollowUpOn"])
            let long = String(repeating: "x", count: 2001)
            #expect(try await fields(Self.checkIn(latitude: 0, longitude: 0, extra: #","notes":"\#(long)""#)) == ["notes"])
            #expect(try await fields(Self.checkIn(latitude: 0, longitude: 0, extra: #","contactName":"\#(long.prefix(101))""#)) == ["contactName"])
            #expect(try await org.service.outbox(VisitCheckedIn.self).isEmpty)

            for (query, field) in [
                ("from=2026-13-01", "from"), ("to=yesterday", "to"), ("from=2026-11-02&to=2026-11-01", "to"), ("flagged=yes", "flagged"),
            ] {
                let response = await org.call(ListVisitsHandler.list, as: "gm", query: query)
                #expect(response.status == 422, "\(query)")
                #expect(try response.decode(Problem.self).errors?.map(\.field) == [field], "\(query)")
            }
            let today = BusinessCalendar.day(of: Date())
            let ok = await org.call(
                CheckInHandler.operation,
                as: "rep-1",
                Self.checkIn(latitude: 0, longitude: 0, extra: #","nextFollowUpOn":"\#(today)","notes":" 带样品 ","contactName":"王工""#),
                id: c1
            )
            #expect(ok.status == 201, "\(ok.text)")
            let visit = try ok.decode(Visit.self)
            #expect(visit.nextFollowUpOn == today && visit.notes == "带样品" && visit.contactName == "王工")
        }
    }

    @Test("a retried check-in with the same Idempotency-Key is one visit and one event")
    func idempotentRetry() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let org = try await CustomerFixture.seed(service)
            let c1 = try #require(org.customers["c1"])
            let body = Self.checkIn(northMeters: 0)
            let first = await org.service.call(CheckInHandler.operation, as: "rep-1", body, id: c1, key: "visit-offline-1")
            let retry = await org.service.call(CheckInHandler.operation, as: "rep-1", body, id: c1, key: "visit-offline-1")
            #expect(first.status == 201 && retry.status == 201)
            #expect(try first.decode(Visit.self).id == retry.decode(Visit.self).id)
            #expect(try await org.service.outbox(VisitCheckedIn.self).count == 1)
            #expect(try await org.call(ListVisitsHandler.list, as: "rep-1").decode(ListPage<Visit>.self).items.count == 1)
            // The same key with another body is refused, not a second visit.
            let other = await org.service.call(CheckInHandler.operation, as: "rep-1", Self.checkIn(northMeters: 5), id: c1, key: "visit-offline-1")
            #expect(other.status == 422)
            #expect(try await org.service.outbox(VisitCheckedIn.self).count == 1)
        }
    }

    @Test("a check-in sent later keeps the phone's time: flagged recorded_offline past 10 minutes, refused past 7 days, clamped when ahead")
    func offlineCheckInKeepsItsTime() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let org = try await CustomerFixture.seed(service)
            let c1 = try #require(org.customers["c1"])
            let formatter = ISO8601DateFormatter()
            func at(_ offset: TimeInterval) -> String { #","checkedInAt":"\#(formatter.string(from: Date().addingTimeInterval(offset)))""# }

            let twoHoursAgo = Date().addingTimeInterval(-7_200)
            let late = await org.call(
                CheckInHandler.operation,
                as: "rep-1",
                Self.checkIn(latitude: Self.square.latitude, longitude: Self.square.longitude, extra: at(-7_200)),
                id: c1
            )
            #expect(late.status == 201, "\(late.text)")
            let visit = try late.decode(Visit.self)
            #expect(abs(visit.checkedInAt.timeIntervalSince(twoHoursAgo)) < 2)
            #expect(visit.flags == [.locationFromVisit, .recordedOffline])
            #expect(try await org.service.outbox(VisitCheckedIn.self).last?.visit.flags == ["location_from_visit", "recorded_offline"])

            // A few minutes late is a slow network, not an offline visit.
            let recent = try await org.call(CheckInHandler.operation, as: "rep-1", Self.checkIn(northMeters: 0, extra: at(-120)), id: c1)
                .decode(Visit.self)
            #expect(recent.flags == [] && recent.checkedInAt < Date().addingTimeInterval(-100))

            // A phone clock ahead of the server's: taken as now, not refused and not in the future.
            let ahead = try await org.call(CheckInHandler.operation, as: "rep-1", Self.checkIn(northMeters: 0, extra: at(3_600)), id: c1)
                .decode(Visit.self)
            #expect(ahead.checkedInAt <= Date() && ahead.flags == [])

            for bad in [at(-8 * 24 * 3_600), #","checkedInAt":"yesterday""#, #","checkedInAt":"2026-13-01T00:00:00Z""#] {
                let refused = await org.call(CheckInHandler.operation, as: "rep-1", Self.checkIn(northMeters: 0, extra: bad), id: c1)
                #expect(refused.status == 422 && refused.text.contains("checkedInAt"), "\(bad): \(refused.text)")
            }
            #expect(try await org.service.outbox(VisitCheckedIn.self).count == 3)
        }
    }
}
