import Contracts
import Foundation
import Testing

@testable import Customers

@Suite("Visit rules")
struct VisitRulesTests {
    @Test("haversine distance is in whole metres: one degree of the equator, Shanghai to Beijing, a point to itself")
    func distances() {
        let origin = GeoPoint(latitude: 0, longitude: 0)
        #expect(VisitRules.distanceMeters(from: origin, to: GeoPoint(latitude: 0, longitude: 1)) == 111_195)
        #expect(VisitRules.distanceMeters(from: origin, to: origin) == 0)
        let peoplesSquare = GeoPoint(latitude: 31.230416, longitude: 121.473701)
        let tiananmen = GeoPoint(latitude: 39.908823, longitude: 116.397470)
        let distance = VisitRules.distanceMeters(from: peoplesSquare, to: tiananmen)
        #expect((1_066_000...1_070_000).contains(distance), "\(distance)")
        #expect(distance == VisitRules.distanceMeters(from: tiananmen, to: peoplesSquare))
        // 0.0027° of latitude is about 300 m anywhere.
        let north = GeoPoint(latitude: 31.233116, longitude: 121.473701)
        #expect(VisitRules.distanceMeters(from: peoplesSquare, to: north) == 300)
    }

    @Test("far is strictly beyond the distance limit, poor_accuracy strictly beyond the accuracy limit; no location, no far")
    func flags() {
        let limits = VisitRules.Thresholds(maxDistanceMeters: 500, poorAccuracyMeters: 200)
        #expect(VisitRules.flags(distanceMeters: 500, accuracyMeters: 200, locationFromVisit: false, thresholds: limits) == [])
        #expect(VisitRules.flags(distanceMeters: 501, accuracyMeters: 200, locationFromVisit: false, thresholds: limits) == [.far])
        #expect(VisitRules.flags(distanceMeters: 501, accuracyMeters: 201, locationFromVisit: false, thresholds: limits) == [.far, .poorAccuracy])
        #expect(VisitRules.flags(distanceMeters: nil, accuracyMeters: 5, locationFromVisit: true, thresholds: limits) == [.locationFromVisit])
        #expect(VisitRules.Thresholds() == limits)
    }

    @Test("a check-in names every invalid field; coordinates keep six decimals")
    func validation() throws {
        let today = try #require(CalendarDay("2026-11-30"))
        let valid = try VisitRules.validate(
            VisitDraft(latitude: 31.2304164, longitude: 121.4737016, accuracyMeters: 0, purpose: "demo", nextFollowUpOn: "2026-11-30"),
            today: today
        )
        #expect(valid.position == GeoPoint(latitude: 31.230416, longitude: 121.473702))
        #expect(valid.purpose == .demo && valid.nextFollowUpOn == today && valid.notes == nil)
        #expect(VisitRules.decimalText(-0.0000004) == "-0.000000" || VisitRules.decimalText(-0.0000004) == "0.000000")
        #expect(VisitRules.decimalText(121.4737016) == "121.473702")

        func fields(_ draft: VisitDraft) -> [String] {
            do {
                _ = try VisitRules.validate(draft, today: today)
                return []
            } catch {
                return error.errors?.map(\.field) ?? []
            }
        }
        #expect(fields(VisitDraft()) == ["latitude", "longitude", "accuracyMeters", "purpose"])
        #expect(
            fields(
                VisitDraft(
                    latitude: 90.5,
                    longitude: -180.1,
                    accuracyMeters: 100_001,
                    purpose: "coffee",
                    notes: String(repeating: "记", count: 2001),
                    contactName: String(repeating: "a", count: 101),
                    nextFollowUpOn: "2026-11-29"
                )
            ) == ["latitude", "longitude", "accuracyMeters", "purpose", "notes", "contactName", "nextFollowUpOn"]
        )
        #expect(
            fields(VisitDraft(latitude: 1, longitude: 1, accuracyMeters: -1, purpose: "other", nextFollowUpOn: "2026-02-30")) == [
                "accuracyMeters", "nextFollowUpOn",
            ]
        )
        #expect(fields(VisitDraft(latitude: 90, longitude: 180, accuracyMeters: 100_000, purpose: "after_sales", notes: "  ")) == [])
    }

    @Test("the duration is whole minutes, rounded down")
    func duration() {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(VisitRules.durationMinutes(from: start, to: start.addingTimeInterval(59)) == 0)
        #expect(VisitRules.durationMinutes(from: start, to: start.addingTimeInterval(61 * 60 + 59)) == 61)
    }
}
